# mqherd: `make run` and `make test` work on a fresh machine with Go installed.
GO            ?= go
BIN           := bin
GOLANGCI_LINT := $(BIN)/golangci-lint
GOLANGCI_VER  := v2.15.0
RUN_ARGS      ?=

.PHONY: build run test test-short bench fuzz lint fmt vet tidy-check clean

build: ## build bin/mqherd (static, no cgo)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/mqherd ./cmd/mqherd

run: build ## the print-fleet scenario on the embedded broker: broker, coordinator, workers, summary, run directory
	$(BIN)/mqherd run $(RUN_ARGS)

test: ## every unit and end-to-end test, with the race detector; packages one at a time (timing assertions on 2 cores)
	$(GO) test -race -count=1 -p 1 ./...

test-short: ## quick tests only
	$(GO) test -short -count=1 ./...

bench: ## Go benchmarks, then the table of figures for BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./... | tee $(BIN)/bench.txt
	@sh infra/bench/table.sh $(BIN)/bench.txt

# The harness at scale (infra/bench/bench-scale.sh): K mosquittos, a
# coordinator and K worker processes holding AGENTS agents through the
# study's busy hour, then the peers (mqtt-benchmark, tsung) on the same
# brokers; one table. Not run by CI. A quick check:
# make bench-scale AGENTS=5000 K=1 DURATION=10m PEERS=mqtt-benchmark
.PHONY: bench-scale

bench-scale: ## 100,000 agents over K=6 mosquittos and workers, the busy hour at 6,000 msg/s, and the peers: one table (AGENTS, K, DURATION, PEERS)
	bash infra/bench/bench-scale.sh

# Every Fuzz* target of the repository, found by `go test -list` (a new one
# is run without touching this file), one after another; a failing input is
# written to the package's testdata/fuzz/ and the list of failures ends the
# output. Inputs found interesting are minimized for FUZZMINIMIZETIME only
# (the default, 60s, can take a short run's whole time).
FUZZTIME         ?= 10s
FUZZMINIMIZETIME ?= 1s

fuzz: ## run every Fuzz* target for FUZZTIME each (default 10s), one at a time
	@list=$$($(GO) test -list '^Fuzz' ./...) || { echo "$$list"; exit 1; }; \
	echo "$$list" | awk '/^Fuzz/ { names = names " " $$1; next } /^ok/ { n = split(names, f, " "); for (i = 1; i <= n; i++) print $$2, f[i]; names = "" }' | \
	{ failed=""; while read -r pkg name; do \
		echo "== $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg || failed="$$failed $$name($$pkg)"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz FAILED:$$failed"; exit 1; fi; }

lint: $(GOLANGCI_LINT) fmt vet tidy-check ## gofmt, go vet, golangci-lint (pinned), go mod tidy
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT):
	GOBIN=$(abspath $(BIN)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VER)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tidy-check: ## fails, printing the diff, when `go mod tidy` would change go.mod or go.sum; never modifies them
	@$(GO) mod tidy -diff || { echo >&2; echo "tidy-check FAILED: go.mod/go.sum are not tidy (diff above, files left unchanged): run 'go mod tidy' and commit" >&2; exit 1; }

clean:
	rm -rf $(BIN)

# Container image and the multi-host test (infra/container/). Needs Docker;
# nothing is pulled: the image is FROM scratch with the static binary.
MQHERD_IMAGE ?= mqherd:dev

.PHONY: image test-cluster

image: ## static bin/mqherd-static and the container image $(MQHERD_IMAGE) (FROM scratch; build context bin/image/ holds only the binary)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/mqherd-static ./cmd/mqherd
	mkdir -p $(BIN)/image && cp $(BIN)/mqherd-static $(BIN)/image/mqherd
	docker build -f infra/container/Dockerfile -t $(MQHERD_IMAGE) $(BIN)/image

test-cluster: ## broker, coordinator, 3 workers in containers: worker killed, network partition, wrong key (needs Docker, Compose, python3)
	MQHERD_IMAGE=$(MQHERD_IMAGE) bash infra/container/test-cluster.sh

# The live dashboard in a real pseudo-terminal (tmux): installs tmux if absent.
.PHONY: test-tui

test-tui: ## the dashboard of the real binary in tmux: screen shows the agents, q drains and writes the run directory (installs tmux with apt-get if absent)
	@command -v tmux >/dev/null 2>&1 || { apt-get update && apt-get install -y tmux; }
	$(GO) test -race -count=1 -run TestDashboardInTmux -v ./reports/dashboard/

# Real brokers on loopback (infra/brokers/): installs mosquitto, its clients
# and ejabberd from Debian packages if absent (services not started).
.PHONY: test-brokers

test-brokers: ## mosquitto and ejabberd from `mqherd broker-config`: cross-agent refusal, print-fleet with zero errors, then embedded and `mqherd compare` (AGENTS=300 DURATION=1h)
	bash infra/brokers/test-brokers.sh

# The AWS IoT Core flow against moto (Python, in this machine's image; pip
# install only if absent) and the embedded broker's AWS IoT emulation, all on
# 127.0.0.1. Nothing reaches AWS.
.PHONY: test-aws

test-aws: ## AWS IoT: provision (SIGINT, resume, counted through the API), status, JITP run against the emulation, CloudWatch figures, teardown, bad input (AGENTS=500); then test-fleet-aws
	bash infra/aws/test-aws.sh
	$(MAKE) test-fleet-aws

# EC2 fleets (infra/ec2fleet) without AWS: moto 5.2.1 from the image's python3.
.PHONY: test-fleet test-fleet-aws

test-fleet: ## mqherd bootstrap for real in a network namespace (root): 3 workers before their coordinator, key from SSM, print-fleet completes, fleet status/fetch (moto)
	bash infra/aws/test-fleet.sh

test-fleet-aws: ## fleet up (3 workers), status, down, refusals and dry run through the real SDK against moto on 127.0.0.1
	MQHERD_MOTO=1 $(GO) test -count=1 -v -run 'Moto' ./infra/ec2fleet/

# Kubernetes (infra/helm/mqherd, infra/k8s/): a real one-node v1.36 cluster
# on 127.0.0.1 built from the k8s.io/kubernetes module (bin/k8s, a throwaway
# module: mqherd's go.mod never sees Kubernetes), helm into bin/.
.PHONY: test-k8s

test-k8s: ## the Helm chart on a real one-node Kubernetes (root; builds k8s and helm, apt-installs etcd-server and CNI plugins): lint, key only in Secrets, server-side dry runs, a run of 3 workers with one pod deleted mid-run; undoes every host change
	MQHERD_IMAGE=$(MQHERD_IMAGE) bash infra/k8s/test-k8s.sh
