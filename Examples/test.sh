#!/usr/bin/env bash
# Builds the example and calls it end to end, as a user would: readiness, auth, calls, a cancelled long call,
# the blocking method, and SIGTERM. Exits non-zero on the first surprise.
set -euo pipefail
cd "$(dirname "$0")"
# The README's program is this package's hello-server, character for character.
awk '/^```swift file=Examples\/Sources\/HelloServer\/HelloServer.swift/{on=1;next} /^```/{on=0} on' ../README.md \
  | diff - Sources/HelloServer/HelloServer.swift >/dev/null || { echo "FAIL README program differs from HelloServer.swift"; exit 1; }
swift build
BIN="$(swift build --show-bin-path)/todo-server"
OUT=$(mktemp); ERR=$(mktemp)
"$BIN" serve --port 0 --log-level warning >"$OUT" 2>"$ERR" &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$OUT" "$ERR"' EXIT
for _ in $(seq 1 200); do grep -q listening "$OUT" && break; sleep 0.05; done
PORT=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$OUT" | head -1)
URL="http://127.0.0.1:$PORT"
fail() { echo "FAIL $1"; cat "$ERR"; exit 1; }
"$BIN" ready --url "$URL" >/dev/null || fail "ready"
curl -s "$URL/readyz?verbose" | grep -q '\[+\]todo-store ok' || fail "readiness check listed"
# No token: refused before the params are even looked at.
code=0; "$BIN" call --url "$URL/rpc" todo.add '{"oops":1}' 2>/dev/null || code=$?
[ "$code" = 1 ] || fail "unauthorized call exits 1 (got $code)"
H=(--header "Authorization: Bearer secret")
[ "$("$BIN" call --url "$URL/rpc" "${H[@]}" todo.add '{"title":"write docs"}')" = '{"id":1,"title":"write docs","done":false}' ] || fail "add"
[ "$("$BIN" call --url "$URL/rpc" "${H[@]}" todo.complete '{"id":1}')" = '{"id":1,"title":"write docs","done":true}' ] || fail "complete"
err=$("$BIN" call --url "$URL/rpc" "${H[@]}" todo.complete '{"id":9}' 2>&1 >/dev/null || true)
echo "$err" | grep -q -- '-32040' || fail "own error code: $err"
# A long call cut by its deadline: -32001, and the handler was cancelled.
err=$("$BIN" call --url "$URL/rpc" "${H[@]}" --timeout 200ms --attempts 1 todo.export '{"ms":5000}' 2>&1 >/dev/null || true)
echo "$err" | grep -q -- '-32001' || fail "deadline: $err"
[ "$("$BIN" call --url "$URL/rpc" "${H[@]}" todo.save)" -gt 0 ] || fail "blocking save"
grep -q "write docs" /tmp/todo-example.tsv || fail "saved file"
kill -TERM $PID
wait $PID || fail "exit status after SIGTERM"
# The README's program, called as the README says.
HELLO="$(swift build --show-bin-path)/hello-server"
"$HELLO" serve --port 0 --log-level warning >"$OUT" 2>"$ERR" &
PID=$!
for _ in $(seq 1 200); do grep -q listening "$OUT" && break; sleep 0.05; done
PORT=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$OUT" | head -1)
r=$(curl -s -H 'content-type: application/json' -H 'x-api-key: k1' \
  -d '{"jsonrpc":"2.0","method":"hello.greet","params":{"name":"Ada"},"id":1}' "127.0.0.1:$PORT/rpc")
[ "$r" = '{"jsonrpc":"2.0","result":"Hello, Ada (visitor 1)","id":1}' ] || fail "hello.greet: $r"
r=$(curl -s -H 'content-type: application/json' -H 'x-api-key: k1' \
  -d '{"jsonrpc":"2.0","method":"hello.checksum","params":["ab"],"id":2}' "127.0.0.1:$PORT/rpc")
[ "$r" = '{"jsonrpc":"2.0","result":195,"id":2}' ] || fail "hello.checksum: $r"
kill -TERM $PID
wait $PID || fail "hello-server exit status after SIGTERM"
echo "example: 11 passed, 0 failed"
