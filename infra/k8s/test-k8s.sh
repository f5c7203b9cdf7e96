#!/usr/bin/env bash
# make test-k8s: the Helm chart (infra/helm/mqherd) on a real one-node
# Kubernetes v1.36 cluster on this machine (infra/k8s/cluster.sh), then
#   1. helm lint; the rendered chart holds the cluster key only in a Secret;
#      a server-side dry run passes, refuses workers=0 (the chart's schema)
#      and a bad memory quantity (the API server's own validation)
#   2. install: the in-cluster broker (`mqherd broker`), the coordinator
#      and 3 workers (Indexed Job), 300 agents; once jobs flow the pod of
#      worker-1 is deleted: the run completes with the loss handled
#      (check_cluster.py replaced: every agent connected, worker-1 lost and
#      re-assigned, exact accounting), the Job's replacement pod for index 1
#      comes back as worker-1, is dismissed and exits 1; the run directory
#      comes back with `kubectl exec ... mqherd tar`; the key is in no log
#   3. everything stopped by PID and every host change undone (trap), then
#      checked: no process, bridge, KUBE-* chain, mount or cgroup left.
# Needs root, Go, Docker, python3, openssl, kubectl; installs etcd-server and
# containernetworking-plugins with apt-get if absent. Traffic stays on
# 127.0.0.1 and the private bridge. KEEP_WORK=1 keeps the work directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=infra/k8s
CHART=infra/helm/mqherd
KBIN=$ROOT/bin/k8s
HELM=$ROOT/bin/helm
HELM_VERSION=${HELM_VERSION:-v3.22.0}
MQHERD_IMAGE=${MQHERD_IMAGE:-mqherd:dev}
AGENTS=${AGENTS:-300}
WORKERS=3
WAIT_FLOW=${WAIT_FLOW:-180}   # s: install -> jobs completing
WAIT_DONE=${WAIT_DONE:-300}   # s: worker deleted -> run over
t_start=$SECONDS
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }

[ "$(id -u)" = 0 ] || { echo "test-k8s: needs root (bridge, kubelet, containerd)" >&2; exit 1; }
W=$(mktemp -d /tmp/mqherd-k8s.XXXXXX)
chmod 700 "$W"
# shellcheck source=infra/k8s/cluster.sh
. "$HERE/cluster.sh"

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	log "teardown"
	k8s_down
	docker rmi mqherd-k8s/pause:v1 >/dev/null 2>&1
	local left
	left=$(k8s_leftovers)
	if [ -n "$left" ]; then
		echo "$left"
		echo "test-k8s: FAIL: left behind on the host (above)"
		rc=1
	else
		echo "  ok    nothing left behind: no process, bridge $BRIDGE, KUBE-* chain, mount or kubepods cgroup"
	fi
	if [ "$rc" -ne 0 ] || [ "$failed" -gt 0 ] || [ -n "${KEEP_WORK:-}" ]; then
		echo "work directory kept: $W (logs/, out/)"
	else
		rm -rf "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo interrupted; exit 130' INT TERM

