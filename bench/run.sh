#!/usr/bin/env bash
# Measures the machine's floor (dblimit) and the service (carepass-bench) in one run, so that
# the two can be compared as a ratio. Prints Markdown tables; BENCHMARKS.md holds the figures.
#
#   bench/run.sh                 # full: 10 s runs
#   SECONDS_PER_RUN=3 bench/run.sh   # a quicker look
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_SECONDS="${SECONDS_PER_RUN:-10}"
DBLIMIT_DIR="${DBLIMIT_DIR:-../shared/tools/dblimit}"
DBLIMIT_TARGET="${DBLIMIT_TARGET:-${XDG_CACHE_HOME:-$HOME/.cache}/carepass/dblimit-target}"
export RUST_BACKTRACE=0

cargo build --release -q -p carepass -p carepass-bench
(cd "$DBLIMIT_DIR" && ./setup_pg.sh >/dev/null && CARGO_TARGET_DIR="$DBLIMIT_TARGET" cargo build --release -q)

echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores"
echo
echo "### Floor: dblimit (raw redemption transaction, no HTTP)"
echo
"$DBLIMIT_TARGET/release/dblimit" --engines sqlite,pg --sqlite-sync full,normal --pg-sync-commit on \
  --concurrency 1,16,64 --duration "$RUN_SECONDS" --warmup 1 --repeat 1
echo
echo "### Service: carepass-bench (HTTP verify and redeem, separate client process)"
echo
target/release/carepass-bench --engines sqlite,postgres --sqlite-sync full --seconds "$RUN_SECONDS" --warmup 2
target/release/carepass-bench --engines sqlite --sqlite-sync normal --seconds "$RUN_SECONDS" --warmup 2 | tail -n +3
# Group commit's own effect: the same service with every write committed alone.
target/release/carepass-bench --engines sqlite --clients 64 --write-batch 1 --vouchers 40000 --seconds "$RUN_SECONDS" --warmup 2 | tail -n +4
# The PostgreSQL pool, sized by measurement: the shipped 8 beside 4 and 16.
for pool in 4 16; do
  target/release/carepass-bench --engines postgres --clients 64 --pg-pool "$pool" --vouchers 40000 --seconds "$RUN_SECONDS" --warmup 2 | tail -n +4
done
echo
echo "### Service with a million more (used) vouchers stored"
echo
target/release/carepass-bench --engines sqlite,postgres --clients 64 --stored 1000000 --seconds "$RUN_SECONDS" --warmup 2
