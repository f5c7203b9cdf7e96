#!/usr/bin/env bash
# Makes reports/testdata/run: a real run directory for the report golden
# tests. 300 agents on three worker processes against `mqherd broker` on
# loopback; at ~8 s into the run one worker is killed (worker_lost,
# reassigned), at ~16 s the broker is restarted (a disconnect burst and
# reconnects). Run from the repository root: bash reports/testdata/make-fixture.sh
# reports/testdata/run-aws-synthetic/aws-metrics.json is written by hand from
# this run's counts (its README.md says how): rewrite it when this script
# regenerates the run.
set -euo pipefail
BIN=${BIN:-bin/mqherd}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
"$BIN" keygen --out "$work/key" >/dev/null
"$BIN" broker --pki "$work/pki" --listen "127.0.0.1:$port" >"$work/broker.log" 2>&1 & broker=$!; pids+=($broker)
sleep 1
"$BIN" coordinator --cluster-key-file "$work/key" --listen "127.0.0.1:$((port+1))" --workers 3 \
  --agents 300 --duration 20m --target "127.0.0.1:$port" --pki "$work/pki" --out "$work/runs" \
  --loss-grace 2s --no-tui >"$work/coordinator.log" 2>&1 & coord=$!; pids+=($coord)
for i in 0 1 2; do
  "$BIN" worker --cluster-key-file "$work/key" --join "127.0.0.1:$((port+1))" --name "w$i" \
    --out "$work/runs" >"$work/w$i.log" 2>&1 & pids+=($!)
done
victim=${pids[-1]}
for _ in $(seq 1 60); do grep -q ' run ' "$work/coordinator.log" 2>/dev/null && break; sleep 0.5; done
sleep 8; kill -9 "$victim"
sleep 8; kill "$broker"; wait "$broker" 2>/dev/null || true
"$BIN" broker --pki "$work/pki" --listen "127.0.0.1:$port" >>"$work/broker.log" 2>&1 & pids+=($!)
wait "$coord" || true
run=$(ls -d "$work"/runs/*/ | head -1)
rm -rf reports/testdata/run && cp -r "$run" reports/testdata/run
echo "fixture: reports/testdata/run from $run"
