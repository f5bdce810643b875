#!/usr/bin/env bash
# A rolling restart under load: two gateway replicas behind haproxy (which health-checks /readyz),
# wrk sending JSON-RPC calls through it, each replica SIGTERMed and restarted in turn.
# Prints wrk's totals; exits 1 if any call failed (socket error or non-2xx).
#   scripts/rolling-restart.sh [tcp|http] [GATEWAY_BIN]
# Needs haproxy and wrk (apt-get install -y haproxy wrk). Loopback only; stops everything it starts.
set -uo pipefail
MODE=${1:-http}
BIN=${2:-$(cd "$(dirname "$0")/.." && swift build -c release --show-bin-path)/gateway}
DUR=${DUR:-16}
DELAY=${DELAY:-2s}
WORK=$(mktemp -d /tmp/rolling.XXXXXX)
PA=${PA:-19101}; PB=${PB:-19102}; PL=${PL:-19100}
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cat > "$WORK/haproxy.cfg" <<CFG
global
    maxconn 4000
defaults
    mode $MODE
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
$( [ "$MODE" = http ] && echo "    option http-server-close" )
frontend fe
    bind 127.0.0.1:$PL
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 300ms fall 1 rise 2
    server a 127.0.0.1:$PA check
    server b 127.0.0.1:$PB check
CFG

start_replica() {  # $1 port -> STARTED (pid)
  "$BIN" serve --port "$1" --shutdown-delay "$DELAY" --drain-timeout 5s --cancel-timeout 2s --log-level warning \
    >>"$WORK/gw-$1.log" 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$1/readyz" && break; sleep 0.05; done
}

start_replica $PA; A=$STARTED
start_replica $PB; B=$STARTED
ulimit -n "$(ulimit -Hn)"
haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PL/healthz" && break; sleep 0.05; done
sleep 1

LUA="$WORK/rpc.lua"
cat > "$LUA" <<'L'
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}'
wrk.headers["Content-Type"] = "application/json"
function done(s, l, r)
  local e = s.errors
  io.write(string.format("RESULT requests=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    s.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
L
wrk -t2 -c32 -d"${DUR}s" -s "$LUA" "http://127.0.0.1:$PL/rpc" >"$WORK/wrk.txt" 2>&1 & WRK=$!

restart() {  # $1 pid, $2 port: SIGTERM, wait for the exit, start a new replica on the same port
  local pid=$1 port=$2
  local t0; t0=$(date +%s.%N)
  kill -TERM "$pid"
  local rc=0; wait "$pid" || rc=$?
  echo "replica :$port exited $rc after $(echo "$(date +%s.%N) - $t0" | bc)s" >&2
  [ "$rc" = 0 ] || echo "EXIT-NONZERO" >>"$WORK/failures"
  start_replica "$port"
}
sleep 3
restart "$A" $PA
sleep 4
restart "$B" $PB
wait $WRK || true
cat "$WORK/wrk.txt" | grep -E "RESULT|Requests/sec|Non-2xx|Socket errors" >&2
line=$(grep '^RESULT' "$WORK/wrk.txt")
kv() { echo "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1==k{print $2}'; }
bad=$(( $(kv err_connect) + $(kv err_read) + $(kv err_write) + $(kv err_status) + $(kv err_timeout) ))
echo "mode=$MODE requests=$(kv requests) failed=$bad exits_nonzero=$( [ -f "$WORK/failures" ] && wc -l <"$WORK/failures" || echo 0)"
if [ "$bad" = 0 ] && [ ! -f "$WORK/failures" ]; then
  rm -rf "$WORK"
else
  echo "logs kept in $WORK" >&2
  exit 1
fi
