#!/usr/bin/env bash
# make test-brokers: mqherd against real brokers on loopback, configured by
# `mqherd broker-config` from one PKI. For each of mosquitto and ejabberd:
# start it in the foreground as our child on a free 127.0.0.1 port, check
# that an agent may publish to its own status topic and is refused on
# another agent's, run the print-fleet scenario, assert every agent
# connected, every job completed and zero errors, record the broker's RSS,
# stop it by PID. Then the embedded broker, and `mqherd compare` over the
# three runs when that command exists. Brokers are stopped by PID on exit,
# also when a step fails. Traffic stays on 127.0.0.1.
#
# Environment: AGENTS (default 300), DURATION (simulated, default 1h: one
# minute of wall clock at the scenario's speedup of 60), BROKERS (default
# "mosquitto ejabberd"), OUT (default bin/broker-runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
. infra/shell/processes.sh # stop_pid, free_port, wait_port
. infra/shell/debian.sh    # apt_install_quietly
AGENTS=${AGENTS:-300}
DURATION=${DURATION:-1h}
BROKERS=${BROKERS:-mosquitto ejabberd}
OUT=${OUT:-bin/broker-runs}
MQHERD=bin/mqherd
PIDS=()
WORK=$(mktemp -d /tmp/mqherd-brokers.XXXXXX)

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# install_if_absent installs the brokers and mosquitto's clients from Debian
# (apt_install_quietly: their services not started).
install_if_absent() {
	local need=()
	command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
	command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
	dpkg -s ejabberd >/dev/null 2>&1 || need+=(ejabberd)
	apt_install_quietly "${need[@]}"
}

# puback_code publishes one QoS 1 message as identity $2 to topic $3 and
# prints the PUBACK reason code (or "none").
puback_code() {
	local port=$1 id=$2 topic=$3 dir=$PKI/agents
	case $id in service-*) dir=$PKI/services ;; esac
	timeout 10 mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$port" --cafile "$PKI/ca.pem" \
		--cert "$dir/$id.pem" --key "$dir/$id.key" -i "$id" -t "$topic" -q 1 -m probe -d 2>&1 |
		sed -n 's/.*received PUBACK.*RC:\([0-9]*\).*/\1/p' | head -1 | grep . || echo none
}

# check_refusal asserts that agent-000001 may publish to its own status and
# is refused on agent-000002's.
check_refusal() {
	local broker=$1 port=$2 own cross
	own=$(puback_code "$port" agent-000001 agents/agent-000001/status)
	cross=$(puback_code "$port" agent-000001 agents/agent-000002/status)
	echo "$broker: own status topic -> PUBACK $own; another agent's -> PUBACK $cross"
	[ "$own" != none ] && [ "$own" -lt 128 ] || { echo "FAIL: $broker refused an agent its own topic"; return 1; }
	[ "$cross" != none ] && [ "$cross" -ge 128 ] || { echo "FAIL: $broker accepted a cross-agent publish"; return 1; }
}

# check_run asserts the acceptance of a broker run from its summary.json.
check_run() {
	python3 - "$1" <<'PY'
import glob, json, sys
path = sorted(glob.glob(sys.argv[1] + "/*/summary.json"))[-1]
s = json.load(open(path))
bad = []
if s["agents_connected_peak"] != s["agents"]:
    bad.append(f'{s["agents_connected_peak"]} of {s["agents"]} agents connected')
if not (s["jobs_completed"] == s["jobs_dispatched"] > 0):
    bad.append(f'{s["jobs_completed"]} of {s["jobs_dispatched"]} jobs completed')
if s["errors"] != 0:
    bad.append(f'errors {s["errors_by_kind"]}')
ramp = {}
for line in open(path.replace("summary.json", "events.jsonl")):
    e = json.loads(line)
    if e.get("kind") == "ramp_complete" or (e.get("kind") == "phase" and e.get("detail") == "ramp"):
        ramp.setdefault(e["kind"], e["time"])
rate = ""
if len(ramp) == 2:
    from datetime import datetime
    t = lambda v: datetime.fromisoformat(v[:26].rstrip("Z"))
    secs = (t(ramp["ramp_complete"]) - t(ramp["phase"])).total_seconds()
    rate = f', ramp {secs:.2f} s ({s["agents"] / secs:.0f} connects/s)'
print(f'{s["target"]}: {s["agents_connected_peak"]}/{s["agents"]} agents, {s["jobs_completed"]}/{s["jobs_dispatched"]} jobs, {s["errors"]} errors{rate}')
if bad:
    print("FAIL: " + "; ".join(bad))
    sys.exit(1)
PY
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# run_against runs the scenario against target $2, writing under $OUT/$1,
# and samples the RSS of broker PID $3 (if any) once a second.
run_against() {
	local name=$1 target=$2 bpid=${3:-} before=0 peak=0 rss run
	[ -n "$bpid" ] && before=$(rss_kib "$bpid") && peak=$before
	"$MQHERD" run --scenario print-fleet --agents "$AGENTS" --duration "$DURATION" --no-tui \
		--target "$target" --pki "$PKI" --out "$OUT/$name" > "$WORK/$name.out" 2>&1 &
	run=$!
	PIDS+=("$run")
	while kill -0 "$run" 2>/dev/null; do
		if [ -n "$bpid" ]; then rss=$(rss_kib "$bpid"); [ "$rss" -gt "$peak" ] && peak=$rss; fi
		sleep 1
	done
	wait "$run" || { tail -30 "$WORK/$name.out"; echo "FAIL: mqherd run against $name"; return 1; }
	sed -n '/^run  /,$p' "$WORK/$name.out"
	if [ -n "$bpid" ]; then
		echo "$name: broker RSS before ${before} KiB, peak ${peak} KiB, $(( (peak - before) / AGENTS )) KiB per agent" | tee "$OUT/$name/broker-rss.txt"
	fi
	check_run "$OUT/$name"
}

# test_broker configures, starts, probes, runs and stops one broker. It is
# called in a || list, where bash ignores set -e: every step returns itself.
test_broker() {
	local broker=$1 port dir pid ok=0
	port=$(free_port) || return 1
	dir=$WORK/$broker
	"$MQHERD" broker-config "$broker" --pki "$PKI" --out "$dir" --listen "127.0.0.1:$port" --run-as "$(id -un)" || return 1
	"$dir/start.sh" > "$WORK/$broker.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	echo "== $broker: pid $pid on 127.0.0.1:$port"
	if wait_port "$pid" "$port" && check_refusal "$broker" "$port" && run_against "$broker" "$broker://127.0.0.1:$port" "$pid"; then
		ok=1
	else
		tail -20 "$WORK/$broker.log"
	fi
	stop_pid "$pid"
	echo "== $broker: stopped"
	[ "$ok" = 1 ]
}

install_if_absent
make -s build
rm -rf "$OUT" && mkdir -p "$OUT"
PKI=$WORK/pki
"$MQHERD" certs --out "$PKI" --agents 3 > /dev/null
failed=()
for b in $BROKERS; do test_broker "$b" || failed+=("$b"); done
echo "== embedded"
run_against embedded embedded || failed+=(embedded)
if "$MQHERD" compare --help > /dev/null 2>&1; then
	echo "== mqherd compare"
	runs=()
	for b in embedded $BROKERS; do runs+=("$OUT/$b"/*/); done
	"$MQHERD" compare "${runs[@]}" --out "$OUT/compare" || failed+=(compare)
else
	echo "== mqherd compare not available in this build: skipped"
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "test-brokers: FAILED: ${failed[*]}"
	exit 1
fi
echo "test-brokers: ok"
