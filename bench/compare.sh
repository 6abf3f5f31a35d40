#!/usr/bin/env bash
# Policy cost benchmark: plain gatehouse against gatehouse with a policy
# (bench/configs/NAME.yaml.tmpl), same binary, same upstream, wrk in
# interleaved rounds, proxy pinned to one core like run.sh. Prints req/s,
# p99 and each variant's ratio to plain gatehouse.
#
#   bench/compare.sh ratelimit jwt
#
# A variant's wrk headers come from its template's "#   wrk -H '...'" line
# and are sent to every target, so the plain run does the same work
# outside the policy. Knobs: DURATION ROUNDS CONNECTIONS PORT_BASE.
set -euo pipefail

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-50}
PORT_BASE=${PORT_BASE:-18200}
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

(($#)) || { echo "usage: $0 VARIANT..." >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found: run bench/run.sh once (it installs it) or apt-get install wrk" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-compare.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/gatehouse" ./cmd/gatehouse && go build -o "$tmp/upstream" ./bench/upstream)
up=$PORT_BASE
"$tmp/upstream" -addr "127.0.0.1:$up" >/dev/null 2>&1 &
pids+=($!)

pin=""
if command -v taskset >/dev/null && (($(nproc) >= 2)); then pin="taskset -c 1"; fi
wrkpin=""
[[ -n $pin ]] && wrkpin="taskset -c 0"

names=(gatehouse "$@")
declare -A port=() hdr=()
i=1
for name in "${names[@]}"; do
	tmpl=$here/gatehouse.yaml.tmpl
	[[ $name == gatehouse ]] || tmpl=$here/configs/$name.yaml.tmpl
	[[ -f $tmpl ]] || { echo "no template $tmpl" >&2; exit 1; }
	port[$name]=$((PORT_BASE + i))
	i=$((i + 1))
	sed -e "s|@@LISTEN@@|127.0.0.1:${port[$name]}|g" -e "s|@@UPSTREAM@@|127.0.0.1:$up|g" "$tmpl" |
		sed -e "s|^admin:.*||" >"$tmp/$name.yaml"
	printf 'admin: { addr: "off" }\n' >>"$tmp/$name.yaml"
	h=$(sed -n "s/^#   wrk -H '\([^']*\)'.*/\1/p" "$tmpl" | head -n 1)
	[[ -n $h ]] && hdr[all]=$h
	$pin "$tmp/gatehouse" run -c "$tmp/$name.yaml" -watch=false >"$tmp/$name.log" 2>&1 &
	pids+=($!)
done
wrkargs=()
[[ -n ${hdr[all]:-} ]] && wrkargs=(-H "${hdr[all]}")

for name in "${names[@]}"; do
	for ((t = 0; t < 100; t++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "${wrkargs[@]}" "http://127.0.0.1:${port[$name]}/" || true)
		[[ $code == 200 ]] && break
		sleep 0.1
	done
	[[ $code == 200 ]] || { echo "$name did not answer 200 (got $code); log:" >&2; tail "$tmp/$name.log" >&2; exit 1; }
done

run() { # run NAME DURATION -> "req/s p99ms"
	timeout 120 $wrkpin wrk -t1 -c"$CONNECTIONS" -d"$2" --latency "${wrkargs[@]}" "http://127.0.0.1:${port[$1]}/" |
		awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r, p}'
}
for name in "${names[@]}"; do run "$name" 2s >/dev/null; done
declare -A all=()
for ((round = 1; round <= ROUNDS; round++)); do
	for name in "${names[@]}"; do
		read -r rps p99 < <(run "$name" "$DURATION")
		all[$name]+="$rps "
		printf '  round %d/%d  %-10s %10.0f req/s  p99 %s\n' "$round" "$ROUNDS" "$name" "$rps" "$p99" >&2
	done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(median "${all[gatehouse]}")
echo "compare: median of $ROUNDS rounds, wrk -t1 -c$CONNECTIONS -d$DURATION, proxy ${pin:-unpinned}"
for name in "${names[@]}"; do
	m=$(median "${all[$name]}")
	awk -v n="$name" -v m="$m" -v b="$base" 'BEGIN {printf "  %-10s %10.0f req/s   %s/gatehouse %.3f\n", n, m, n, m / b}'
done
