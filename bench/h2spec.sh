#!/usr/bin/env bash
# HTTP/2 conformance: h2spec against gatehouse and against a bare Go
# net/http server (bench/h2bare), over h2c and over TLS. gatehouse must
# pass at least as many cases as the bare server.
#
# Knobs (environment): H2SPEC (a prebuilt h2spec binary), PORT_BASE.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
export PATH="$PATH:/usr/local/go/bin"
PORT_BASE=${PORT_BASE:-18100}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

H2SPEC=${H2SPEC:-}
if [[ -z $H2SPEC ]]; then
	# h2spec is a Go program; v2.2.1 is its last release.
	GOBIN=$tmp/bin go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible ||
		{ echo "h2spec could not be fetched" >&2; exit 1; }
	H2SPEC=$tmp/bin/h2spec
fi
(cd "$root" && go build -o "$tmp/gatehouse" ./cmd/gatehouse && go build -o "$tmp/upstream" ./bench/upstream &&
	go build -o "$tmp/h2bare" ./bench/h2bare)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

up=$PORT_BASE gh2c=$((PORT_BASE + 1)) gtls=$((PORT_BASE + 2)) bh2c=$((PORT_BASE + 3)) btls=$((PORT_BASE + 4))
"$tmp/upstream" -addr "127.0.0.1:$up" >"$tmp/upstream.log" 2>&1 & pids+=($!)
cat >"$tmp/gatehouse.yaml" <<YAML
listeners:
  - name: h2c
    addr: "127.0.0.1:$gh2c"
    http2: { h2c: true }
  - name: tls
    addr: "127.0.0.1:$gtls"
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
"$tmp/gatehouse" run -c "$tmp/gatehouse.yaml" >"$tmp/gatehouse.log" 2>&1 & pids+=($!)
"$tmp/h2bare" -addr "127.0.0.1:$bh2c" >"$tmp/bare1.log" 2>&1 & pids+=($!)
"$tmp/h2bare" -addr "127.0.0.1:$btls" -cert "$tmp/cert.pem" -key "$tmp/key.pem" >"$tmp/bare2.log" 2>&1 & pids+=($!)
for p in $up $gh2c $gtls $bh2c $btls; do
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done

# spec NAME PORT [TLS]: the summary line of one h2spec run.
spec() {
	local args=(-h 127.0.0.1 -p "$2" -o 2 -j "$tmp/$1.xml")
	[[ ${3:-} == tls ]] && args+=(-t -k)
	"$H2SPEC" "${args[@]}" >"$tmp/$1.out" 2>&1 || true
	printf '%-16s %s\n' "$1" "$(grep -E '^[0-9]+ tests' "$tmp/$1.out" | tail -n 1)"
	grep -E '^\s+(×|[0-9.]+\))' "$tmp/$1.out" | grep -B0 '×' | sed 's/^/    failed: /' || true
}
echo "h2spec $("$H2SPEC" --version 2>&1 | head -n 1)"
spec gatehouse-h2c "$gh2c"
spec bare-go-h2c "$bh2c"
spec gatehouse-tls "$gtls" tls
spec bare-go-tls "$btls" tls
