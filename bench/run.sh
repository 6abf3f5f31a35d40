#!/usr/bin/env bash
# Load benchmark: the same tiny upstream reached directly and through
# gatehouse, nginx and Caddy, measured with wrk in interleaved rounds.
# See bench/README.md for how to run it and how to read the output.
#
# Knobs (environment): DURATION ROUNDS WARMUP CONNECTIONS THREADS PIN
# PORT_BASE TARGETS KEEP_TMP GATEHOUSE_BIN.
set -euo pipefail

DURATION=${DURATION:-10s}     # wrk -d for each measured run
ROUNDS=${ROUNDS:-5}           # interleaved rounds; the median is reported
WARMUP=${WARMUP:-2s}          # one unmeasured wrk run per target first
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-1}
PIN=${PIN:-auto}              # auto: pin when taskset and >=2 cores; 0: never
PORT_BASE=${PORT_BASE:-18000} # upstream; proxies use +80, +81, +82
TARGETS=${TARGETS:-"direct gatehouse nginx caddy"}
KEEP_TMP=${KEEP_TMP:-0}       # 1: keep the temp dir (configs, logs) after exit
GATEHOUSE_BIN=${GATEHOUSE_BIN:-} # prebuilt binary to use instead of building
SCENARIO=${SCENARIO:-plain}   # plain: 98-byte JSON; gzip: 10 KB JSON, gzip level 1 everywhere; cache: cache hits

export LC_ALL=C # stable number formatting for awk/printf
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

up_port=$PORT_BASE
declare -A port=([direct]=$PORT_BASE [gatehouse]=$((PORT_BASE + 80)) [nginx]=$((PORT_BASE + 81)) [caddy]=$((PORT_BASE + 82)))
declare -A root_pid=()   # target -> pid whose process tree is "the proxy"
declare -A skipped=()    # target -> why it is not measured
started=()               # every background pid we started, for cleanup
created_policy_rc=0

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup

