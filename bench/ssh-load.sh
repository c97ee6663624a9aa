#!/usr/bin/env bash
# Load check of `doradash serve`: 50 concurrent PTY sessions of the real
# dashboard on demo data, 160x45 (the wall layout), held open for 60 s.
# Reports the server's resident memory (VmRSS) idle, with the sessions and
# after they closed, RSS per session, and its CPU time per second of wall
# time (utime+stime from /proc/PID/stat) idle and over the 60 s window.
#
#   bench/ssh-load.sh                         # 50 sessions, 60 s
#   SESSIONS=20 HOLD=20s bench/ssh-load.sh
#
# Needs Linux (/proc) and Go; everything stays on 127.0.0.1. The client is
# bench/sshload. The server runs on the demo source through a configuration
# file rather than --demo, because --demo ignores configuration files and so
# keeps the default max_sessions of 32; the data are the same.
set -euo pipefail
cd "$(dirname "$0")/.."

sessions=${SESSIONS:-50}
hold=${HOLD:-60s}
width=${WIDTH:-160}
height=${HEIGHT:-45}
port=${PORT:-0} # 0: any free port

work=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/doradash" ./cmd/doradash
go build -o "$work/sshload" ./bench/sshload
"$work/sshload" -genkey "$work/client_key"

cat > "$work/doradash.toml" <<EOF
[[source]]
name = "demo"
type = "demo"
interval = "5s"

[ssh]
listen = "127.0.0.1:$port"
host_key = "host_ed25519"
authorized_keys = "client_key.pub"
max_sessions = $((sessions + 10))
EOF

"$work/doradash" serve --config "$work/doradash.toml" 2> "$work/server.log" &
server_pid=$!

# The server logs addr= once it listens; give it 30 s.
addr=
for _ in $(seq 300); do
  addr=$(sed -n 's/.*msg="serving the dashboard over SSH" addr=\([^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
  [[ -n $addr ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $addr ]] || { echo "ssh-load: server did not start listening" >&2; cat "$work/server.log" >&2; exit 1; }

echo "doradash serve on $addr (pid $server_pid), $(nproc) CPUs, $(go version | cut -d' ' -f3)"
"$work/sshload" -addr "$addr" -key "$work/client_key" -pid "$server_pid" \
  -n "$sessions" -w "$width" -h "$height" -hold "$hold" -clk-tck "$(getconf CLK_TCK)"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
refused=$(grep -c 'ssh session refused\|ssh login failed' "$work/server.log" || true)
echo "server exit status after SIGTERM: $status; refused sessions or logins in its log: $refused"
[[ $status -eq 0 && $refused -eq 0 ]]
