#!/usr/bin/env bash
# Multi-host test of mqherd: the embedded broker, a coordinator and three
# workers, each in its own container on a private Docker network, through
# three failures:
#   a. worker killed     a worker gets SIGKILL mid-run: it is declared lost, its
#                        agents are re-assigned and reconnected by survivors,
#                        and no job vanishes from the accounting
#   b. network partition a worker is cut off the network for 20 s, then put back
#   c. wrong key         a worker with another cluster key cannot join
# Usage: bash infra/container/test-cluster.sh (or make test-cluster), from
# anywhere. Needs Docker with Compose (v2 plugin or docker-compose v1), Go,
# python3. Nothing is pulled (images are FROM scratch), nothing leaves the
# machine (the network is internal). Everything it starts is stopped and
# removed on exit, by compose project and container ID.
# Environment: SKIP_BUILD=1 reuses mqherd:dev and bin/mqherd-static;
# KEEP_WORK=1 keeps the work directory (kept anyway when a check fails);
# SCENARIOS="killed partition wrong_key" (the default) picks and orders them;
# MQHERD_AGENTS, MQHERD_SPEEDUP, MQHERD_DURATION size the runs (compose.yaml);
# MQHERD_BIN is the host binary used for certs and keygen.
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=infra/container
COMPOSE_FILE=$HERE/compose.yaml
BIN=${MQHERD_BIN:-bin/mqherd-static}
PREFIX="mqherd-test-$$"
WAIT_FLOW=${WAIT_FLOW:-150}         # s: up -> jobs completing in the run phase
WAIT_EXIT=${WAIT_EXIT:-240}         # s: failure injected -> coordinator exited
WAIT_WORKERS=${WAIT_WORKERS:-60}    # s: coordinator exited -> survivors exited
PARTITION_S=${PARTITION_S:-20}      # s: how long worker-3 is off the network
TAKEOVER_WITHIN=${TAKEOVER_WITHIN:-15}
# How the coordinator of the wrong-key test stops waiting for its one worker.
WRONGKEY_COORD_ARGS=${WRONGKEY_COORD_ARGS:---wait 30s}
WRONGKEY_WAIT=${WRONGKEY_WAIT:-90}  # s: bound on the wrong-key worker and coordinator

passed=0
failed=0
started=()                          # scenario numbers whose compose project may exist
t_start=$SECONDS

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }

# tally counts the ok/FAIL lines check_cluster.py printed into file $1.
tally() {
	local p f
	p=$(grep -c '^  ok ' "$1" || true)
	f=$(grep -c '^  FAIL ' "$1" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then fail "check_cluster.py printed no result (see above)"; fi
}

# ---- compose ------------------------------------------------------------

if docker compose version >/dev/null 2>&1; then
	COMPOSE=(docker compose)
elif docker-compose version >/dev/null 2>&1; then
	COMPOSE=(docker-compose)
else
	echo "test-cluster: needs Docker Compose (the docker compose plugin or docker-compose)" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqherd-cluster.XXXXXX")
export MQHERD_PKI_DIR=$WORK/pki MQHERD_SECRETS_DIR=$WORK/secrets MQHERD_OUT_DIR=$WORK/out
export MQHERD_UID MQHERD_GID
MQHERD_UID=$(id -u)
MQHERD_GID=$(id -g)
mkdir -p "$WORK/secrets" "$WORK/logs"

# dc N ARGS: compose on scenario N's project, its run directory in out-N.
dc() {
	local n=$1
	shift
	MQHERD_OUT_DIR=$WORK/out-$n timeout 120 "${COMPOSE[@]}" --ansi never -p "$PREFIX-$n" -f "$COMPOSE_FILE" "$@"
}

# cid N SERVICE: the container ID compose reports for SERVICE.
cid() { dc "$1" ps -a -q "$2" 2>/dev/null | head -1; }

# save_logs N: every container's log of project N into $WORK/logs.
save_logs() {
	local n=$1 id svc
	for id in $(docker ps -aq --filter "label=com.docker.compose.project=$PREFIX-$n"); do
		svc=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$id" 2>/dev/null || echo "$id")
		docker logs "$id" >"$WORK/logs/$n-$svc.log" 2>&1 || true
	done
}

# teardown N: save logs, compose down -v, then remove whatever of project N
# is left (containers and networks carrying its project label) by ID.
teardown() {
	local n=$1 id net t0=$SECONDS
	save_logs "$n"
	dc "$n" down -v --remove-orphans -t 5 >/dev/null 2>&1 || echo "  (compose down of $PREFIX-$n failed; removing by ID)"
	for id in $(docker ps -aq --filter "label=com.docker.compose.project=$PREFIX-$n"); do
		docker rm -f "$id" >/dev/null 2>&1 || true
	done
	for net in $(docker network ls -q --filter "label=com.docker.compose.project=$PREFIX-$n"); do
		docker network rm "$net" >/dev/null 2>&1 || echo "  (could not remove network $net)"
	done
	local keep=()
	for id in "${started[@]}"; do [ "$id" = "$n" ] || keep+=("$id"); done
	started=("${keep[@]+"${keep[@]}"}")
	log "torn down $PREFIX-$n in $((SECONDS - t0)) s (compose down -v; logs in $WORK/logs/$n-*.log)"
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	for n in "${started[@]+"${started[@]}"}"; do teardown "$n"; done
	if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ] || [ -n "${KEEP_WORK:-}" ]; then
		echo "work directory kept: $WORK (logs/, out-N/ run directories)"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# ---- waiting, always bounded --------------------------------------------

state() { docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>/dev/null || echo "gone -1"; }

# progress ID: the coordinator's newest progress line.
progress() { docker logs "$1" 2>&1 | grep -E '^[0-9:]{8} [a-z]+ +t= *[0-9]+s' | tail -1 || true; }

# wait_flowing ID SECONDS: until the coordinator reports completed jobs in
# the run phase ("... run   t= 12s agents 600/600 | ... | jobs 812 done 640 ...").
wait_flowing() {
	local id=$1 deadline=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if docker logs "$id" 2>&1 | grep -Eq '^[0-9:]{8} run +t= *[0-9]+s .*\| jobs [0-9]+ done [1-9]'; then
			log "jobs flowing: $(progress "$id")"
			return 0
		fi
		if [ "$(state "$id" | cut -d' ' -f1)" != running ]; then
			log "coordinator stopped before jobs flowed ($(state "$id"))"
			docker logs --tail 20 "$id" 2>&1 | sed 's/^/    | /'
			return 1
		fi
		sleep 1
	done
	log "no completed jobs in the run phase after $2 s: $(progress "$id")"
	return 1
}

# wait_exit ID SECONDS: until the container exited; prints its exit code.
# Shows the coordinator's progress every 15 s on stderr.
wait_exit() {
	local id=$1 deadline=$((SECONDS + $2)) next=$((SECONDS + 15)) st
	while [ "$SECONDS" -lt "$deadline" ]; do
		st=$(state "$id")
		case $st in
		exited* | dead* | gone*) echo "${st#* }"; return 0 ;;
		esac
		if [ "$SECONDS" -ge "$next" ]; then
			log "  $(progress "$id")" >&2
			next=$((SECONDS + 15))
		fi
		sleep 1
	done
	return 1
}

# wait_log ID REGEX SECONDS: until the container's log matches REGEX.
wait_log() {
	local deadline=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$deadline" ]; do
		docker logs "$1" 2>&1 | grep -Eq "$2" && return 0
		[ "$(state "$1" | cut -d' ' -f1)" = running ] || break
		sleep 1
	done
	docker logs --tail 10 "$1" 2>&1 | sed 's/^/    | /'
	return 1
}

# events ID: the coordinator's event lines.
events() { docker logs "$1" 2>&1 | grep -E ' event ' || true; }

# up N SERVICES: compose up -d; records the project for teardown.
up() {
	local n=$1
	shift
	started+=("$n")
	local t0=$SECONDS
	if ! dc "$n" up -d "$@" >"$WORK/logs/$n-up.log" 2>&1; then
		sed 's/^/    /' "$WORK/logs/$n-up.log"
		fail "compose up of $PREFIX-$n"
		return 1
	fi
	log "compose up -d $PREFIX-$n${*:+ ($*)}: $((SECONDS - t0)) s"
}

# ---- scenarios ----------------------------------------------------------

