#!/usr/bin/env bash
# The hot path of one worker process against one mosquitto (issue 14):
# memory per session, CPU per mutual-TLS connect, CPU per message, delivery
# latency. Starts mosquitto (from `mqherd broker-config`) and one
# `mqherd run --workers 1` on loopback, samples both processes' own CPU
# (utime+stime of /proc/PID/stat) and VmRSS (/proc/PID/status) every
# second, and prints the columns of the issue's table.
#
#   MODE=idle  the study's fleet at its average rate (nearly idle), 2 min
#              after the ramp: RSS per agent at the end of the ramp and at
#              the end; CPU per connect over the ramp.
#   MODE=busy  the study's busy hour, speedup 26.3 (6,000 msg/s at 19,000
#              agents), 30 simulated minutes: CPU per message sent or
#              received, job_delivery percentiles, late dispatches, lost.
#
# Environment: AGENTS (default 19000), MODE (idle|busy, default idle),
# OUT (default bin/hotpath), MQHERD (the binary; default: bin/mqherd, built
# by make), LABEL (names the run's output directory), PROFILE=1 (CPU profile of the run and a heap
# profile 30 s after the ramp, in the run's output directory), EXTRA (more
# flags for mqherd run). Wrap measuring runs in
# `flock /tmp/mqherd-heavy.lock infra/bench/hotpath.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. infra/shell/processes.sh # stop_pid, free_port, wait_port
AGENTS=${AGENTS:-19000}
MODE=${MODE:-idle}
OUT=${OUT:-bin/hotpath}
MQHERD=${MQHERD:-}
PKI=$OUT/pki
PIDS=()
WORK=$(mktemp -d /tmp/mqherd-hotpath.XXXXXX)

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# sample prints "unix_seconds cpu_ticks rss_kib" of PID $1.
sample() {
	local stat rss
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "$(date +%s.%N) - -"; return; }
	stat=${stat##*) } # fields after the command name; utime, stime are 12th, 13th here
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -)
	set -- $stat
	echo "$(date +%s.%N) $(( ${12} + ${13} )) $rss"
}

if [ -z "$MQHERD" ]; then
	make -s build
	MQHERD=bin/mqherd
fi
mkdir -p "$OUT"
[ -f "$PKI/ca.pem" ] || "$MQHERD" certs --out "$PKI" --agents 1 > /dev/null
port=$(free_port)
"$MQHERD" broker-config mosquitto --pki "$PKI" --out "$WORK/mosquitto" --listen "127.0.0.1:$port" --run-as "$(id -un)" > /dev/null
"$WORK/mosquitto/start.sh" > "$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 120); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.5)" 2>/dev/null && break
	sleep 0.25
done
# start.sh may exec mosquitto or run it as a child: sample the mosquitto process.
bpid=$(pgrep -P "${PIDS[0]}" -x mosquitto || echo "${PIDS[0]}")
[ "$(cat /proc/$bpid/comm)" = mosquitto ] || { echo "mosquitto not found under PID ${PIDS[0]}"; exit 1; }

case $MODE in
idle) args=(--scenario infra/bench/hotpath-idle.yaml) ;;
busy) args=(--scenario print-fleet-study --speedup 26.3 --duration 30m) ;;
*) echo "MODE must be idle or busy"; exit 2 ;;
esac
runs=$OUT/runs-$MODE-$AGENTS${LABEL:+-$LABEL}
mkdir -p "$runs"
prof=()
if [ "${PROFILE:-}" = 1 ]; then
	prof=(--cpuprofile "$runs/cpu.pprof" --heapprofile "$runs/heap.pprof" --heapprofile-at "$(( AGENTS / 500 + 45 ))s")
fi
# shellcheck disable=SC2086 # EXTRA is a list of flags
"$MQHERD" run "${args[@]}" --agents "$AGENTS" --workers 1 --no-tui --target "mosquitto://127.0.0.1:$port" \
	--pki "$PKI" --out "$runs" --source-ips 127.0.1.1-127.0.1.4 "${prof[@]}" ${EXTRA:-} > "$WORK/run.out" 2>&1 &
run=$!
PIDS+=("$run")
samples=$runs/samples-$(date +%s).txt
echo "# time harness_ticks harness_rss_kib broker_ticks broker_rss_kib" > "$samples"
for i in $(seq 1 1800); do # at most 30 min
	kill -0 "$run" 2>/dev/null || break
	echo "$(sample "$run") $(sample "$bpid" | cut -d' ' -f2-)" >> "$samples"
	sleep 1
done
wait "$run" || { tail -30 "$WORK/run.out"; echo "FAIL: mqherd run"; exit 1; }
tail -n 25 "$WORK/run.out" > "$runs/run-tail.txt"
uptime
python3 infra/bench/hotpath.py "$MODE" "$samples" "$(ls -td "$runs"/*/ | head -1)" "$(getconf CLK_TCK)"
