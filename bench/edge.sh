#!/usr/bin/env bash
# Client-facing TLS and HTTP/2 benchmark: gatehouse beside nginx, both
# terminating TLS in front of the same HTTP/1.1 upstream, in interleaved
# rounds. Measures HTTPS/1.1 keep-alive req/s, new TLS handshakes/s
# (one request per connection), and HTTP/2 req/s over one connection and
# over many. See bench/README.md.
#
# Knobs (environment): DURATION (seconds) ROUNDS PIN PORT_BASE
# H2_MANY (h2load -c/-m for "many", default "10 10") KEEP_TMP.
set -euo pipefail
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
PIN=${PIN:-auto}
PORT_BASE=${PORT_BASE:-18200}
H2_MANY=${H2_MANY:-"10 10"}
KEEP_TMP=${KEEP_TMP:-0}
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
have() { command -v "$1" >/dev/null 2>&1; }

if ! have h2load || ! have wrk || ! have nginx || ! have openssl; then
	[[ $(id -u) == 0 ]] || { echo "need h2load (nghttp2-client), wrk, nginx, openssl" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nghttp2-client wrk nginx openssl >/dev/null
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[[ $KEEP_TMP == 1 ]] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

up=$PORT_BASE
declare -A port=([gatehouse]=$((PORT_BASE + 1)) [nginx]=$((PORT_BASE + 2)))
gen_pin="" proxy_pin=""
if [[ $PIN != 0 ]] && have taskset && (($(nproc) >= 2)); then
	gen_pin="taskset -c 0" proxy_pin="taskset -c 1"
fi

(cd "$root" && go build -o "$tmp/gatehouse" ./cmd/gatehouse && go build -o "$tmp/upstream" ./bench/upstream)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
mkdir -p "$tmp/nginx-body"

cat >"$tmp/gatehouse.yaml" <<YAML
listeners:
  - name: public
    addr: "127.0.0.1:${port[gatehouse]}"
    tls: { certificates: [{ cert: "$tmp/cert.pem", key: "$tmp/key.pem" }] }
admin: { addr: "off" }
access_log: { output: "off" }
services:
  - name: upstream
    targets: [{ url: "http://127.0.0.1:$up" }]
routes:
  - name: all
    match: { path_prefix: / }
    service: upstream
YAML
sed -e "s|@@LISTEN@@|127.0.0.1:${port[nginx]}|g" -e "s|@@UPSTREAM@@|127.0.0.1:$up|g" -e "s|@@TMP@@|$tmp|g" \
	"$here/nginx-edge.conf.tmpl" >"$tmp/nginx.conf"

declare -A pid=()
"$tmp/upstream" -addr "127.0.0.1:$up" >"$tmp/upstream.log" 2>&1 & pids+=($!)
$proxy_pin "$tmp/gatehouse" run -c "$tmp/gatehouse.yaml" >"$tmp/gatehouse.log" 2>&1 & pids+=($!)
pid[gatehouse]=$!
$proxy_pin nginx -p "$tmp/" -e "$tmp/nginx-edge-error.log" -c "$tmp/nginx.conf" >"$tmp/nginx.log" 2>&1 & pids+=($!)
pid[nginx]=$!

# cpu_ticks NAME: user+system clock ticks of the proxy and its children
# (nginx's worker), so that work per CPU second can be compared on a
# machine whose other load makes req/s alone noisy.
cpu_ticks() {
	local total=0 p line
	local -a f
	for p in ${pid[$1]} $(ps -o pid= --ppid "${pid[$1]}" 2>/dev/null); do
		read -r line <"/proc/$p/stat" 2>/dev/null || continue
		read -r -a f <<<"${line##*) }"
		total=$((total + f[11] + f[12]))
	done
	echo "$total"
}
for name in gatehouse nginx; do
	ok=0
	for _ in $(seq 100); do
		if curl -sfk --http2 "https://127.0.0.1:${port[$name]}/" >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.1
	done
	((ok)) || { echo "$name did not answer over TLS; logs in $tmp" >&2; KEEP_TMP=1; exit 1; }
done

# run TEST TARGET: one measurement, printing req/s.
run() {
	local url="https://127.0.0.1:${port[$2]}/" out
	case $1 in
	https1) out=$($gen_pin wrk -t1 -c50 -d"${DURATION}s" "$url") ;;
	handshake) out=$($gen_pin wrk -t1 -c50 -d"${DURATION}s" -H "Connection: close" "$url") ;;
	h2-one) out=$($gen_pin h2load -c1 -m100 -D "$DURATION" "$url") ;;
	h2-many) set -- $H2_MANY; out=$($gen_pin h2load -c"$1" -m"$2" -D "$DURATION" "$url") ;;
	esac
	case $1 in
	https1 | handshake) awk '/^Requests\/sec:/ {print $2}' <<<"$out" ;;
	*)
		# Only successful answers count.
		local ok; ok=$(awk '/^status codes:/ {print $3}' <<<"$out")
		awk -v ok="$ok" '/^finished in/ {sub(/s,$/, "", $3); printf "%.0f\n", ok / $3}' <<<"$out" ;;
	esac
}

tests=(https1 handshake h2-one h2-many)
hz=$(getconf CLK_TCK)
declare -A rps=() ratio=() cpuratio=()
for t in "${tests[@]}"; do run "$t" gatehouse >/dev/null; run "$t" nginx >/dev/null; done # warm-up
for r in $(seq "$ROUNDS"); do
	for t in "${tests[@]}"; do
		declare -A one=() per=()
		for name in gatehouse nginx; do
			c0=$(cpu_ticks "$name")
			one[$name]=$(run "$t" "$name")
			c1=$(cpu_ticks "$name")
			# requests per CPU second of the proxy
			per[$name]=$(awk -v r="${one[$name]}" -v d="$DURATION" -v c=$((c1 - c0)) -v hz="$hz" 'BEGIN {printf "%.0f", c ? r * d / (c / hz) : 0}')
			rps[$t,$name]+="${one[$name]} "
		done
		ratio[$t]+="$(awk -v g="${one[gatehouse]}" -v n="${one[nginx]}" 'BEGIN {printf "%.3f", g / n}') "
		cpuratio[$t]+="$(awk -v g="${per[gatehouse]}" -v n="${per[nginx]}" 'BEGIN {printf "%.3f", n ? g / n : 0}') "
		echo "round $r $t: req/s gatehouse ${one[gatehouse]} nginx ${one[nginx]}; req per CPU-s gatehouse ${per[gatehouse]} nginx ${per[nginx]}" >&2
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-10s %10s %10s %14s %16s\n' test gatehouse nginx "ratio req/s" "ratio per CPU-s"
for t in "${tests[@]}"; do
	printf '%-10s %10.0f %10.0f %14.2f %16.2f\n' "$t" "$(median <<<"${rps[$t,gatehouse]}")" "$(median <<<"${rps[$t,nginx]}")" \
		"$(median <<<"${ratio[$t]}")" "$(median <<<"${cpuratio[$t]}")"
done
echo "req/s: medians over rounds; ratios: gatehouse/nginx, the median of each round's paired ratio"
echo "tests: https1 = wrk -c50 over HTTPS/1.1 keep-alive; handshake = wrk -c50 with Connection: close (one TLS handshake per request); h2-one = h2load -c1 -m100; h2-many = h2load -c${H2_MANY% *} -m${H2_MANY#* }; ${ROUNDS} rounds x ${DURATION}s, medians"