# proc_tree PID: PID and all its descendants (nginx master -> workers).
proc_tree() {
	local -A kids=()
	local st line pid
	local -a f
	for st in /proc/[0-9]*/stat; do
		read -r line <"$st" 2>/dev/null || continue
		# comm (field 2) may hold spaces; fields after the last ")" do not.
		read -r -a f <<<"${line##*) }"
		pid=${st#/proc/}
		kids[${f[1]}]+=" ${pid%/stat}"
	done
	local -a queue=("$1")
	while ((${#queue[@]})); do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		[[ -d /proc/$pid ]] || continue
		echo "$pid"
		# shellcheck disable=SC2206 # word splitting of the pid list is wanted
		queue+=(${kids[$pid]:-})
	done
}

cleanup() {
	local pid all=() i
	for pid in "${started[@]}"; do
		mapfile -t -O "${#all[@]}" all < <(proc_tree "$pid")
	done
	((${#all[@]})) && kill -TERM "${all[@]}" 2>/dev/null || true
	# Bounded wait for a graceful exit, then force.
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for pid in "${all[@]}"; do [[ -d /proc/$pid ]] && alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${all[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if ((created_policy_rc)); then rm -f /usr/sbin/policy-rc.d; fi
	if [[ -n ${tmp:-} ]]; then
		if [[ $KEEP_TMP == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- tools

have() { command -v "$1" >/dev/null 2>&1; }

install_tools() {
	local missing=()
	have wrk || missing+=(wrk)
	have nginx || missing+=(nginx)
	have caddy || missing+=(caddy)
	have curl || missing+=(curl)
	((${#missing[@]})) || return 0
	[[ $EUID -eq 0 ]] || die "missing ${missing[*]}; run as root or: apt-get install -y ${missing[*]}"
	have apt-get || die "missing ${missing[*]} and no apt-get to install them"
	log "installing from Debian: ${missing[*]}"
	# Debian's nginx and caddy packages start a system service on :80 when
	# installed; only the binaries are wanted, so forbid service starts for
	# the duration of the install (the standard policy-rc.d mechanism).
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created_policy_rc=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	if ((created_policy_rc)); then rm -f /usr/sbin/policy-rc.d && created_policy_rc=0; fi
}

# dur_seconds 10s|2m|1h|5 -> seconds (wrk's duration syntax), for timeouts.
dur_seconds() {
	local d=$1
	case $d in
	*s) echo "${d%s}" ;;
	*m) echo $((${d%m} * 60)) ;;
	*h) echo $((${d%h} * 3600)) ;;
	*) echo "$d" ;;
	esac
}

# ---------------------------------------------------------------- processes

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME CMD...: run CMD in the background, logging to $tmp/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	started+=("$!")
	root_pid[$name]=$!
}

# wait_ready NAME: poll the target until it relays the upstream's exact
# body (bounded: 10 s), so a proxy that starts but misroutes is caught.
wait_ready() {
	local name=$1 i got
	for ((i = 0; i < 100; i++)); do
		[[ -d /proc/${root_pid[$name]} ]] || return 1
		if got=$(curl -fsS --max-time 1 "http://127.0.0.1:${port[$name]}/" 2>/dev/null) &&
			[[ $got == "$expected_body" ]]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# skip NAME REASON: drop a target, showing the end of its log.
skip() {
	skipped[$1]=$2
	log "SKIP $1: $2"
	if [[ -s $tmp/$1.log ]]; then tail -n 15 "$tmp/$1.log" | sed 's/^/    /' >&2; fi
}

render() { # render TEMPLATE OUT: fill the @@...@@ placeholders
	sed -e "s|@@LISTEN@@|127.0.0.1:$3|g" -e "s|@@PORT@@|$3|g" \
		-e "s|@@UPSTREAM@@|127.0.0.1:$up_port|g" -e "s|@@TMP@@|$tmp|g" "$1" >"$2"
	if [[ $SCENARIO == cache ]]; then
		# Every proxy caches the upstream's answer (max-age=3600) in
		# memory, so each measured request is a hit: the proxy alone.
		case $1 in
		*gatehouse.yaml.tmpl) printf '%s\n' "policies:" "  cache: {}" >>"$2" ;;
		*nginx.conf.tmpl) sed -i -e "s|^    access_log off;|    access_log off;\n    proxy_cache_path $tmp/nginx-cache keys_zone=bench:10m max_size=64m;|" \
			-e 's|^            proxy_pass http://bench_upstream;|            proxy_pass http://bench_upstream;\n            proxy_cache bench;|' "$2"
			# As root, nginx's workers run as nobody, who cannot enter the
			# private temp dir the cache lives in.
			if [[ $EUID -eq 0 ]]; then sed -i '1i user root;' "$2"; fi ;;
		esac
		return 0
	fi
	[[ $SCENARIO == gzip ]] || return 0
	# The same compression for every proxy: gzip level 1 (nginx's default)
	# of JSON answers of 256 bytes or more.
	case $1 in
	*gatehouse.yaml.tmpl) printf '%s\n' "policies:" "  compress: { algorithms: [gzip], levels: { gzip: 1 }, min_bytes: 256 }" >>"$2" ;;
	*nginx.conf.tmpl) sed -i 's|^    access_log off;|    access_log off;\n    gzip on; gzip_comp_level 1; gzip_min_length 256; gzip_proxied any; gzip_types application/json;|' "$2" ;;
	*Caddyfile.tmpl) sed -i 's|^\treverse_proxy|\tencode {\n\t\tgzip 1\n\t\tminimum_length 256\n\t}\n\treverse_proxy|' "$2" ;;
	esac
}

start_gatehouse() {
	local bin=$GATEHOUSE_BIN
	if [[ -z $bin ]]; then
		bin=$tmp/gatehouse
		if ! (cd "$root" && go build -o "$bin" ./cmd/gatehouse) >"$tmp/gatehouse.log" 2>&1; then
			skip gatehouse "go build ./cmd/gatehouse failed"
			return
		fi
	fi
	render "$here/gatehouse.yaml.tmpl" "$tmp/gatehouse.yaml" "${port[gatehouse]}"
	start gatehouse $proxy_pin "$bin" run -c "$tmp/gatehouse.yaml"
	wait_ready gatehouse || skip gatehouse "did not start or did not relay the upstream body"
}

start_nginx() {
	render "$here/nginx.conf.tmpl" "$tmp/nginx.conf" "${port[nginx]}"
	# -e: early error log before the config is read (default is /var/log).
	start nginx $proxy_pin nginx -p "$tmp/" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf"
	wait_ready nginx || skip nginx "did not start or did not relay the upstream body"
}

start_caddy() {
	render "$here/Caddyfile.tmpl" "$tmp/Caddyfile" "${port[caddy]}"
	mkdir -p "$tmp/caddy-home"
	# Own HOME/XDG dirs: Caddy writes its storage there even with TLS off.
	start caddy env HOME="$tmp/caddy-home" XDG_DATA_HOME="$tmp/caddy-home" \
		XDG_CONFIG_HOME="$tmp/caddy-home" $proxy_pin caddy run --config "$tmp/Caddyfile" --adapter caddyfile
	wait_ready caddy || skip caddy "did not start or did not relay the upstream body"
}

# ---------------------------------------------------------------- measuring

clk_tck=$(getconf CLK_TCK)

# cpu_ticks PID: utime+stime of PID and its descendants, in clock ticks.
# /proc/PID/stat already sums all threads of a process.
cpu_ticks() {
	local total=0 pid line
	local -a f
	[[ $1 == - ]] && { echo 0; return; }
	for pid in $(proc_tree "$1"); do
		read -r line <"/proc/$pid/stat" 2>/dev/null || continue
		read -r -a f <<<"${line##*) }" # f[0] is field 3 (state)
		total=$((total + f[11] + f[12]))   # fields 14 utime, 15 stime
	done
	echo "$total"
}

# wrk_run NAME DURATION OUTFILE: one bounded wrk run against a target.
wrk_run() {
	local limit=$(($(dur_seconds "$2") + 30))
	local -a hdr=()
	[[ $SCENARIO == gzip ]] && hdr=(-H "Accept-Encoding: gzip")
	timeout "$limit" $wrk_pin wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency "${hdr[@]}" \
		-s "$here/report.lua" "http://127.0.0.1:${port[$1]}/" >"$3" 2>&1
}

# measure NAME ROUND: one measured run, appended to runs.tsv.
measure() {
	local name=$1 round=$2 out="$tmp/wrk-$1-$2.log"
	local proxy=${root_pid[$name]:--}
	[[ $name == direct ]] && proxy=-
	local p0 u0 t0 p1 u1 t1
	p0=$(cpu_ticks "$proxy")
	u0=$(cpu_ticks "${root_pid[direct]}")
	t0=$(date +%s%N)
	if ! wrk_run "$name" "$DURATION" "$out"; then
		cat "$out" >&2
		die "wrk against $name failed (round $round)"
	fi
	t1=$(date +%s%N)
	p1=$(cpu_ticks "$proxy")
	u1=$(cpu_ticks "${root_pid[direct]}")
	local _ req dur p50 p99 serr herr
	read -r _ req dur p50 p99 serr herr < <(grep '^WRKRESULT' "$out") ||
		die "no result line from wrk against $name; see $out"
	awk -v n="$name" -v r="$round" -v req="$req" -v dur="$dur" -v p50="$p50" -v p99="$p99" \
		-v se="$serr" -v he="$herr" -v pt=$((p1 - p0)) -v ut=$((u1 - u0)) -v hz="$clk_tck" \
		-v wall=$((t1 - t0)) 'BEGIN {
			w = wall / 1e9
			printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\n", n, r, req, dur, p50, p99, se, he, pt / hz, ut / hz, w
		}' >>"$tmp/runs.tsv"
	# One progress line per run, from the line just written.
	tail -n 1 "$tmp/runs.tsv" | awk -F'\t' -v rounds="$ROUNDS" '{
		cores = ($1 == "direct") ? "-" : sprintf("%.2f", $9 / $11)
		printf "  round %d/%d  %-9s %9.0f req/s  p50 %6.2fms  p99 %6.2fms  proxy cores %s  errors %d\n",
			$2, rounds, $1, $3 / ($4 / 1e6), $5 / 1e3, $6 / 1e3, cores, $7 + $8
	}' >&2
	if [[ ! -d /proc/$proxy && $proxy != - ]]; then die "$name exited during round $round; see $tmp/$name.log"; fi
}

# ---------------------------------------------------------------- main

install_tools
have go || die "go not found (expected /usr/local/go/bin/go)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench.XXXXXX")
: >"$tmp/runs.tsv"

for name in direct gatehouse nginx caddy; do
	if port_busy "${port[$name]}"; then die "port ${port[$name]} ($name) is in use; set PORT_BASE"; fi
done

# Pinning: wrk on core 0, the proxy under test alone on core 1. The
# upstream gets cores 2.. when there are any, else it floats on both (on 2
# cores there is no free core for it). Go reads its affinity mask at start,
# so a pinned gatehouse or Caddy defaults to GOMAXPROCS=1; the upstream keeps
# the default (all cores it may use). GOMAXPROCS is never set here.
ncpu=$(nproc)
wrk_pin="" proxy_pin="" up_pin="" pinning="none"
if [[ $PIN != 0 ]] && have taskset && ((ncpu >= 2)); then
	wrk_pin="taskset -c 0" proxy_pin="taskset -c 1"
	pinning="wrk=cpu0 proxy=cpu1 upstream=unpinned"
	if ((ncpu >= 3)); then
		up_pin="taskset -c 2-$((ncpu - 1))"
		pinning="wrk=cpu0 proxy=cpu1 upstream=cpu2-$((ncpu - 1))"
	fi
fi

log "building bench upstream and report"
(cd "$root" && go build -o "$tmp/upstream" ./bench/upstream && go build -o "$tmp/report" ./bench/report)

upstream_args=()
[[ $SCENARIO == gzip ]] && upstream_args=(-json-bytes 10240)
[[ $SCENARIO == cache ]] && upstream_args=(-cache-control "max-age=3600")
# Caddy has no response cache of its own: it sits the cache scenario out.
[[ $SCENARIO == cache ]] && TARGETS=${TARGETS/caddy/}
start direct $up_pin "$tmp/upstream" -addr "127.0.0.1:$up_port" "${upstream_args[@]}"
expected_body=""
for ((i = 0; i < 100; i++)); do
	expected_body=$(curl -fsS --max-time 1 "http://127.0.0.1:$up_port/" 2>/dev/null) && break
	sleep 0.1
done
[[ -n $expected_body ]] || { cat "$tmp/direct.log" >&2; die "upstream did not start"; }

active=()
for name in $TARGETS; do
	case $name in
	direct) ;;
	gatehouse) start_gatehouse ;;
	nginx) start_nginx ;;
	caddy) start_caddy ;;
	*) die "unknown target $name (want: direct gatehouse nginx caddy)" ;;
	esac
	[[ -n ${skipped[$name]:-} ]] || active+=("$name")
