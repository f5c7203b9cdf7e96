#!/usr/bin/env bash
# `mqherd bootstrap` for real, in a network namespace of this script's own
# (loopback only), with moto as the AWS endpoint (SSM for the cluster key, S3
# for the run directory and phase, IMDS for the instance identity):
#   1. three workers are bootstrapped 10 s before their coordinator (as
#      instances boot in any order); each tunes what it may (the namespace's
#      own sysctls; the global ones are only ever raised), reads the key from
#      SSM and starts `mqherd worker` in the foreground (no systemd here);
#   2. the coordinator is bootstrapped with the run's flags (print-fleet on
#      the embedded broker), all three workers join, the run completes, and
#      its bootstrap uploads the run directory and the phase to S3;
#   3. `mqherd fleet status` shows the phase and `mqherd fleet fetch` brings
#      the run directory back; its summary must show every agent connected,
#      every job completed and no error.
# Usage: bash infra/aws/test-fleet.sh (make test-fleet). Needs root (ip netns),
# Go, python3 with moto 5.2.1. Everything it starts is stopped by PID (process
# group) and the namespace is deleted on exit. KEEP_WORK=1 keeps the logs.
set -euo pipefail
cd "$(dirname "$0")/../.."

AGENTS=${AGENTS:-300}
DURATION=${DURATION:-30m}   # simulated, at the scenario's x60: 30 s of dispatch
FLEET=nsherd
NS="mqherd-fleet-$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqherd-fleet.XXXXXX")
BIN=$WORK/mqherd
PORT=5000                   # moto, on the namespace's own loopback
pgids=()

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
cleanup() {
	local rc=$?
	for g in "${pgids[@]}"; do kill -- "-$g" 2>/dev/null || true; done
	sleep 1
	for g in "${pgids[@]}"; do kill -9 -- "-$g" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null || true
	if [ "$rc" -ne 0 ] || [ "${KEEP_WORK:-}" = 1 ]; then
		log "logs kept in $WORK"
		for f in "$WORK"/*.log; do echo "---- $f (last 25 lines)"; tail -25 "$f"; done
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "test-fleet: needs root (ip netns)" >&2; exit 1; }
python3 -c 'import moto.server' || { echo "test-fleet: needs moto (python3 -m pip install 'moto[server]')" >&2; exit 1; }

log "build $BIN"
CGO_ENABLED=0 go build -trimpath -o "$BIN" ./cmd/mqherd

ip netns add "$NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up

# start NAME CMD...: run CMD in the namespace in its own process group,
# output to $WORK/NAME.log; its PID (= process group) is remembered.
start() {
	local name=$1
	shift
	setsid ip netns exec "$NS" "$@" >"$WORK/$name.log" 2>&1 &
	pgids+=("$!")
	eval "PID_$name=$!"
}

log "moto on 127.0.0.1:$PORT inside $NS"
start moto python3 infra/aws/moto_server.py -H 127.0.0.1 -p "$PORT"
for _ in $(seq 50); do nsx curl -fs "http://127.0.0.1:$PORT/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done

export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
BUCKET=mqherd-$FLEET-123456789012-us-east-1   # what fleet up names it (moto's account)
KEYPARAM=/mqherd/fleet/$FLEET/cluster-key
log "the fleet's bucket and cluster key (SecureString), as fleet up leaves them"
nsx python3 - "$BUCKET" "$KEYPARAM" <<'PY'
import secrets, sys, boto3
bucket, param = sys.argv[1:]
boto3.client("s3").create_bucket(Bucket=bucket)
boto3.client("ssm").put_parameter(Name=param, Type="SecureString", Value=secrets.token_hex(32))
PY

# The namespace's own settings start narrow, as on a fresh host (they are per
# namespace: the host's stay as they are, which is checked at the end).
host_range=$(tr -s '[:space:]' ' ' </proc/sys/net/ipv4/ip_local_port_range)
nsx sh -c 'echo "32768 60999" >/proc/sys/net/ipv4/ip_local_port_range; echo 4096 >/proc/sys/net/core/somaxconn; echo 2 >/proc/sys/net/ipv4/tcp_tw_reuse'

common=(--fleet "$FLEET" --region us-east-1 --ttl 10m --cluster-port 7946 --key-parameter "$KEYPARAM"
	--binary "$BIN" --foreground --imds-endpoint "http://127.0.0.1:$PORT/")
for i in 1 2 3; do
	log "bootstrap worker-$i (before its coordinator)"
	start "worker$i" "$BIN" bootstrap --role worker "${common[@]}" --name "worker-$i" --listen-port $((7946 + i)) \
		--join 127.0.0.1:7946 --agents $((AGENTS / 3)) --state-dir "$WORK/worker$i"
done
sleep 10
log "bootstrap the coordinator: print-fleet, $AGENTS agents, $DURATION simulated, embedded broker"
start coord "$BIN" bootstrap --role coordinator "${common[@]}" --bucket "$BUCKET" --state-dir "$WORK/coord" -- \
	--scenario print-fleet --agents "$AGENTS" --duration "$DURATION" --workers 3 --wait 2m --target embedded
if ! wait "$PID_coord"; then
	log "FAIL: the coordinator's bootstrap failed"
	exit 1
fi
for i in 1 2 3; do
	eval "pid=\$PID_worker$i"
	for _ in $(seq 90); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
done

failed=0
check() { if eval "$2"; then echo "  ok    $1"; else echo "  FAIL  $1"; failed=$((failed + 1)); fi; }
echo "== bootstrap reports (worker-1; the three ran at once, so one of them changed the shared namespace)"
grep '^bootstrap:' "$WORK/worker1.log" | sed 's/^/  /'
grep -h '^bootstrap: sysctl.*done' "$WORK"/worker?.log | sed 's/^/  /'
check "each worker reported its steps and read the key from SSM" \
	"[ \$(grep -l 'cluster key .* done: read $KEYPARAM' $WORK/worker?.log | wc -l) = 3 ]"
check "a worker widened the namespace's port range, raised somaxconn, set tcp_tw_reuse" \
	"grep -q 'ip_local_port_range .*done: 32768 60999 -> 1024 65535' $WORK/worker?.log && grep -q 'somaxconn .*done: 4096 -> 65535' $WORK/worker?.log && grep -q 'tcp_tw_reuse .*done: 2 -> 1' $WORK/worker?.log"
check "the host's own port range is untouched ($host_range)" "[ \"\$(tr -s '[:space:]' ' ' </proc/sys/net/ipv4/ip_local_port_range)\" = '$host_range' ]"
check "the TTL step said why the host is not powered off here" "grep -q 'TTL .*skipped: no systemd' $WORK/worker1.log"
check "the instance identity came from IMDS (moto)" "grep -q 'instance identity (IMDS) .*done: instance i-' $WORK/coord.log"
check "all three workers joined (worker_joined x3) and the run went on 3 workers" \
	"[ \$(grep -c 'event worker_joined worker-' $WORK/coord.log) = 3 ] && grep -q 'agents on 3 workers' $WORK/coord.log"
check "the coordinator's bootstrap uploaded the run directory" "grep -q 'run directory .*done: uploaded' $WORK/coord.log"

echo "== mqherd fleet status / fetch (against moto)"
nsx "$BIN" fleet status "$FLEET" --region us-east-1 | tee "$WORK/status.out" | sed 's/^/  /'
check "status shows the run finished" "grep -q '^run: finished' $WORK/status.out"
nsx "$BIN" fleet fetch "$FLEET" --region us-east-1 --out "$WORK/fetched" | sed 's/^/  /'
summary=$(ls "$WORK"/fetched/*/summary.json | head -1)
check "the fetched run directory has a summary" "[ -s '$summary' ]"
python3 - "$summary" <<'PY' || failed=$((failed + 1))
import json, sys
s = json.load(open(sys.argv[1]))
ok = s["agents_connected_peak"] == s["agents"] and s["jobs_completed"] == s["jobs_dispatched"] > 0 and s["errors"] == 0
print(f'  {"ok  " if ok else "FAIL"}  run {s["run_id"]}: {s["agents_connected_peak"]}/{s["agents"]} agents, '
      f'{s["jobs_completed"]}/{s["jobs_dispatched"]} jobs, {s["errors"]} errors')
sys.exit(0 if ok else 1)
PY
echo "test-fleet: $((10 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
