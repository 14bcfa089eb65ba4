#!/usr/bin/env bash
# Instructions per request of verify and redeem (SQLite), counted by callgrind: repeatable on a
# noisy machine, where seconds are not. The server runs under valgrind and carepass-bench drives
# it with 2 clients (verify, then redeem); callgrind dumps its counts every 5 s, and each dump
# that holds only verifies or only redeems is divided by the requests it holds (one signature
# check each). Prints one line per operation.
#
#   bench/callgrind.sh            # ≈ 2 min
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p carepass -p carepass-bench
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cat > "$out/carepass" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$out/cg.%p --dump-instr=no $PWD/target/release/carepass "\$@"
WRAP
chmod +x "$out/carepass"
(
  for _ in $(seq 1 600); do
    pid="$(pgrep -f "callgrind.*$out" | head -1 || true)"
    [ -n "$pid" ] && break
    sleep 0.5
  done
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    callgrind_control -d "$pid" >/dev/null 2>&1 || true
  done
) &
target/release/carepass-bench --engines sqlite --clients 2 --seconds 40 --warmup 5 --vouchers 20000 \
  --binary "$out/carepass" >/dev/null 2>&1
wait
python3 - "$out"/cg.*.* <<'PY'
import re, sys
def read(path):
    names, calls, total, cur = {}, {}, 0, None
    for line in open(path, errors="replace"):
        if line.startswith("summary:"):
            total = int(line.split()[1])
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            cur = names.get(m.group(1), "") if line.startswith("cfn=") else None
        elif line.startswith("calls=") and cur is not None:
            calls[cur] = calls.get(cur, 0) + int(line.split("=")[1].split()[0])
            cur = None
    count = lambda needle: sum(n for f, n in calls.items() if needle in f)
    return total, count("KeyRing::verify"), count("allowances::ledger::capture"), count("vouchers::verify::verify")
sums = {"verify": [0, 0, 0], "redeem": [0, 0, 0]}
for path in sys.argv[1:]:
    total, requests, captures, verifies = read(path)
    if requests == 0:
        continue
    kind = "verify" if captures == 0 else "redeem" if verifies == 0 else None
    if kind:
        s = sums[kind]
        s[0] += total; s[1] += requests; s[2] += 1
for kind, (total, requests, dumps) in sums.items():
    if requests:
        print(f"{kind}: {total // requests:,} instructions per request ({requests} requests in {dumps} dumps)")
PY