done
for name in direct gatehouse nginx caddy; do
	[[ " $TARGETS " == *" $name "* ]] || skipped[$name]="not in TARGETS"
done
((${#active[@]})) || die "nothing to measure"

log "targets: ${active[*]}; ${ROUNDS} rounds x ${DURATION}, wrk -t$THREADS -c$CONNECTIONS; pinning: $pinning"
log "warm-up: ${WARMUP} per target"
for name in "${active[@]}"; do
	wrk_run "$name" "$WARMUP" "$tmp/warmup-$name.log" || die "warm-up against $name failed; see $tmp/warmup-$name.log"
done

# Interleaved rounds (direct, gatehouse, nginx, caddy, direct, ...) so
# that drift on the machine (thermal, noisy neighbours) hits every target.
for ((round = 1; round <= ROUNDS; round++)); do
	for name in "${active[@]}"; do measure "$name" "$round"; done
done

# Everything the JSON should carry besides the numbers.
{
	printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'duration\t%s\nrounds\t%s\nwarmup\t%s\n' "$DURATION" "$ROUNDS" "$WARMUP"
	printf 'wrk_threads\t%s\nwrk_connections\t%s\n' "$THREADS" "$CONNECTIONS"
	printf 'cpus\t%s\npinning\t%s\n' "$ncpu" "$pinning"
	printf 'gomaxprocs_env\t%s\n' "${GOMAXPROCS:-unset (Go default)}"
	printf 'kernel\t%s\n' "$(uname -r)"
	printf 'go\t%s\n' "$(go version)"
	printf 'wrk\t%s\n' "$(wrk -v 2>&1 | head -n 1 | sed 's/ *Copyright.*//')"
	printf 'nginx\t%s\n' "$(nginx -v 2>&1)"
	printf 'caddy\t%s\n' "$(caddy version 2>&1 | head -n 1)"
	printf 'gatehouse_commit\t%s\n' "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	printf 'upstream_body_bytes\t%s\n' "$(($(printf '%s' "$expected_body" | wc -c) + 1))"
	for name in "${!skipped[@]}"; do printf 'skipped.%s\t%s\n' "$name" "${skipped[$name]}"; done
} >"$tmp/meta.tsv"

mkdir -p "$here/results"
echo
echo "gatehouse bench: median of $ROUNDS rounds, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, pinning: $pinning"
"$tmp/report" -runs "$tmp/runs.tsv" -meta "$tmp/meta.tsv" -json "$here/results/latest.json"
echo
echo "wrote $here/results/latest.json"
