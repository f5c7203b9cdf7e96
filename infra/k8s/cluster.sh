# A one-node Kubernetes v1.36 cluster on 127.0.0.1, for make test-k8s
# (sourced by test-k8s.sh; follows the recipe in README "Kubernetes"):
# Debian's etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet and kube-proxy (iptables mode) built from k8s.io/kubernetes, a
# private containerd (Debian's binary, its own config, root, state and
# socket under $W), CNI bridge kpbr0 (10.244.0.0/24; pods get no default
# route, only a route to the Service range via the bridge's address).
#
# k8s_up starts everything and records each PID in $W/pids; k8s_down
# stops them by PID and undoes every host change: pods, containers and
# shims, mounts under $W, the bridge, the CNI IP allocations, the kubepods
# cgroups, the KUBE-* iptables chains (kubelet's and kube-proxy's) and the
# MQHERD-K8S chain. Both need: W (work dir), KBIN (the k8s binaries), root.

SVC_CIDR=10.0.0.0/24
POD_CIDR=10.244.0.0/24
BRIDGE=kpbr0
BRIDGE_ADDR=10.244.0.1
PAUSE_IMAGE=docker.io/mqherd-k8s/pause:v1
CNI_NET=mqherd-k8s

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }
kc() { kubectl --kubeconfig "$W/kubeconfig" "$@"; }

# start NAME CMD...: runs CMD in the background, its output in $W/logs/NAME.log.
start() {
	local name=$1
	shift
	"$@" >"$W/logs/$name.log" 2>&1 &
	echo "$name $!" >>"$W/pids"
}

# wait_for WHAT SECONDS CMD...: until CMD succeeds, bounded.
wait_for() {
	local what=$1 deadline=$((SECONDS + $2))
	shift 2
	until "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			log "timed out waiting for $what"
			return 1
		fi
		sleep 1
	done
}

k8s_certs() {
	local d=$W/pki-k8s
	mkdir -p "$d"
	(
		cd "$d"
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=mqherd-k8s-ca 2>/dev/null
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver 2>/dev/null
		printf 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >ext.cnf
		openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 2 -extfile ext.cnf 2>/dev/null
		openssl genrsa -out sa.key 2048 2>/dev/null
		openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
		echo "$(openssl rand -hex 16),admin,admin,system:masters" >tokens.csv
	)
	cat >"$W/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443", certificate-authority: "$d/ca.crt"}}]
users: [{name: admin, user: {token: "$(cut -d, -f1 "$d/tokens.csv")"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
	chmod 600 "$W/kubeconfig"
}

k8s_control_plane() {
	local d=$W/pki-k8s
	start etcd etcd --name local --data-dir "$W/etcd" \
		--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster local=http://127.0.0.1:2380
	start kube-apiserver "$KBIN/kube-apiserver" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port=6443 \
		--etcd-servers=http://127.0.0.1:2379 --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
		--client-ca-file="$d/ca.crt" --token-auth-file="$d/tokens.csv" --authorization-mode=Node,RBAC \
		--service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$d/sa.pub" \
		--service-account-signing-key-file="$d/sa.key" --service-cluster-ip-range=$SVC_CIDR --allow-privileged=false \
		--endpoint-reconciler-type=none --kubelet-preferred-address-types=Hostname
	wait_for "kube-apiserver /readyz" 90 kc get --raw /readyz || return 1
	local kcf=$W/kubeconfig
	start kube-controller-manager "$KBIN/kube-controller-manager" --kubeconfig="$kcf" --authentication-kubeconfig="$kcf" \
		--authorization-kubeconfig="$kcf" --bind-address=127.0.0.1 --leader-elect=false \
		--service-account-private-key-file="$d/sa.key" --root-ca-file="$d/ca.crt" --use-service-account-credentials=false --controllers='*'
	start kube-scheduler "$KBIN/kube-scheduler" --kubeconfig="$kcf" --authentication-kubeconfig="$kcf" \
		--authorization-kubeconfig="$kcf" --bind-address=127.0.0.1 --leader-elect=false
}

# k8s_network: the pods' bridge with an address (kube-proxy's DNAT needs a
# next hop for the Service range), and MQHERD-K8S accepting what crosses
# the bridge (Docker's FORWARD policy is DROP and br_netfilter sends bridged
# frames through it).
k8s_network() {
	ip link add "$BRIDGE" type bridge
	ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
	iptables -N MQHERD-K8S
	iptables -A MQHERD-K8S -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
	iptables -I FORWARD 1 -j MQHERD-K8S
	mkdir -p "$W/cni/net.d"
	cat >"$W/cni/net.d/10-$CNI_NET.conflist" <<CNI
{"cniVersion": "0.4.0", "name": "$CNI_NET", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$W/cni/ipam",
            "ranges": [[{"subnet": "$POD_CIDR", "rangeStart": "10.244.0.10", "gateway": "$BRIDGE_ADDR"}]],
            "routes": [{"dst": "$SVC_CIDR", "gw": "$BRIDGE_ADDR"}]}}]}
