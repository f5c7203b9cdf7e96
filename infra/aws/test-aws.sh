#!/usr/bin/env bash
# make test-aws: the AWS IoT Core flow rehearsed on this machine through the
# real aws-sdk-go-v2 clients against moto's server mode (moto 5.2.1, started
# so certificate IDs are SHA-256 of the DER, as on AWS) on 127.0.0.1, with
# the embedded broker emulating AWS IoT's data plane (registry, policies,
# just-in-time provisioning). Nothing here reaches AWS.
#
#  1. register mode: provision AGENTS agents with progress, interrupt it with
#     SIGINT halfway, resume it, and count through the API (boto3, not
#     mqherd's checkpoint): exactly AGENTS agent things, their certificates
#     and attachments; `mqherd aws status`; teardown leaves nothing.
#  2. jitp mode: shard CAs with a provisioning template; print-fleet against
#     the emulation: every agent connected after its dropped first connect,
#     no error but the AGENTS jitp_first_connect drops, the onboarding
#     histogram in the report; AWS IoT's CloudWatch figures read back
#     (`mqherd aws metrics`, awsQuery for moto) into the report; teardown
#     leaves nothing.
#  3. bad input: no credentials, an unreachable endpoint, a PKI that is not
#     the checkpoint's, teardown of a fleet that does not exist.
# moto and the broker are stopped by their PIDs on exit, also on failure.
#
# Environment: AGENTS (default 500), OUT (default bin/test-aws).
set -euo pipefail
cd "$(dirname "$0")/../.."
. infra/shell/processes.sh # stop_pid, free_port, wait_port
AGENTS=${AGENTS:-500}
OUT=${OUT:-bin/test-aws}
MQHERD=$PWD/bin/mqherd
SERVICES=service-w0-0,service-w0-1,service-w1-0,service-w1-1 # the run's: 2 workers x 2 print-service clients
PIDS=()

cleanup() { local pid; for pid in "${PIDS[@]}"; do stop_pid "$pid"; done; }
trap cleanup EXIT

fail() { echo "test-aws FAILED: $*"; exit 1; }
count() { python3 infra/aws/count.py mqherd; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

echo "== build"
make build >/dev/null
python3 -c 'import moto.server, boto3' 2>/dev/null || python3 -m pip install -q 'moto[server]==5.2.1' boto3
rm -rf "$OUT" && mkdir -p "$OUT"

echo "== moto (use_valid_cert) on 127.0.0.1"
MOTO_PORT=$(free_port)
python3 infra/aws/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" >"$OUT/moto.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 100); do
	curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break
	[ "$i" = 100 ] && fail "moto did not start (see $OUT/moto.log)"
	sleep 0.2
done
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
PKI=$OUT/pki
"$MQHERD" certs --out "$PKI" >/dev/null

echo "== 1. register: provision $AGENTS agents, SIGINT halfway, resume"
prov=("$MQHERD" aws provision --pki "$PKI" --agents "$AGENTS" --service-ids "$SERVICES" --rate 60)
"${prov[@]}" >"$OUT/provision-1.out" 2>"$OUT/provision-1.err" &
PROV=$!
PIDS+=($PROV)
half=$(( (AGENTS + 4) / 2 ))
for i in $(seq 1 600); do
	done_now=$(grep -o 'provisioning mqherd: [0-9]*' "$OUT/provision-1.err" 2>/dev/null | tail -1 | grep -o '[0-9]*$' || echo 0)
	[ "${done_now:-0}" -ge "$half" ] && break
	kill -0 "$PROV" 2>/dev/null || fail "provision ended before halfway: $(tail -3 "$OUT/provision-1.err")"
	sleep 0.1
done
kill -INT "$PROV"
set +e; wait "$PROV"; code=$?; set -e
echo "interrupted at ~$done_now of $((AGENTS + 4)) identities (exit $code); $(tail -1 "$OUT/provision-1.err")"
mid=$(count); echo "after the interrupt: $mid"
[ "$(field "$mid" agent_things)" -lt "$AGENTS" ] || fail "the interrupt came too late to test resuming"
"${prov[@]}" >"$OUT/provision-2.out" 2>"$OUT/provision-2.err" || fail "resume: $(tail -5 "$OUT/provision-2.err")"
tail -3 "$OUT/provision-2.out"
got=$(count); echo "counted through the API: $got"
want=$((AGENTS + 4))
for f in fleet_things certificates active_certificates thing_principals policy_attachments; do
	[ "$(field "$got" "$f")" = "$want" ] || fail "$f = $(field "$got" "$f"), want $want"
