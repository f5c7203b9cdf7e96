#!/usr/bin/env bash
# make bench-scale: the harness at scale on this machine, and its peers on
# the same brokers. Starts K mosquitto processes (from `mqherd broker-config`,
# on 127.0.0.1), `mqherd coordinator` and K `mqherd worker` processes, holds
# AGENTS agents over mutual TLS and runs the study's busy hour (RATE msg/s:
# the print-fleet-study scenario at the speedup that gives RATE for AGENTS)
# for DURATION (simulated); then restarts the brokers and runs each peer in
# PEERS over the same brokers with the same agent count and message rate.
# A sampler reads each process's own CPU (utime+stime of /proc/PID/stat),
# VmRSS and open files once a second; infra/bench/scale_table.py prints one
# table from those samples and the tools' results.
#
# Everything started here is stopped by PID on exit, also on failure.
# Traffic stays on 127.0.0.1. Not run by CI: it is a benchmark.
#
# Environment (defaults: the full benchmark):
#   AGENTS=100000  K=6 (brokers and workers; each holds AGENTS/K <= 19,000:
#   the open-files hard limit is 20,000 per process)  RATE=6000 (msg/s)
#   DURATION=1h (simulated; wall = DURATION/speedup)  CONNECT_RATE=500
#   IN_FLIGHT=50  PEERS="mqtt-benchmark tsung"  PEER_GRACE=300  LOSS_GRACE=2m
#   OUT=bin/bench-scale
# A quick check: AGENTS=5000 K=1 DURATION=10m PEERS=mqtt-benchmark
set -euo pipefail
cd "$(dirname "$0")/../.."
. infra/shell/processes.sh # stop_pid, free_port, wait_port
. infra/shell/debian.sh    # apt_install_quietly
AGENTS=${AGENTS:-100000}
K=${K:-6}
RATE=${RATE:-6000}
DURATION=${DURATION:-1h}
CONNECT_RATE=${CONNECT_RATE:-500}
IN_FLIGHT=${IN_FLIGHT:-50}
PEERS=${PEERS:-mqtt-benchmark tsung}
PEER_GRACE=${PEER_GRACE:-300} # s a peer may run past its ramp and busy hour before it is stopped
# Every process is on this machine, so a worker is never really lost: a
# starved one that misses probes for the default 5 s was declared lost at
# 100,000 agents (load average ~17), and the takeovers that followed
# cascaded until every worker was lost (55,981 connections lost).
LOSS_GRACE=${LOSS_GRACE:-2m}
OUT=${OUT:-bin/bench-scale}
MQTT_BENCHMARK_VERSION=v0.2.0 # github.com/krylovsk/mqtt-benchmark, pinned
PER_PROCESS_MAX=19000
MQHERD=bin/mqherd
PEERS_BIN=$PWD/bin/peers
PIDS=()
GROUPS_STARTED=() # process groups we made (setsid): a tsung script and its Erlang VM
WORK=$(mktemp -d /tmp/mqherd-bench-scale.XXXXXX)
chmod 700 "$WORK"

say() { echo "== $(date +%H:%M:%S) $*"; }

cleanup() {
	local pid
	touch "$WORK/stop"
	for pid in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
	for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
	for pid in "${GROUPS_STARTED[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
	rm -rf "$WORK/pki" "$WORK/cluster.key" "$WORK"/mosq*
	echo "bench-scale: work files in $WORK (keys removed)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# started records a child's PID for the sampler (as role) and for cleanup.
started() { PIDS+=("$2"); echo "$1 $2" >> "$WORK/pids"; }

check_input() {
	local per=$(( (AGENTS + K - 1) / K ))
	if [ "$K" -lt 1 ] || [ "$AGENTS" -lt "$K" ]; then echo "bench-scale: AGENTS=$AGENTS K=$K: need 1 <= K <= AGENTS" >&2; exit 2; fi
	if [ "$per" -gt "$PER_PROCESS_MAX" ]; then
		echo "bench-scale: AGENTS=$AGENTS over K=$K is $per per broker and per worker; at most $PER_PROCESS_MAX (the open-files hard limit is $(ulimit -Hn) per process): raise K" >&2
		exit 2
	fi
}

# install_if_absent installs mosquitto and tsung from Debian without starting
# their services (as test-brokers), and the pinned mqtt-benchmark into bin/peers.
install_if_absent() {
	local need=()
	command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
	case " $PEERS " in *" tsung "*) command -v tsung >/dev/null 2>&1 || need+=(tsung) ;; esac
	apt_install_quietly "${need[@]}"
	case " $PEERS " in *" mqtt-benchmark "*) install_mqtt_benchmark ;; esac
}