CNI
}

k8s_containerd() {
	local c=$W/ctrd
	mkdir -p "$c"
	cat >"$c/config.toml" <<TOML
version = 2
root = "$c/root"
state = "$c/state"
oom_score = 0
[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_selinux = false
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$W/cni/net.d"
TOML
	start containerd containerd --config "$c/config.toml"
	wait_for containerd 30 ctr -a "$c/containerd.sock" version || return 1
}

# k8s_images TAR: imports a docker save archive into the private containerd.
k8s_images() {
	ctr -a "$W/ctrd/containerd.sock" -n k8s.io images import "$1" >/dev/null
}

k8s_kubelet() {
	mkdir -p "$W/kubelet"
	cat >"$W/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$W/ctrd/containerd.sock
imageServiceEndpoint: unix://$W/ctrd/containerd.sock
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
	start kubelet "$KBIN/kubelet" --config="$W/kubelet/config.yaml" --kubeconfig="$W/kubeconfig" \
		--hostname-override=localhost --root-dir="$W/kubelet/root" --cert-dir="$W/kubelet/pki"
	cat >"$W/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$W/kubeconfig"}
hostnameOverride: localhost
mode: iptables
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
iptables: {masqueradeAll: true, localhostNodePorts: false}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
nodePortAddresses: ["127.0.0.1/32"]
YAML
	start kube-proxy "$KBIN/kube-proxy" --config="$W/kube-proxy.yaml"
	wait_for "node localhost Ready" 120 sh -c "kubectl --kubeconfig '$W/kubeconfig' get node localhost -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True" || return 1
	# The default ServiceAccount must exist before pods are admitted.
	wait_for "default ServiceAccount" 60 kc get serviceaccount default
}

k8s_up() {
	mkdir -p "$W/logs"
	: >"$W/pids"
	ls /var/run/netns 2>/dev/null | sort >"$W/netns.before" || true
	[ -e /var/lib/cni ] && touch "$W/varlibcni.before"
	[ -e /var/run/netns ] && touch "$W/netns.dir.before"
	[ -e /run/containerd/runc/k8s.io ] && touch "$W/runc.k8s.before"
	k8s_certs
	k8s_control_plane || return 1
	k8s_network
	k8s_containerd || return 1
}

# pid_of NAME: the recorded PID of NAME.
pid_of() { awk -v n="$1" '$1 == n {print $2}' "$W/pids" 2>/dev/null | tail -1; }

# stop NAME: SIGTERM to its PID, SIGKILL after 15 s.
stop_pid() {
	local pid
	pid=$(pid_of "$1")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.5
	done
	kill -9 "$pid" 2>/dev/null || true
}

# our_pids: processes whose command line names $W (containerd's shims and
# the containers they run), by PID.
our_pids() {
	local p cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
		case $cmd in *"$W/"*) echo "${p#/proc/}" ;; esac
	done
}

