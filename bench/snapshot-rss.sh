#!/usr/bin/env bash
# Peak memory and wall time of `doradash snapshot` on the benchmark data set
# of the core issue: 1,000,000 deployments (1–5 commits, 40 services) and
# 100,000 incidents in one native JSON document of about 350 MB.
#
#   bench/snapshot-rss.sh            # default size
#   DEPLOYMENTS=100000 INCIDENTS=10000 bench/snapshot-rss.sh
#
# Target: peak RSS under 1 GB (the decoder streams the file; the model keeps
# compact records).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deployments=${DEPLOYMENTS:-1000000}
incidents=${INCIDENTS:-100000}

go build -o "$work/doradash" ./cmd/doradash
go run ./bench/gen -deployments "$deployments" -incidents "$incidents" -end 2026-06-01T00:00:00Z -o "$work/big.json"
printf 'window = "30d"\n[[source]]\nname = "big"\ntype = "file"\npath = "big.json"\n' > "$work/doradash.toml"
echo "document: $(du -h "$work/big.json" | cut -f1) ($deployments deployments, $incidents incidents)"

for window in 30d 366d; do
  /usr/bin/time -v "$work/doradash" snapshot --format json --config "$work/doradash.toml" \
    --now 2026-06-01T00:00:00Z --window "$window" > "$work/out.json" 2> "$work/time.txt" || true
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
  count=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["deployment_frequency"]["count"])' "$work/out.json")
  printf 'window %-4s  peak RSS %6.0f MB  wall %s  (deployments in window: %s)\n' "$window" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$wall" "$count"
done
