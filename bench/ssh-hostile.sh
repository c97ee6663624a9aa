#!/usr/bin/env bash
# Hostile-load check of `doradash serve` (issue 8): the attacks of an
# authorised user gone bad and of an unauthenticated flood, all at once, for
# DURATION, while a real user logs in every 2 s and opens the dashboard.
# The server runs with 256 file descriptors (ulimit -n), as in the issue, on
# a file source that is touched every second, so that it re-reads the file:
# its log must show no "too many open files".
#
#   bench/ssh-hostile.sh                  # 30 s, 1 goroutine per attack
#   WORKERS=2 DURATION=60s bench/ssh-hostile.sh
#
# Reports the server's CPU seconds per second and RSS under attack, and the
# real user's login and first-frame times alone and under attack; fails if
# a real login fails or takes over a second. The attacks are listed in
# bench/sshload/hostile.go. Needs Linux (/proc, 127.0.0.0/8 on lo) and Go;
# everything stays on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-30s}
workers=${WORKERS:-1}
nofile=${NOFILE:-256}

work=$(mktemp -d)
server_pid=
toucher=
cleanup() {
  [[ -n $toucher ]] && kill "$toucher" 2>/dev/null || true
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/doradash" ./cmd/doradash
go build -o "$work/sshload" ./bench/sshload
go run ./bench/gen -deployments 2000 -incidents 200 -o "$work/events.ndjson" >/dev/null
"$work/sshload" -genkey "$work/client_key"

cat > "$work/doradash.toml" <<TOML
[[source]]
name = "events"
type = "file"
path = "events.ndjson"
interval = "1s"

[ssh]
listen = "127.0.0.1:0"
host_key = "host_ed25519"
authorized_keys = "client_key.pub"
TOML

(ulimit -n "$nofile"; exec "$work/doradash" serve --config "$work/doradash.toml") 2> "$work/server.log" &
server_pid=$!

addr=
for _ in $(seq 300); do
  addr=$(sed -n 's/.*msg="serving the dashboard over SSH" addr=\([^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
  [[ -n $addr ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $addr ]] || { echo "ssh-hostile: server did not start listening" >&2; cat "$work/server.log" >&2; exit 1; }

(while sleep 1; do touch "$work/events.ndjson"; done) &
toucher=$!

echo "doradash serve on $addr (pid $server_pid, ulimit -n $nofile), $(nproc) CPUs, $(go version | cut -d' ' -f3)"
grep -o 'max_connections=[0-9]* max_handshakes=[0-9]*' "$work/server.log" | head -n 1
status=0
"$work/sshload" -hostile "$duration" -workers "$workers" -addr "$addr" -key "$work/client_key" \
  -pid "$server_pid" -clk-tck "$(getconf CLK_TCK)" || status=$?

emfile=$(grep -c 'too many open files' "$work/server.log" || true)
echo "server log: $(wc -l < "$work/server.log") lines, 'too many open files' $emfile times"
grep -o 'msg="[^"]*"' "$work/server.log" | sort | uniq -c | sort -rn | head -n 12
kill -TERM "$server_pid"
wait "$server_pid" || status=$?
server_pid=
[[ $status -eq 0 && $emfile -eq 0 ]]