done
[ "$(field "$got" agent_things)" = "$AGENTS" ] || fail "agent things $(field "$got" agent_things), want $AGENTS"
"$MQHERD" aws status --pki "$PKI" --service-ids "$SERVICES" --rate 60 >"$OUT/status.out" 2>"$OUT/status.err" || fail "status: $(cat "$OUT/status.out")"
echo "$(head -4 "$OUT/status.out")"
"$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES" --rate 60 >"$OUT/teardown-1.out" 2>"$OUT/teardown-1.err" \
	|| fail "teardown: $(tail -5 "$OUT/teardown-1.err")"
tail -1 "$OUT/teardown-1.out"
left=$(count); echo "after teardown: $left"
for f in things certificates policies; do [ "$(field "$left" "$f")" = 0 ] || fail "$f left: $left"; done

echo "== 2. jitp: CAs with a template, print-fleet against the AWS IoT emulation"
"$MQHERD" aws provision --pki "$PKI" --agents "$AGENTS" --service-ids "$SERVICES" --mode jitp \
	--jitp-role-arn arn:aws:iam::123456789012:role/mqherd-jitp >"$OUT/provision-jitp.out" 2>&1 || fail "jitp provision: $(tail -5 "$OUT/provision-jitp.out")"
BROKER_PORT=$(free_port)
"$MQHERD" broker --aws-emulation --pki "$PKI" --listen "127.0.0.1:$BROKER_PORT" >"$OUT/broker.log" 2>&1 &
BROKER=$!
PIDS+=($BROKER)
for i in $(seq 1 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1',$BROKER_PORT),0.5)" 2>/dev/null && break
	[ "$i" = 100 ] && fail "the emulation did not listen (see $OUT/broker.log)"
	sleep 0.2
done
"$MQHERD" run --workers 2 --agents "$AGENTS" --pki "$PKI" --out "$OUT/runs" --no-tui --aws-metrics=false \
	--target "aws-iot://localhost:$BROKER_PORT?jitp=true" --duration 20m --speedup 60 >"$OUT/run.out" 2>&1 \
	|| fail "run: $(tail -20 "$OUT/run.out")"
RUN=$(ls -d "$OUT"/runs/*/ | head -1)
python3 - "$RUN" "$AGENTS" <<'PY'
import json, sys
run, agents = sys.argv[1], int(sys.argv[2])
s = json.load(open(run + "/summary.json"))
rep = json.load(open(run + "/report.json"))
onboarding = [l for l in rep["latency"] if l["metric"] == "onboarding"]
problems = []
if s["agents_connected_peak"] != agents:
    problems.append(f'agents connected {s["agents_connected_peak"]} of {agents}')
if not (s["jobs_completed"] == s["jobs_dispatched"] > 0):
    problems.append(f'jobs {s["jobs_completed"]}/{s["jobs_dispatched"]}')
if s["errors_by_kind"] != {"jitp_first_connect": agents}:
    problems.append(f'errors {s["errors_by_kind"]}, want only {agents} jitp_first_connect')
count = s["latency_ms"]["onboarding"]["count"]
if count != agents or not onboarding:
    problems.append(f'onboarding samples {count}, want {agents} (and a report section)')
p = s["latency_ms"]["onboarding"]
print(f'run: {s["agents_connected_peak"]}/{agents} agents after their dropped first connect, '
      f'{s["jobs_completed"]}/{s["jobs_dispatched"]} jobs, errors {s["errors_by_kind"]}, '
      f'onboarding p50 {p["p50"]} ms p99 {p["p99"]} ms max {p["max"]} ms')
if problems:
    print("test-aws FAILED: " + "; ".join(problems)); sys.exit(1)
PY
grep -E "provisioned just in time|admitted" "$OUT/broker.log" | tail -2 || true
stop_pid "$BROKER"
echo "$(tail -2 "$OUT/broker.log")"

echo "== CloudWatch: AWS/IoT figures put into moto, read back by mqherd aws metrics (awsQuery)"
python3 - "$RUN" <<'PY'
import datetime, json, sys
import boto3
m = json.load(open(sys.argv[1] + "/manifest.json"))
t = datetime.datetime.fromisoformat(m["started"].replace("Z", "+00:00")) + datetime.timedelta(seconds=30)
boto3.client("cloudwatch").put_metric_data(Namespace="AWS/IoT", MetricData=[
    {"MetricName": "Connect.Success", "Dimensions": [{"Name": "Protocol", "Value": "MQTT"}], "Timestamp": t, "Value": 1004},
    {"MetricName": "Connect.Throttle", "Dimensions": [{"Name": "Protocol", "Value": "MQTT"}], "Timestamp": t, "Value": 7}])
PY
"$MQHERD" aws metrics "$RUN" --awsquery --wait 0 >"$OUT/metrics.out" 2>&1 || fail "aws metrics: $(cat "$OUT/metrics.out")"
python3 - "$RUN" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/aws-metrics.json"))
text = json.dumps(m)
if "Connect.Success" not in text or "1004" not in text or "Connect.Throttle" not in text:
    print("test-aws FAILED: aws-metrics.json lacks what was put:", text[:400]); sys.exit(1)
print("aws-metrics.json holds Connect.Success 1004 and Connect.Throttle 7 from moto")
PY
"$MQHERD" report "$RUN" --format md --out "$OUT/report" >/dev/null || fail "report"
grep -q "AWS IoT's own figures" "$OUT/report/report.md" || fail "the report lacks AWS IoT's own figures"
echo "the report shows AWS IoT's own figures"

"$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES" --rate 60 >"$OUT/teardown-2.out" 2>"$OUT/teardown-2.err" \
	|| fail "jitp teardown: $(tail -5 "$OUT/teardown-2.err")"
tail -1 "$OUT/teardown-2.out"
left=$(count); echo "after teardown: $left"
for f in things certificates policies; do [ "$(field "$left" "$f")" = 0 ] || fail "$f left after the jitp teardown: $left"; done

echo "== 3. bad input: clear errors, non-zero exits, nothing half-deleted"
expect_fail() { # expect_fail WHAT WANT CMD...: CMD exits non-zero and says WANT
	local what=$1 want=$2; shift 2
	set +e; out=$("$@" 2>&1); code=$?; set -e
	[ "$code" != 0 ] || fail "$what: exit 0"
	echo "$out" | grep -qi -- "$want" || fail "$what: output lacks '$want': $out"
	echo "  ok  $what: exit $code: $(echo "$out" | grep -i -m1 -- "$want")"
}
"$MQHERD" aws provision --pki "$PKI" --agents 20 --service-ids "$SERVICES" --rate 60 >/dev/null 2>&1 || fail "provision for the bad-input checks"
before=$(count)
expect_fail "no credentials" "credentials" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent \
	"$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES"
closed=$(free_port)
expect_fail "endpoint unreachable" "127.0.0.1:$closed" env AWS_ENDPOINT_URL="http://127.0.0.1:$closed" \
	"$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES"
OTHER=$OUT/other-pki
"$MQHERD" certs --out "$OTHER" >/dev/null
cp -r "$PKI/aws" "$OTHER/"
expect_fail "a PKI that does not match the checkpoint" "fingerprint\|sha256\|another PKI" \
	"$MQHERD" aws teardown --pki "$OTHER" --service-ids "$SERVICES"
[ "$(count)" = "$before" ] || fail "a refused teardown changed the fleet: $before -> $(count)"
echo "  ok  nothing was deleted by the refused commands: $before"
"$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES" --rate 60 >/dev/null 2>&1 || fail "teardown"
out=$("$MQHERD" aws teardown --pki "$PKI" --service-ids "$SERVICES" 2>&1) || fail "teardown of a fleet that does not exist: $out"
echo "$out" | grep -qi "nothing to tear down" || fail "teardown of a fleet that does not exist says: $out"
echo "  ok  teardown of a fleet that does not exist: exit 0, '$(echo "$out" | grep -i -m1 'nothing to tear down')'"
echo "test-aws: ok"