scenario_killed() {
	log "== a. worker killed: SIGKILL to worker-2 once jobs flow"
	up 1 || return 0
	local coord w2 w1 w3 rc
	coord=$(cid 1 coordinator)
	w1=$(cid 1 worker-1)
	w2=$(cid 1 worker-2)
	w3=$(cid 1 worker-3)
	log "containers: coordinator ${coord:0:12}, worker-1 ${w1:0:12}, worker-2 ${w2:0:12}, worker-3 ${w3:0:12}"
	if ! wait_flowing "$coord" "$WAIT_FLOW"; then
		fail "a: jobs flowing within ${WAIT_FLOW}s"
		teardown 1
		return 0
	fi
	log "docker kill worker-2 (${w2:0:12})"
	docker kill "$w2" >/dev/null || fail "a: docker kill worker-2"
	log "worker-2 now: $(state "$w2") (status, exit code)"
	if ! rc=$(wait_exit "$coord" "$WAIT_EXIT"); then
		fail "a: coordinator exited within ${WAIT_EXIT}s of the kill"
		rc=-1
	fi
	log "coordinator exited with $rc; its events:"
	events "$coord" | sed 's/^/    | /'
	local w name code
	for w in "worker-1 $w1" "worker-3 $w3"; do
		name=${w% *}
		if code=$(wait_exit "${w#* }" "$WAIT_WORKERS" 2>/dev/null); then
			[ "$code" = 0 ] && ok "a: surviving $name exited 0" || fail "a: surviving $name exited $code"
		else
			fail "a: surviving $name exited within ${WAIT_WORKERS}s of the coordinator"
		fi
	done
	python3 "$HERE/check_cluster.py" killed --out "$WORK/out-1" --rc "$rc" --worker worker-2 \
		--takeover-within "$TAKEOVER_WITHIN" | tee "$WORK/logs/1-check.txt" || true
	tally "$WORK/logs/1-check.txt"
	teardown 1
}

scenario_partition() {
	log "== b. network partition: worker-3 off the network for ${PARTITION_S}s once jobs flow"
	up 2 || return 0
	local coord w3 net rc
	coord=$(cid 2 coordinator)
	w3=$(cid 2 worker-3)
	net=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "$w3")
	log "containers: coordinator ${coord:0:12}, worker-3 ${w3:0:12} on network $net"
	if ! wait_flowing "$coord" "$WAIT_FLOW"; then
		fail "b: jobs flowing within ${WAIT_FLOW}s"
		teardown 2
		return 0
	fi
	log "docker network disconnect $net worker-3"
	docker network disconnect "$net" "$w3" || fail "b: disconnect worker-3 from $net"
	local until=$((SECONDS + PARTITION_S))
	while [ "$SECONDS" -lt "$until" ]; do
		sleep 1
		[ "$(state "$coord" | cut -d' ' -f1)" = running ] || break
	done
	log "coordinator during the partition: $(progress "$coord")"
	# Reconnecting drops the service-name alias unless given again: without
	# --alias, "worker-3" no longer resolves on the network.
	log "docker network connect --alias worker-3 $net worker-3"
	docker network connect --alias worker-3 "$net" "$w3" || fail "b: reconnect worker-3 to $net"
	if ! rc=$(wait_exit "$coord" "$WAIT_EXIT"); then
		fail "b: coordinator exited within ${WAIT_EXIT}s of the partition"
		rc=-1
	fi
	log "coordinator exited with $rc; its events:"
	events "$coord" | sed 's/^/    | /'
	local code
	code=$(wait_exit "$w3" "$WAIT_WORKERS" 2>/dev/null) || code="still running after ${WAIT_WORKERS}s"
	log "worker-3 exit: $code; its last lines:"
	docker logs --tail 8 "$w3" 2>&1 | sed 's/^/    | /'
	python3 "$HERE/check_cluster.py" partition --out "$WORK/out-2" --rc "$rc" --worker worker-3 |
		tee "$WORK/logs/2-check.txt" || true
	tally "$WORK/logs/2-check.txt"
	teardown 2
}

