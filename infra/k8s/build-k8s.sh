#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy v$K8S_VERSION from the k8s.io/kubernetes module into $1 (default
# bin/k8s), in a throwaway module next to them: mqherd's go.mod never sees a
# Kubernetes module. A second run is a cache hit in Go's build cache.
set -euo pipefail
V=${K8S_VERSION:-1.36.3}
OUT=$(mkdir -p "${1:-bin/k8s}" && cd "${1:-bin/k8s}" && pwd)
MOD=$OUT/module
mkdir -p "$MOD"
cd "$MOD"
if [ ! -f go.mod ] || ! grep -q "k8s.io/kubernetes v$V\$" go.mod; then
	gomod=$(go mod download -json "k8s.io/kubernetes@v$V" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
	{
		echo "module example.com/k8sbuild"; echo; echo "go 1.26.0"; echo
		echo "require k8s.io/kubernetes v$V"; echo; echo "replace ("
		grep -E '^\s+k8s.io/.* v0.0.0$' "$gomod" | awk -v v="v0${V#1}" '{print "\t"$1" => "$1" "v}'
		echo ")"
	} >go.mod
	cat >tools.go <<'GO'
//go:build tools

package k8sbuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
)
GO
	go mod tidy
fi
minor=$(echo "$V" | cut -d. -f2)
LD="-s -w -X k8s.io/component-base/version.gitVersion=v$V -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=v$V"
nice -n 10 go build -trimpath -ldflags="$LD" -o "$OUT/" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