iptables_clean() {
	local ipt t line chain
	for ipt in iptables ip6tables; do
		command -v $ipt >/dev/null || continue
		for t in filter nat mangle; do
			# jumps from the built-in chains into ours
			$ipt -t $t -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE-|MQHERD-K8S)' |
				while read -r line; do
					# eval: the rule's --comment "..." holds spaces inside quotes
					eval "$ipt -t $t ${line/-A/-D}" 2>/dev/null || true
				done
			for chain in $($ipt -t $t -S 2>/dev/null | awk '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 == "MQHERD-K8S") {print $2}'); do
				$ipt -t $t -F "$chain" 2>/dev/null || true
			done
			for chain in $($ipt -t $t -S 2>/dev/null | awk '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 == "MQHERD-K8S") {print $2}'); do
				$ipt -t $t -X "$chain" 2>/dev/null || true
			done
		done
	done
}

k8s_down() {
	local c=$W/ctrd sock=$W/ctrd/containerd.sock id t m n cg
	set +e
	if [ -n "$(pid_of kube-apiserver)" ] && kc get --raw /readyz >/dev/null 2>&1; then
		kc delete jobs,deployments,pods --all --wait=false --grace-period=5 >/dev/null 2>&1
		wait_for "pods gone" 60 sh -c "[ -z \"\$(kubectl --kubeconfig '$W/kubeconfig' get pods -o name 2>/dev/null)\" ]"
	fi
	stop_pid kube-proxy
	stop_pid kubelet
	if [ -S "$sock" ]; then
		for id in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
			ctr -a "$sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1
		done
		sleep 1
		for id in $(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
			ctr -a "$sock" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1
		done
		for id in $(ctr -a "$sock" -n k8s.io containers ls -q 2>/dev/null); do
			ctr -a "$sock" -n k8s.io containers rm "$id" >/dev/null 2>&1
		done
	fi
	stop_pid kube-scheduler
	stop_pid kube-controller-manager
	stop_pid kube-apiserver
	stop_pid containerd
	stop_pid etcd
	for pid in $(our_pids); do kill -9 "$pid" 2>/dev/null; done
	# mounts under $W (overlay rootfs, shm, secret tmpfs, the kubelet's
	# bind of its root dir), deepest first
	for t in 1 2 3; do
		for m in $(awk -v w="$W/" 'index($2, w) == 1 || $2 == substr(w, 1, length(w) - 1) {print $2}' /proc/mounts | sort -r); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
	done
	# network namespaces containerd made and did not remove
	for n in $(ls /var/run/netns 2>/dev/null | sort | comm -13 "$W/netns.before" - 2>/dev/null); do
		case $n in cni-*) ip netns delete "$n" 2>/dev/null ;; esac
	done
	ip link del "$BRIDGE" 2>/dev/null
	iptables_clean
	# kubepods cgroups (v1: one tree per controller), bottom-up
	for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf /var/lib/cni/networks/$CNI_NET /var/lib/cni/results/$CNI_NET-* 2>/dev/null
	[ -e "$W/varlibcni.before" ] || rm -rf /var/lib/cni
	[ -e "$W/netns.dir.before" ] || rmdir /var/run/netns 2>/dev/null
	[ -e "$W/runc.k8s.before" ] || rmdir /run/containerd/runc/k8s.io 2>/dev/null
	set -e
}

# k8s_leftovers: prints what of the cluster is still on the host; empty
# when k8s_down undid everything.
k8s_leftovers() {
	local pid
	while read -r name pid; do
		kill -0 "$pid" 2>/dev/null && echo "process $name ($pid) still running"
	done <"$W/pids"
	our_pids | sed 's/^/process still running: /'
	ip -o link show "$BRIDGE" 2>/dev/null | sed 's/^/link: /'
	{ iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -E 'KUBE|MQHERD-K8S' | sed 's/^/iptables: /'
	grep -E "$W|kubelet" /proc/mounts | sed 's/^/mount: /'
	ls -d /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods 2>/dev/null | sed 's/^/cgroup: /'
	ls -d /var/lib/cni/networks/$CNI_NET 2>/dev/null | sed 's/^/cni: /'
	return 0
}