scenario_wrong_key() {
	log "== c. wrong key: worker-1 holds another cluster key"
	local -x MQHERD_WORKERS=1 MQHERD_WORKER_KEY=wrong.key MQHERD_COORDINATOR_ARGS="$WRONGKEY_COORD_ARGS"
	up 3 broker coordinator || return 0
	local coord w1 code coord_state
	coord=$(cid 3 coordinator)
	# The worker starts only once the coordinator listens: a worker that
	# finds nobody to join also exits non-zero, for the wrong reason.
	if ! wait_log "$coord" 'waiting for [0-9]+ worker' 60; then
		fail "c: coordinator waiting for workers within 60s"
		teardown 3
		return 0
	fi
	up 3 --no-deps worker-1 || return 0
	w1=$(cid 3 worker-1)
	log "containers: coordinator ${coord:0:12}, worker-1 ${w1:0:12}"
	if code=$(wait_exit "$w1" "$WRONGKEY_WAIT" 2>/dev/null); then
		coord_state=$(state "$coord")
		log "worker-1 exited with $code (coordinator then: $coord_state); its output:"
		docker logs --tail 10 "$w1" 2>&1 | sed 's/^/    | /'
		[ "$code" != 0 ] && ok "c: worker with the wrong key exited non-zero ($code)" ||
			fail "c: worker with the wrong key exited 0"
		if docker logs "$w1" 2>&1 | grep -i 'key' >/dev/null; then
			ok "c: its error mentions the key"
		else
			fail "c: its error mentions the key"
		fi
		if docker logs "$w1" 2>&1 | grep -Ei 'connection refused|no such host|server misbehaving' >/dev/null; then
			fail "c: the worker failed to reach the coordinator at all, not on the key"
		fi
		# Not passing for the wrong reason: the worker must have been
		# refused by a coordinator that was up and waiting for it.
		if [ "${coord_state%% *}" = running ]; then
			ok "c: the coordinator was up and waiting when the worker gave up"
		else
			fail "c: the coordinator was up and waiting when the worker gave up (it was: $coord_state)"
		fi
	else
		fail "c: worker with the wrong key exited within ${WRONGKEY_WAIT}s"
	fi
	code=$(wait_exit "$coord" "$WRONGKEY_WAIT" 2>/dev/null) || code="still running after ${WRONGKEY_WAIT}s (stopped by teardown)"
	log "coordinator exit: $code; its last lines:"
	docker logs --tail 10 "$coord" 2>&1 | sed 's/^/    | /'
	if docker logs "$coord" 2>&1 | grep 'event worker_joined' >/dev/null; then
		fail "c: coordinator never logged worker_joined"
	else
		ok "c: coordinator never logged worker_joined"
	fi
	python3 "$HERE/check_cluster.py" nojoin --out "$WORK/out-3" --worker worker-1 |
		tee "$WORK/logs/3-check.txt" || true
	tally "$WORK/logs/3-check.txt"
	teardown 3
}

# ---- main ---------------------------------------------------------------

log "compose: ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short 2>/dev/null || true)); docker engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
if [ -z "${SKIP_BUILD:-}" ]; then
	log "make image"
	if ! make --no-print-directory image >"$WORK/logs/build.log" 2>&1; then
		cat "$WORK/logs/build.log"
		echo "test-cluster: make image failed" >&2
		exit 1
	fi
	grep -E '^Successfully (built|tagged)|naming to|writing image' "$WORK/logs/build.log" | sed 's/^/    /' || true
fi
docker image inspect "${MQHERD_IMAGE:-mqherd:dev}" >/dev/null

agents=${MQHERD_AGENTS:-600}
log "PKI (hosts: broker) and cluster keys in $WORK"
# Mint one agent per shard of the fleet (5,000 agents per shard) so every
# shard intermediate exists before the directory is mounted read-only.
"$BIN" certs --out "$MQHERD_PKI_DIR" --hosts broker --agents $(((agents - 1) / 5000 * 5000 + 1)) 2>>"$WORK/logs/certs.log" | sed 's/^/    /'
"$BIN" keygen --out "$MQHERD_SECRETS_DIR/cluster.key" | sed 's/^/    /'
"$BIN" keygen --out "$MQHERD_SECRETS_DIR/wrong.key" | sed 's/^/    /'
mkdir -p "$WORK/out-1" "$WORK/out-2" "$WORK/out-3"

for s in ${SCENARIOS:-killed partition wrong_key}; do
	"scenario_$s"
done

log "done in $((SECONDS - t_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
