#!/usr/bin/env bash
# Running cost of the idle dashboard (issue 13), side by side with a bare
# Bubble Tea program (bench/bare: default 60 fps, a clock that changes once
# a second), both in tmux at the same time so that they share the machine's
# noise. For each size it prints CPU % of one core, bytes/s written to the
# terminal, peak RSS, the frames drawn (views that differed from the previous
# one) and the ratio dashboard/bare.
#
#   bench/idle.sh                      # 60 s at 300×80 and 160×45, --demo
#   bench/idle.sh 30                   # 30 s
#   SIZES="300x80" WARMUP=10 bench/idle.sh
#   DORADASH_ARGS="--config my.toml" bench/idle.sh   # file sources instead
#   DORADASH_BIN=/path/to/doradash bench/idle.sh     # a prebuilt binary
#
# CPU is user+system time from /proc/PID/stat over the measured seconds
# (after WARMUP seconds), bytes are what the program wrote to its pane
# (tmux pipe-pane), peak RSS is VmHWM at the end in MiB (and doradash's
# resident memory at the end split into file-backed pages, of the binary and
# its libraries, and anonymous memory: heap, stacks, runtime). Views and
# frames are counted over the measured seconds: both programs write their
# counts to the file named by DORADASH_FRAMES on SIGUSR1. doradash is built
# as the README builds a binary to deploy: static, CGO_ENABLED=0 (no libc:
# about 1.5 MiB less resident); CGO_ENABLED=1 bench/idle.sh measures the
# cgo build that a plain `go build` or `go run` makes on a machine with a C
# compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
warmup=${WARMUP:-5}
sizes=${SIZES:-"300x80 160x45"}
args=${DORADASH_ARGS:---demo}
work=$(mktemp -d)
sessions=()
cleanup() {
  for s in "${sessions[@]}"; do tmux kill-session -t "$s" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${DORADASH_BIN:-}" ]; then
  cp "$DORADASH_BIN" "$work/doradash"
else
  CGO_ENABLED=${CGO_ENABLED:-0} go build -o "$work/doradash" ./cmd/doradash
fi
go build -o "$work/bare" ./bench/bare
hz=$(getconf CLK_TCK)

# cputicks PID: user+system clock ticks so far.
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# start NAME W H CMD...: run CMD in a detached tmux session of W×H named
# in $sess.
start() {
  local name=$1 w=$2 h=$3
  shift 3
  sess="idle-$$-$name"
  sessions+=("$sess")
  tmux new-session -d -s "$sess" -x "$w" -y "$h" \
    "exec env DORADASH_FRAMES=$work/$name.frames $*"
}

pidof_session() { tmux list-panes -t "$1" -F '#{pane_pid}'; }

printf 'machine: %s, %s cores; %s s per size after %s s warm-up; doradash %s\n\n' \
  "$(uptime | sed 's/.*load average/load average/')" "$(nproc)" "$secs" "$warmup" "$args"
# frames NAME PID: "views frames" so far (the program writes them on SIGUSR1).
frames() {
  rm -f "$work/$1.frames"
  kill -USR1 "$2"
  for _ in $(seq 50); do
    [ -s "$work/$1.frames" ] && break
    sleep 0.02
  done
  awk '{ print $2, $4 }' "$work/$1.frames" 2>/dev/null || echo "? ?"
}

for size in $sizes; do
  w=${size%x*}
  h=${size#*x}
  start "dash-$size" "$w" "$h" "$work/doradash" "$args"
  d=$sess
  start "bare-$size" "$w" "$h" "$work/bare"
  b=$sess
  sleep "$warmup"
  dp=$(pidof_session "$d")
  bp=$(pidof_session "$b")
  tmux pipe-pane -t "$d" -o "cat > $work/dash-$size.out"
  tmux pipe-pane -t "$b" -o "cat > $work/bare-$size.out"
  df0=$(frames "dash-$size" "$dp")
  bf0=$(frames "bare-$size" "$bp")
  d0=$(cputicks "$dp")
  b0=$(cputicks "$bp")
  sleep "$secs"
  d1=$(cputicks "$dp")
  b1=$(cputicks "$bp")
  df1=$(frames "dash-$size" "$dp")
  bf1=$(frames "bare-$size" "$bp")
  tmux pipe-pane -t "$d"
  tmux pipe-pane -t "$b"
  drss=$(awk '/VmHWM/ { print $2 }' "/proc/$dp/status")
  brss=$(awk '/VmHWM/ { print $2 }' "/proc/$bp/status")
  dfile=$(awk '/RssFile/ { print $2 }' "/proc/$dp/status")
  danon=$(awk '/RssAnon/ { print $2 }' "/proc/$dp/status")
  tmux send-keys -t "$d" q
  tmux send-keys -t "$b" q
  dbytes=$(stat -c %s "$work/dash-$size.out")
  bbytes=$(stat -c %s "$work/bare-$size.out")
  awk -v size="$size" -v secs="$secs" -v hz="$hz" \
    -v dt=$((d1 - d0)) -v bt=$((b1 - b0)) -v db="$dbytes" -v bb="$bbytes" \
    -v dr="$drss" -v br="$brss" -v dfile="$dfile" -v danon="$danon" -v df0="$df0" -v df1="$df1" -v bf0="$bf0" -v bf1="$bf1" 'BEGIN {
      dc = 100 * dt / hz / secs; bc = 100 * bt / hz / secs
      split(df0, a0, " "); split(df1, a1, " "); split(bf0, c0, " "); split(bf1, c1, " ")
      printf "%s  %-9s CPU %5.2f%%  %7.1f B/s  peak RSS %5.1f MiB  %5d views %5d frames\n", size, "doradash", dc, db / secs, dr / 1024, a1[1] - a0[1], a1[2] - a0[2]
      printf "%s  %-9s CPU %5.2f%%  %7.1f B/s  peak RSS %5.1f MiB  %5d views %5d frames\n", size, "bare", bc, bb / secs, br / 1024, c1[1] - c0[1], c1[2] - c0[2]
      if (bc > 0) r = sprintf("%.2f", dc / bc); else r = "n/a"
      if (bb > 0) rb = sprintf("%.2f", db / bb); else rb = "n/a"
      printf "%s  doradash  resident at the end: %.1f MiB file-backed, %.1f MiB anonymous\n", size, dfile / 1024, danon / 1024
      printf "%s  ratio doradash/bare: CPU %s×, bytes %s×\n", size, r, rb
    }'
done