# install_mqtt_benchmark: `go install` at the pinned version; where the module
# proxy refuses it, MQTT_BENCHMARK_GIT (a git directory of the repository)
# is built at the same tag instead.
install_mqtt_benchmark() {
	local stamp=$PEERS_BIN/mqtt-benchmark.version
	[ -x "$PEERS_BIN/mqtt-benchmark" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$MQTT_BENCHMARK_VERSION" ] && return 0
	mkdir -p "$PEERS_BIN"
	say "installing github.com/krylovsk/mqtt-benchmark@$MQTT_BENCHMARK_VERSION into bin/peers"
	if ! GOBIN=$PEERS_BIN go install "github.com/krylovsk/mqtt-benchmark@$MQTT_BENCHMARK_VERSION"; then
		[ -n "${MQTT_BENCHMARK_GIT:-}" ] || { echo "bench-scale: go install failed; set MQTT_BENCHMARK_GIT to a clone of krylovsk/mqtt-benchmark" >&2; return 1; }
		mkdir -p "$WORK/mqtt-benchmark-src"
		git --git-dir="$MQTT_BENCHMARK_GIT" archive "$MQTT_BENCHMARK_VERSION" | tar -x -C "$WORK/mqtt-benchmark-src"
		(cd "$WORK/mqtt-benchmark-src" && go build -trimpath -o "$PEERS_BIN/mqtt-benchmark" .)
	fi
	echo "$MQTT_BENCHMARK_VERSION" > "$stamp"
}

# start_brokers starts the K configured mosquittos (stopping any of ours first).
start_brokers() {
	local i pid
	for pid in "${BROKER_PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid"; done
	BROKER_PIDS=()
	for i in $(seq 0 $((K - 1))); do
		"$WORK/mosq$i/start.sh" >> "$WORK/mosq$i.log" 2>&1 &
		pid=$!
		started broker "$pid"
		BROKER_PIDS+=("$pid")
		wait_port "$pid" "${PORTS[$i]}" || { tail -5 "$WORK/mosq$i.log"; return 1; }
	done
	say "brokers up: pids ${BROKER_PIDS[*]} on 127.0.0.1 ports ${PORTS[*]}"
}

configure_brokers() {
	local i
	PORTS=()
	for i in $(seq 0 $((K - 1))); do
		PORTS+=("$(free_port)")
		"$MQHERD" broker-config mosquitto --pki "$PKI" --out "$WORK/mosq$i" --listen "127.0.0.1:${PORTS[$i]}" --run-as "$(id -un)" > /dev/null
	done
}

# progress prints the last line of log $2 every 15 s while PID $1 lives,
# for at most $3 seconds; it returns 1 when the time ran out.
progress() {
	local pid=$1 log=$2 limit=$3 t=0
	while kill -0 "$pid" 2>/dev/null; do
		[ "$t" -ge "$limit" ] && { echo "bench-scale: still running after ${limit} s: stopping it"; return 1; }
		sleep 5
		t=$((t + 5))
		[ $((t % 15)) -eq 0 ] && echo "   [${t}s] $(tail -c 2000 "$log" | tr '\r' '\n' | grep -v '^$' | tail -1 | cut -c1-150)"
	done
	return 0
}

# watchdog (for tool $1) stops PIDs $3... by PID (or their process group,
# when they lead one) if they still run after $2 s (a client
# that never connects keeps mqtt-benchmark waiting for ever); it returns at once.
watchdog() {
	local name=$1 limit=$2
	shift 2
	(
		end=$(( $(date +%s) + limit )) # by the clock: on a starved machine a loop of sleep 1 drifts
		while [ "$(date +%s)" -lt "$end" ]; do
			alive=0
			for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
			[ "$alive" = 0 ] && exit 0
			sleep 1
		done
		echo "bench-scale: still running after $limit s: stopping $*"
		echo "$limit" > "$WORK/$name.stopped"
		for p in "$@"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
	) &
	started watchdog "$!"
}

scenario() {
	local ramp=$(( AGENTS / CONNECT_RATE * 2 + 120 ))
	sed -e "s/^name: .*/name: bench-scale/" -e "s/^agents: .*/agents: $AGENTS/" \
		-e "s/^  connect_rate: .*/  connect_rate: $CONNECT_RATE/" \
		-e "s/^  connect_in_flight: .*/  connect_in_flight: $IN_FLIGHT/" \
		-e "s/^  ramp_timeout: .*/  ramp_timeout: ${ramp}s/" \
		scenarios/builtin/print-fleet-study.yaml > "$WORK/scenario.yaml"
}

run_mqherd() {
	local i w cport targets="" pid log=$WORK/coordinator.out rc=0
	WORKER_PIDS=()
	for i in $(seq 0 $((K - 1))); do targets+="${targets:+,}127.0.0.1:${PORTS[$i]}"; done
	cport=$(free_port)
	"$MQHERD" keygen --out "$WORK/cluster.key" > /dev/null
	say "mqherd: coordinator + $K workers, $AGENTS agents, speedup $SPEEDUP ($RATE msg/s), $WALL s of busy hour after the ramp"
	"$MQHERD" coordinator --cluster-key-file "$WORK/cluster.key" --listen "127.0.0.1:$cport" --workers "$K" --wait 2m \
		--target "mosquitto://$targets" --scenario "$WORK/scenario.yaml" --agents "$AGENTS" --duration "$DURATION" \
		--speedup "$SPEEDUP" --services "$SERVICES" --pki "$PKI" --out "$OUT/mqherd" --no-tui \
		--loss-grace "$LOSS_GRACE" > "$log" 2>&1 &
	pid=$!
	started coordinator "$pid"
	wait_port "$pid" "$cport" || { tail -20 "$log"; return 1; }
	for i in $(seq 0 $((K - 1))); do
		"$MQHERD" worker --join "127.0.0.1:$cport" --cluster-key-file "$WORK/cluster.key" --name "w$i" \
			--listen 127.0.0.1:0 --out "$OUT/mqherd-partial" > "$WORK/worker$i.out" 2>&1 &
		started worker "$!"
		WORKER_PIDS+=("$!")
	done
	echo "mqherd $OUT/mqherd" >> "$WORK/tools.tsv"
	progress "$pid" "$log" $(( AGENTS / CONNECT_RATE * 3 + WALL + 600 )) || rc=1
	wait "$pid" || rc=$?
	# workers exit by themselves once the run is over; one that waits for a
	# lost coordinator is stopped after 90 s (it must not run beside the peers)
	for w in "${WORKER_PIDS[@]}"; do
		for _ in $(seq 1 90); do kill -0 "$w" 2>/dev/null || break; sleep 1; done
		stop_pid "$w"
	done
	sed -n '/^run  /,$p' "$log"
	[ "$rc" = 0 ] || { tail -30 "$log"; echo "bench-scale: mqherd coordinator exit $rc"; }
	return "$rc"
}

# run_mqtt_benchmark: K processes (the same open-files limit), each
# AGENTS/K clients on its own broker, one shared client certificate
# (agent-000000's), publishing to that agent's status topic at RATE in all.
run_mqtt_benchmark() {
	local i n per interval count ramp start pids=() ok=1 rc
	per=$(( (AGENTS + K - 1) / K ))
	interval=$(python3 -c "print(max(1, round($AGENTS / $RATE)))")
	ramp=$(( AGENTS / CONNECT_RATE ))
	count=$(( WALL / interval > 0 ? WALL / interval : 1 ))
	say "mqtt-benchmark $MQTT_BENCHMARK_VERSION: $K processes x $per clients, one message per client every $interval s, $count each, ramp ${ramp} s"
	start=$(date +%s.%N)
	for i in $(seq 0 $((K - 1))); do
		n=$(( i < K - 1 ? per : AGENTS - per * (K - 1) ))
		"$PEERS_BIN/mqtt-benchmark" --broker "ssl://127.0.0.1:${PORTS[$i]}" \
			--client-cert "$PKI/agents/agent-000000.pem" --client-key "$PKI/agents/agent-000000.key" \
			--broker-ca-cert "$PKI/ca.pem" --topic agents/agent-000000/status --qos 1 --size 256 \
			--clients "$n" --count "$count" --message-interval "$interval" --ramp-up-time "$ramp" \
			--client-prefix "mb$i" --quiet --format json > "$WORK/mb$i.json" 2> "$WORK/mb$i.err" &
		pids+=("$!")
		started mqtt-benchmark "$!"
	done
	watchdog mqtt-benchmark $(( ramp + WALL + PEER_GRACE )) "${pids[@]}"
	for i in "${!pids[@]}"; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		[ "$rc" = 0 ] || { ok=0; echo "mqtt-benchmark $i: exit $rc ($(tail -1 "$WORK/mb$i.err"))"; }
	done
	python3 - "$WORK" "$start" "$(date +%s.%N)" "$AGENTS" "$K" "$MQTT_BENCHMARK_VERSION" > "$WORK/mqtt-benchmark.json" <<'PY'
import json, sys
import os
def stopped_note(work, tool):
    try:
        limit = open(f"{work}/{tool}.stopped").read().strip()
    except OSError:
        return ""
    return (f"; NOT FINISHED: stopped by the script's time bound after {limit} s, so its own "
            f"results (messages, latency) are missing or partial")
work, start, end, agents, k, ver = sys.argv[1:]
succ = fail = 0
means = []
for i in range(int(k)):
    try:
        t = json.load(open(f"{work}/mb{i}.json"))["totals"]
    except (OSError, ValueError, KeyError):
        continue
    succ += t["successes"]; fail += t["failures"]; means.append(t["msg_time_mean_avg"])
note = (f"MQTT 3.1.1 (paho.mqtt.golang), clean sessions, one client certificate shared by every client "
        f"(agent-000000's), publish only (no subscriber, no job/completion): latency is publish to PUBACK, "
        f"mean {sum(means)/max(1,len(means)):.2f} ms, no percentiles; {fail:,} publishes failed; "
        f"RSS idle n/a: its clients publish as soon as they connect"
        + stopped_note(work, "mqtt-benchmark"))
print(json.dumps({"tool": "mqtt-benchmark", "label": f"mqtt-benchmark {ver}", "agents": int(agents),
                  "start": float(start), "end": float(end), "messages": succ, "failures": fail, "note": note}))
PY
	echo "mqtt-benchmark $WORK/mqtt-benchmark.json" >> "$WORK/tools.tsv"
	[ "$ok" = 1 ]
}

# tsung_config writes the configuration of tsung instance $1: $2 users
# (agents first..first+n-1, from a file of their IDs), each with its own
# client certificate, arriving at $3/s on broker port $4; each connects,
# then publishes count ($5) QoS 1 messages to its own status topic, one
# every interval ($6) seconds, then disconnects.
tsung_config() {
	local i=$1 n=$2 rate=$3 port=$4 count=$5 interval=$6 first=$7 dir=$WORK/tsung$1
	mkdir -p "$dir/log"
	python3 -c "import sys; [print(f'agent-{a:06d}') for a in range($first, $first + $n)]" > "$dir/agents.csv"
	cat > "$dir/tsung.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="error" version="1.0" dumptraffic="false">
  <clients><client host="localhost" use_controller_vm="true" maxusers="$((n + 10))"/></clients>
  <servers><server host="127.0.0.1" port="$port" type="ssl"/></servers>
  <load>
    <arrivalphase phase="1" duration="$(( n * 2 / rate + 10 ))" unit="second">
      <users maxnumber="$n" arrivalrate="$rate" unit="second"/>
    </arrivalphase>
  </load>
  <options>
    <option name="file_server" id="agents" value="$dir/agents.csv"/>
  </options>
  <sessions>
    <session name="agent" probability="100" type="ts_mqtt">
      <setdynvars sourcetype="file" fileid="agents" delimiter=";" order="iter"><var name="agent"/></setdynvars>
      <set_option name="certificate">
        <certificate cacertfile="$WORK/tsung-chain.pem" certfile="$PKI/agents/%%_agent%%.pem" keyfile="$PKI/agents/%%_agent%%.key"/>
      </set_option>
      <request><mqtt type="connect" clean_start="true" keepalive="60"/></request>
      <for from="1" to="$count" incr="1" var="i">
        <thinktime value="$interval" random="false"/>
        <transaction name="pub">
          <request subst="true"><mqtt type="publish" topic="agents/%%_agent%%/status" qos="1">$(head -c 256 /dev/zero | tr '\0' x)</mqtt></request>
        </transaction>
      </for>
      <request><mqtt type="disconnect"/></request>
    </session>
  </sessions>
</tsung>
XML
}

# run_tsung: K tsung controllers (one Erlang VM each, under the same
# open-files limit), each AGENTS/K users with their own certificates from
# mqherd's PKI, on its own broker, at RATE in all.
run_tsung() {
	local i n per interval count start pids=() ok=1 rc first=0
	per=$(( (AGENTS + K - 1) / K ))
	interval=$(python3 -c "print(max(1, round($AGENTS / $RATE)))")
	count=$(( WALL / interval > 0 ? WALL / interval : 1 ))
	say "tsung $(dpkg-query -W -f '${Version}' tsung): minting $AGENTS agent certificates for it"
	"$MQHERD" certs --out "$PKI" --agents "$AGENTS" > /dev/null 2>&1 || return 1
	cat "$PKI/ca.pem" "$PKI"/shards/shard-*.pem > "$WORK/tsung-chain.pem"
	# tsung needs Erlang distribution: our own epmd, on loopback only, in the
	# foreground (so it is our child and stopped by its PID)
	EPMD_PORT=$(free_port)
	epmd -address 127.0.0.1 -port "$EPMD_PORT" > "$WORK/epmd.out" 2>&1 &
	started epmd "$!"
	wait_port "$!" "$EPMD_PORT" || return 1
	say "tsung: $K controllers x $per users, one message per user every $interval s, $count each"
	start=$(date +%s.%N)
	for i in $(seq 0 $((K - 1))); do
		n=$(( i < K - 1 ? per : AGENTS - per * (K - 1) ))
		tsung_config "$i" "$n" $(( CONNECT_RATE / K > 0 ? CONNECT_RATE / K : 1 )) "${PORTS[$i]}" "$count" "$interval" "$first"
		first=$((first + n))
		(cd "$WORK/tsung$i" && ERL_EPMD_PORT=$EPMD_PORT ERL_CRASH_DUMP=$WORK/tsung$i/erl_crash.dump \
			ERL_ZFLAGS="-kernel inet_dist_use_interface {127,0,0,1}" \
			exec setsid tsung -f "$WORK/tsung$i/tsung.xml" -l "$WORK/tsung$i/log" -i "$i" -n start) > "$WORK/tsung$i.out" 2>&1 &
		pids+=("$!")
		GROUPS_STARTED+=("$!") # its own process group: the script and its Erlang VM stop together
		started tsung+ "$!"
	done
	watchdog tsung $(( AGENTS / CONNECT_RATE + WALL + PEER_GRACE )) "${pids[@]}"
	for i in "${!pids[@]}"; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		[ "$rc" = 0 ] || { ok=0; echo "tsung $i: exit $rc ($(tail -2 "$WORK/tsung$i.out" | tr '\n' ' '))"; }
	done
	python3 - "$WORK" "$start" "$(date +%s.%N)" "$AGENTS" "$K" "$(dpkg-query -W -f '${Version}' tsung)" > "$WORK/tsung.json" <<'PY'
import glob, json, sys
import os
def stopped_note(work, tool):
    try:
        limit = open(f"{work}/{tool}.stopped").read().strip()
    except OSError:
        return ""
    return (f"; NOT FINISHED: stopped by the script's time bound after {limit} s, so its own "
            f"results (messages, latency) are missing or partial")
work, start, end, agents, k, ver = sys.argv[1:]
msgs, errors, n_lat, sum_lat, peak = 0, {}, 0, 0.0, {}
for i in range(int(k)):
    logs = sorted(glob.glob(f"{work}/tsung{i}/log/*/tsung.log"))
    if not logs:
        continue
    last = {}
    for line in open(logs[-1]):
        p = line.split()
        if len(p) >= 3 and p[0] == "stats:":
            last[p[1]] = p[2:]
            if p[1] == "connected":  # a gauge per dump: sessions open now
                peak[i] = max(peak.get(i, 0), int(p[2]))
            if p[1] == "tr_pub":  # per dump: count mean stddev max min ...
                n_lat += int(p[2]); sum_lat += int(p[2]) * float(p[3])
    msgs += int(last.get("mqtt_server_pubacked", [0, 0])[1])  # counter: interval, total
    for name, v in last.items():
        if name.startswith("error_"):
            errors[name] = errors.get(name, 0) + int(float(v[1]))
means = [sum_lat / n_lat] if n_lat else []
note = (f"MQTT 3.1 (tsung's ts_mqtt), clean sessions, one client certificate per agent from mqherd's PKI, "
        f"publish only (no subscriber, no job/completion): latency is publish to PUBACK, mean "
        f"{sum(means)/max(1,len(means)):.2f} ms, no percentiles; errors {errors or 'none'}; "
        f"RSS idle n/a: its users publish as they arrive" + stopped_note(work, "tsung"))
print(json.dumps({"tool": "tsung", "label": f"tsung {ver}", "agents": int(agents), "start": float(start),
                  "held": sum(peak.values()),  # tsung's own gauge, sampled every 10 s
                  "end": float(end), "messages": msgs, "note": note}))
PY
	echo "tsung $WORK/tsung.json" >> "$WORK/tools.tsv"
	[ "$ok" = 1 ]
}

# main is the whole run; the file is read to its end before it starts, so
# editing the script while it runs changes nothing.
main() {
	check_input
	install_if_absent
	make -s build
	mkdir -p "$OUT"
	rm -rf "$OUT/mqherd" "$OUT/mqherd-partial"
	SPEEDUP=$(python3 -c "print(round($RATE / (6000 / 500000 * $AGENTS), 4))")
	WALL=$(python3 -c "import re; m = re.fullmatch(r'(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?', '$DURATION'); print(round((int(m[1] or 0)*3600 + int(m[2] or 0)*60 + int(m[3] or 0)) / $SPEEDUP))")
	SERVICES=$(( K > 1 ? K : 2 )) # a multiple of K: each agent's print service is on the agent's broker
	PKI=$WORK/pki
	"$MQHERD" certs --out "$PKI" --agents 1 > /dev/null
	python3 - "$WORK/meta.json" <<-PY
	import json, platform, os, sys
	cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
	json.dump({"agents": $AGENTS, "brokers": $K, "rate": $RATE, "wall_s": $WALL, "commit": "$(git rev-parse --short HEAD)",
	           "machine": f"{os.cpu_count()} vCPU {cpu}, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, Linux {platform.release()}"},
	          open(sys.argv[1], "w"))
	PY
	: > "$WORK/tools.tsv"
	python3 infra/bench/procsample.py "$WORK/pids" "$WORK/samples.tsv" "$WORK/stop" $(( AGENTS / CONNECT_RATE * 6 + WALL * 3 + 3600 )) &
	started sampler "$!"
	say "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	configure_brokers
	scenario
	failed=()
	start_brokers
	run_mqherd || failed+=(mqherd)
	for peer in $PEERS; do
		start_brokers # a clean broker for each tool, as the study restarted its engines
		case $peer in
		mqtt-benchmark) run_mqtt_benchmark || failed+=(mqtt-benchmark) ;;
		tsung) run_tsung || failed+=(tsung) ;;
		*) echo "bench-scale: unknown peer $peer"; failed+=("$peer") ;;
		esac
	done
	say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	touch "$WORK/stop"
	sleep 1.5
	mkdir -p "$OUT"
	python3 infra/bench/scale_table.py "$WORK" | tee "$OUT/table.md"
	cp "$WORK/samples.tsv" "$WORK/meta.json" "$OUT/" 2>/dev/null || true
	if [ ${#failed[@]} -gt 0 ]; then
		echo "bench-scale: FAILED: ${failed[*]}"
		exit 1
	fi
	echo "bench-scale: ok (table in $OUT/table.md)"
}

main "$@"
exit $?