# ---- what it needs ------------------------------------------------------
need=()
command -v etcd >/dev/null || need+=(etcd-server)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
if [ ${#need[@]} -gt 0 ]; then
	log "apt-get install ${need[*]}"
	apt-get install -y "${need[@]}" >"$W/apt.log" 2>&1 || { apt-get update >>"$W/apt.log" 2>&1 && apt-get install -y "${need[@]}" >>"$W/apt.log" 2>&1; }
fi
t_build=$SECONDS
log "build: Kubernetes binaries (bin/k8s), helm $HELM_VERSION, make image, the pause image"
bash "$HERE/build-k8s.sh" "$KBIN" >"$W/build-k8s.log" 2>&1 || { tail -20 "$W/build-k8s.log"; exit 1; }
if ! "$HELM" version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
	GOBIN=$ROOT/bin go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
make --no-print-directory image MQHERD_IMAGE="$MQHERD_IMAGE" >"$W/image.log" 2>&1 || { tail -20 "$W/image.log"; exit 1; }
mkdir -p "$W/pause"
cat >"$W/pause/main.go" <<'GO'
// pause holds a pod's namespaces until it is told to stop.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
GO
printf 'module pause\n\ngo 1.22\n' >"$W/pause/go.mod"
printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$W/pause/Dockerfile"
(cd "$W/pause" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o pause . && docker build -q -t mqherd-k8s/pause:v1 . >/dev/null)
t_build=$((SECONDS - t_build))
log "build done in ${t_build}s"

# ---- the cluster --------------------------------------------------------
t_cluster=$SECONDS
k8s_up
docker save "$MQHERD_IMAGE" mqherd-k8s/pause:v1 -o "$W/images.tar"
k8s_images "$W/images.tar"
k8s_kubelet
log "cluster up in $((SECONDS - t_cluster))s: $(kc get node localhost --no-headers 2>/dev/null)"

# ---- 1. the chart, offline and against the API server -------------------
BIN=$ROOT/bin/mqherd-static
services=$(for i in $(seq 0 $((WORKERS - 1))); do printf 'service-worker-%d-0,' "$i"; done)
"$BIN" certs --out "$W/pki" --hosts mqherd-broker --agents 1 --services "${services%,}" >"$W/logs/certs.log" 2>&1
"$BIN" keygen --out "$W/cluster.key" >/dev/null
ls "$W/pki/shards" | tr '\n' ' ' | sed 's/^/    pki shards: /'; echo
vals=(--set image.pullPolicy=Never --set agents="$AGENTS" --set workers=$WORKERS --set broker.enabled=true
	--set pki.existingSecret=mqherd-pki --set worker.cpu=200m --set coordinator.cpu=200m)
log "== 1. helm lint, the key in Secrets only, server-side dry runs"
if "$HELM" lint "$CHART" "${vals[@]}" --set clusterKey.existingSecret=x >"$W/logs/lint.log" 2>&1; then
	ok "helm lint: $(tail -1 "$W/logs/lint.log")"
else
	cat "$W/logs/lint.log"; fail "helm lint"
fi
"$HELM" template mqherd "$CHART" --kube-version v1.36.3 "${vals[@]}" --set-file clusterKey.file="$W/cluster.key" >"$W/rendered.yaml"
if python3 "$HERE/check_secrets.py" "$W/rendered.yaml" "$W/cluster.key"; then
	ok "rendered chart: the cluster key only in a Secret's data (no ConfigMap, annotation, arg or env)"
else
	fail "rendered chart holds the key outside a Secret"
fi
if kc apply --dry-run=server -f "$W/rendered.yaml" >"$W/logs/dryrun.log" 2>&1; then
	ok "server-side dry run: $(grep -c 'created (server dry run)' "$W/logs/dryrun.log") objects created (server dry run)"
else
	cat "$W/logs/dryrun.log"; fail "server-side dry run of the chart"
fi
if out=$("$HELM" template mqherd "$CHART" --kube-version v1.36.3 "${vals[@]}" --set workers=0 --set clusterKey.existingSecret=x 2>&1); then
	fail "workers=0 rendered"
else
	ok "workers=0 refused by the chart's schema: $(echo "$out" | grep -m1 -i workers)"
fi
if out=$("$HELM" template mqherd "$CHART" --kube-version v1.36.3 "${vals[@]}" --set coordinator.memory=lots --set clusterKey.existingSecret=x |
	kc apply --dry-run=server -f - 2>&1); then
	fail "coordinator.memory=lots accepted by the server"
else
	ok "coordinator.memory=lots refused by the API server: $(echo "$out" | grep -m1 -o 'quantities must match.*' | cut -c1-90)"
fi

# ---- 2. the run, a worker pod deleted mid-run ---------------------------
log "== 2. install: broker, coordinator, $WORKERS workers, $AGENTS agents; worker-1's pod deleted once jobs flow"
kc create secret generic mqherd-pki --from-file="$W/pki" --from-file="$W/pki/shards" >/dev/null
kc create secret generic mqherd-cluster-key --from-file=cluster.key="$W/cluster.key" >/dev/null
mkdir -p "$W/out"
t_run=$SECONDS
"$HELM" install mqherd "$CHART" --kubeconfig "$W/kubeconfig" "${vals[@]}" --set clusterKey.existingSecret=mqherd-cluster-key \
	--set coordinator.out.hostPath="$W/out" --wait --timeout 180s >"$W/logs/helm-install.log" 2>&1 ||
	{ cat "$W/logs/helm-install.log"; kc get pods -o wide; fail "helm install --wait"; exit 1; }
ok "helm install --wait: $(grep -m1 STATUS "$W/logs/helm-install.log") in $((SECONDS - t_run))s"
coord() { kc logs deploy/mqherd-coordinator 2>/dev/null; }
progress() { coord | grep -E '^[0-9:]{8} [a-z]+ +t= *[0-9]+s' | tail -1; }
pod_of() { kc get pods -l "app.kubernetes.io/component=worker,batch.kubernetes.io/job-completion-index=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' 2>/dev/null; }
wait_for "jobs flowing in the run phase" "$WAIT_FLOW" sh -c "kubectl --kubeconfig '$W/kubeconfig' logs deploy/mqherd-coordinator 2>/dev/null | grep -Eq '^[0-9:]{8} run +t= *[0-9]+s .*\\| jobs [0-9]+ done [1-9]'" ||
	{ coord | tail -20; kc get pods -o wide; fail "jobs flowing within ${WAIT_FLOW}s"; exit 1; }
log "jobs flowing: $(progress)"
for i in $(seq 0 $((WORKERS - 1))); do
	r=$(kc get pod "$(pod_of "$i")" -o jsonpath='{.status.containerStatuses[0].ready}')
	[ "$r" = true ] && ok "worker-$i ready (joined) before the run" || fail "worker-$i ready: $r"
done
old=$(pod_of 1)
timeout 120 kubectl --kubeconfig "$W/kubeconfig" logs -f "$old" >"$W/logs/worker-1-old.log" 2>&1 &
logpid=$!
log "kubectl delete pod $old (worker-1; SIGTERM, grace 30s)"
kc delete pod "$old" --wait=true --timeout=60s >/dev/null
wait "$logpid" 2>/dev/null || true
if grep -q 'interrupted mid-run' "$W/logs/worker-1-old.log"; then
	ok "the deleted worker-1 drained and said so: $(grep -m1 -o 'interrupted mid-run[^;]*' "$W/logs/worker-1-old.log")"
else
	tail -5 "$W/logs/worker-1-old.log"; fail "the deleted worker-1 logged its interrupted drain"
fi
wait_for "the replacement pod of index 1" 60 sh -c "[ -n \"\$(kubectl --kubeconfig '$W/kubeconfig' get pods -l app.kubernetes.io/component=worker,batch.kubernetes.io/job-completion-index=1 -o name 2>/dev/null)\" ]" ||
	fail "a replacement pod for index 1"
new=$(pod_of 1 | head -1)
log "replacement pod: ${new:-none}"
wait_for "the run over" "$WAIT_DONE" sh -c "kubectl --kubeconfig '$W/kubeconfig' logs deploy/mqherd-coordinator 2>/dev/null | grep -q 'mqherd: run over'" ||
	{ coord | tail -20; fail "run over within ${WAIT_DONE}s"; }
t_run=$((SECONDS - t_run))
coord >"$W/logs/coordinator.log"
rc=1
grep -q 'mqherd: run over, succeeded' "$W/logs/coordinator.log" && rc=0
log "coordinator: $(grep -m1 'mqherd: run over' "$W/logs/coordinator.log")"
grep -E ' event ' "$W/logs/coordinator.log" | sed 's/^/    | /' || true
python3 infra/container/check_cluster.py replaced --out "$W/out" --rc "$rc" --worker worker-1 | tee "$W/logs/check.txt" || true
passed=$((passed + $(grep -c '^  ok ' "$W/logs/check.txt" || true)))
failed=$((failed + $(grep -c '^  FAIL ' "$W/logs/check.txt" || true)))
if [ -n "$new" ]; then
	kc wait --for=jsonpath='{.status.phase}'=Failed "pod/$new" --timeout=60s >/dev/null 2>&1 || true
	kc logs "$new" >"$W/logs/worker-1-new.log" 2>&1
	code=$(kc get pod "$new" -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}')
	if grep -q 'dismissed by the coordinator' "$W/logs/worker-1-new.log" && [ "$code" = 1 ]; then
		ok "the replacement came back as worker-1, was dismissed and exited 1: $(grep -m1 -o 'worker worker-1 joined[^;]*' "$W/logs/worker-1-new.log")"
	else
		tail -5 "$W/logs/worker-1-new.log"; fail "the replacement pod $new: dismissed and exit 1 (exit $code)"
	fi
fi
for i in 0 2; do
	p=$(pod_of "$i")
	kc wait --for=jsonpath='{.status.phase}'=Succeeded "pod/$p" --timeout=90s >/dev/null 2>&1 &&
		ok "worker-$i exited 0 (pod Succeeded)" || fail "worker-$i pod Succeeded (phase $(kc get pod "$p" -o jsonpath='{.status.phase}'))"
done
failedIdx=$(kc get job mqherd-worker -o jsonpath='{.status.failedIndexes}')
[ "$failedIdx" = 1 ] && ok "the Job reports index 1 failed (its worker was lost), no further replacement" || fail "Job failedIndexes '$failedIdx', want 1"
kc exec deploy/mqherd-coordinator -- /mqherd tar /out >"$W/runs.tar" 2>"$W/logs/tar.err"
tar -tf "$W/runs.tar" >"$W/runs.list" 2>&1 || true # not piped into grep -q: under pipefail its SIGPIPE looks like a miss
if grep -q '/summary.json$' "$W/runs.list"; then
	ok "kubectl exec ... mqherd tar /out: the run directory back ($(wc -l <"$W/runs.list") entries, $(du -k "$W/runs.tar" | cut -f1) KiB)"
else
	cat "$W/logs/tar.err"; fail "the run directory through mqherd tar"
fi
key64=$(base64 -w0 <"$W/cluster.key")
keyhex=$(od -An -tx1 "$W/cluster.key" | tr -d ' \n')
keytext=$(tr -d '\n' <"$W/cluster.key")
for p in $(kc get pods -o name); do kc logs "$p" 2>/dev/null; done >"$W/logs/all-pods.log"
cat "$W/logs/"*.log "$W/logs/all-pods.log" >"$W/all.log" 2>/dev/null
if grep -qF -e "$key64" -e "$keyhex" -e "$keytext" "$W/all.log" ||
	kc get configmaps,deployments,jobs,pods,services -o yaml | grep -qF -e "$key64" -e "$keyhex" -e "$keytext"; then
	fail "the cluster key appears in a log or a non-Secret object"
else
	ok "the cluster key is in no log, ConfigMap, annotation, pod spec or Service"
fi
"$HELM" uninstall mqherd --kubeconfig "$W/kubeconfig" --wait --timeout 60s >/dev/null 2>&1 && ok "helm uninstall" || fail "helm uninstall"
log "run ${t_run}s; build ${t_build}s; total $((SECONDS - t_start))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
