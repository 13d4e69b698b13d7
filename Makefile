# Orca's build. Tools and control-plane binaries are built from the Go module proxy once and cached,
# keyed by version, under $(ORCA_CACHE) so every clone on the machine reuses them.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ORCA_CACHE ?= $(HOME)/.cache/orca
export ORCA_CACHE
CONTROLLER_GEN_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
CONTROLLER_GEN ?= $(ORCA_CACHE)/tools/controller-gen-$(CONTROLLER_GEN_VERSION)/controller-gen
GOLANGCI_LINT ?= $(ORCA_CACHE)/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
FUZZTIME ?= 10s
GO_TEST_FLAGS ?= -count=1 -timeout=25m

$(CONTROLLER_GEN):
	GOBIN=$(dir $@) GOFLAGS= go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

$(GOLANGCI_LINT):
	GOBIN=$(dir $@) GOFLAGS= go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code from the API types.
	$(CONTROLLER_GEN) object:headerFile=/dev/null paths=./api/...

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs and RBAC from markers.
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=orca-manager paths=./controllers/... output:rbac:artifacts:config=config/rbac
	go run ./hack/apidocs config/crd/bases docs/api-reference.md
	go run ./hack/charts

.PHONY: check-generated
check-generated: ## Fail when generated files are stale (they are regenerated in place).
	hack/check-generated.sh

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/orca-operator/orca/internal/version.Version=$(VERSION)
IMAGE ?= ghcr.io/orca-operator/orca:$(VERSION)

.PHONY: build
build: ## Build bin/orca and the kubectl plugin bin/kubectl-orca.
	go build -trimpath -ldflags "$(LDFLAGS)" -o bin/orca ./cmd/orca
	go build -trimpath -o bin/kubectl-orca ./cmd/kubectl-orca

.PHONY: image
image: ## Write Orca's OCI image as bin/orca-image.tar without a daemon (load it with docker/podman load -i).
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w $(LDFLAGS)" -o bin/linux-amd64/orca ./cmd/orca
	go run ./hack/image -binary bin/linux-amd64/orca -out bin/orca-image.tar -tag $(IMAGE) -version $(VERSION) \
		-revision $$(git rev-parse HEAD 2>/dev/null || true)

.PHONY: fmt-check
fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet:
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with the repository's .golangci.yml.
	$(GOLANGCI_LINT) run --allow-parallel-runners ./...

.PHONY: test-deps
test-deps: $(CONTROLLER_GEN) $(GOLANGCI_LINT) ## Install everything the tests need (Debian peers, npm peers, control plane).
	hack/peers.sh
	hack/npm.sh
	hack/versitygw.sh >/dev/null
	hack/helm.sh
	hack/controlplane.sh all >/dev/null

.PHONY: unit
unit: ## Run the Go tests (needs test-deps).
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh envtest) go test $(GO_TEST_FLAGS) ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each.
	FUZZTIME=$(FUZZTIME) hack/fuzz.sh

.PHONY: test
test: test-deps check-generated fmt-check vet lint unit test-playground-backup fuzz ## Everything CI runs, from a fresh machine.

.PHONY: e2e
e2e: test-deps ## End-to-end suites on a kwok-simulated cluster with simulated MySQL members.
	ORCA_CONTROLPLANE_DIR=$$(hack/controlplane.sh all) go test $(GO_TEST_FLAGS) ./test/e2e/...

.PHONY: playground
playground: build ## Start a local control plane with simulated nodes and members, and run Orca against it.
	go build -trimpath -o bin/simworld ./test/simworld/cmd/simworld
	hack/peers.sh
	hack/controlplane.sh all >/dev/null
	go run ./test/playground up

.PHONY: playground-down
playground-down: ## Stop everything the playground started.
	go run ./test/playground down

.PHONY: test-playground-backup
test-playground-backup: build ## The whole playground up (its fixed ports) until config/samples' MySQLBackup is Succeeded and Verified (about 90 s; part of make test, after unit, which has the ports free).
	go build -trimpath -o bin/simworld ./test/simworld/cmd/simworld
	hack/peers.sh
	hack/controlplane.sh all >/dev/null
	go test -count=1 -timeout=20m -tags playgroundbackup ./test/playground -run TestSampleBackupVerifiesInThePlayground

.PHONY: test-migrate-kills
test-migrate-kills: ## The built-in migration runner killed at random statements 100 times on MariaDB: each statement applied once.
	hack/peers.sh
	ORCA_MIGRATE_KILLS=100 KUBEBUILDER_ASSETS=$$(hack/controlplane.sh envtest) go test -count=1 -timeout=30m \
		./migrate -run TestRunnerKilledAtRandomStatements -v

.PHONY: bench
bench: bench-xprotocol bench-failover bench-hooks ## Every benchmark (each prints its figures beside its target).

.PHONY: bench-xprotocol
bench-xprotocol: ## X Protocol ping/decode/prober figures beside go-sql-driver on MariaDB.
	hack/peers.sh
	go run ./xprotocol/internal/benchcmp

.PHONY: bench-router
bench-router: ## orca router beside HAProxy 2.6 and direct on a real MariaDB (sysbench, 3 rounds), and 5,000 idle connections (docs/router.md).
	hack/peers.sh
	go run ./router/internal/benchrouter

.PHONY: bench-dns
bench-dns: ## dnsperf against Orca's DNS server beside BIND 9 and Knot with the same records; role-change freshness and RFC 2136 flips on BIND (docs/dns.md).
	hack/peers.sh
	go test -count=1 -timeout=10m ./dnssrv -run '^$$' -bench DNSPeers -benchtime 1x

.PHONY: bench-backup
bench-backup: ## orca backup to S3 (versitygw) and orca restore beside mydumper/myloader on a real MariaDB with sysbench data, at 256 MB and 1 GB: MB/s, ratios, peak RSS, local disk written (docs/benchmarks.md).
	hack/peers.sh
	hack/versitygw.sh >/dev/null
	go run ./backup/internal/benchbackup

.PHONY: bench-hooks
bench-hooks: ## Webhook receiver's answer (sequential, bursts of 50) and push-to-migration-Pod latency on a real kube-apiserver, beside a bare HMAC+create floor (docs/benchmarks.md).
	KUBEBUILDER_ASSETS=$$(hack/controlplane.sh envtest) go run ./hooks/internal/benchhooks

.PHONY: bench-failover
bench-failover: ## Failover at Group Replication's real timing: crash, isolate, delete the primary 10 times each; the write outage a client sees beside GR's election; then 10 crashes written through the router's RW port (docs/e2e.md).
	hack/peers.sh
	ORCA_CONTROLPLANE_DIR=$$(hack/controlplane.sh all) go test -count=1 -timeout=90m ./test/e2e -run '^$$' \
		-bench Failover -benchtime 1x

.PHONY: bench-scale
bench-scale: ## One operator (`orca operator`, its own process) for 100 clusters x 3 simulated members on the e2e harness: time to ONLINE; over 10 steady minutes API requests per cluster per minute by verb (audit log), CPU and RSS; Orca's share of a primary crash with 100 clusters and with one (docs/benchmarks.md).
	hack/peers.sh
	ORCA_CONTROLPLANE_DIR=$$(hack/controlplane.sh all) go test -count=1 -timeout=120m ./test/e2e -run '^$$' \
		-bench Scale -benchtime 1x

.PHONY: help
help:
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "%-18s %s\n", $$1, $$2}'
