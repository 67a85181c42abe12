# The front door: `make help` lists every target.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

CARGO ?= cargo
# Where cargo puts the release binaries: CARGO_TARGET_DIR/release where that is set (as cargo
# does), else target/release. scripts/lib.sh and tests/test_helper.bash apply the same rule.
BIN_DIR := $(or $(CARGO_TARGET_DIR),target)/release
REPORT := $(BIN_DIR)/bench-report

# Benchmark settings: `make bench DURATION=30s CONNECTIONS=200` overrides any of them.
# The defaults are the seed's load: wrk -t4 -c100 -d10s, servers waiting 10 ms per request.
# Variants to run (variants.table lists them all, e.g. async-blocking-offload, python-sync)
VARIANTS ?= sync-server async-server async-blocking-server
# bench-python: the three Rust servers and the seed's three Python ones
RUST_AND_PYTHON = sync-server async-server async-blocking-server python-sync python-async python-async-blocking
# The one variant of bench-one
VARIANT ?= async-server
# wrk threads (never more than CONNECTIONS)
THREADS ?= 4
# wrk connections, each with one request in flight at a time
CONNECTIONS ?= 100
# Measured wrk time per variant and run
DURATION ?= 10s
# The servers' simulated downstream wait per request, in milliseconds (0: none)
DELAY_MS ?= 10
# The servers' handler threads (sync) or tokio workers (async); 1 = the seed
WORKERS ?= 1
# Measured runs per variant, interleaved
RUNS ?= 1
# wrk --timeout: well above connections x delay (1 s at the defaults); timeouts are reported
TIMEOUT ?= 10s
# Warm-up at full load before each measured run (0: none)
WARMUP ?= 1s
# One connection alone before the load (wrk -t1 -c1): the unloaded latency, hence the
# effective bound, concurrency / unloaded latency (0: none)
PRIMER ?= 1s
# What each request waits on: sleep (--delay-ms, the seed's simulated downstream call), http (a
# real call to a downstream server that waits DELAY_MS, started beside each Rust variant), or
# both (each variant both ways, side by side)
DOWNSTREAM ?= sleep
# The servers' pool of idle keep-alive connections to the downstream, and how long one is kept
DOWNSTREAM_POOL ?= 1024
DOWNSTREAM_KEEP_ALIVE_SECS ?= 15
# Where the servers and the load generator run: shared (the same cores) or split (taskset:
# the generator on the first half of the allowed cores, the servers on the rest); every target
PLACEMENT ?= shared
export PLACEMENT
# Each role on a host of its own, over ssh (bench, bench-one, bench-url's load, sweep): the
# server, the downstream (DOWNSTREAM=http) and the load generators (a comma list: the
# connections split across them, their latencies merged). Each an ssh destination; empty:
# this machine. SSH_CONFIG: an ssh config file of its own (make lab-hosts writes one).
SERVER_HOST ?=
DOWNSTREAM_HOST ?=
LOAD_HOSTS ?=
SSH_CONFIG ?=
export SERVER_HOST DOWNSTREAM_HOST LOAD_HOSTS SSH_CONFIG
# Where run folders go; each run makes a new results/<run-id>/, results/latest points to it
RESULTS_DIR ?= results
# Empty: each variant on its own port (9000, 9001, ...); N: variants on N, N+1, ...
BASE_PORT ?=
# bench-url: the server to measure (never started or stopped) and the name it gets
URL ?=
LABEL ?= url
# summary: the run to re-summarise, or a folder of plain wrk logs to summarise instead
RUN ?= $(RESULTS_DIR)/latest
LOGS ?=

# The tools each front-door target installs (as root, with apt-get) or names, all in one
# message, where it cannot: scripts/ensure-tools.sh. The tests also load every server with
# the common HTTP clients (ab, hey, h2load, wget: tests/interop.bats).
BENCH_TOOLS = wrk curl
TEST_TOOLS = bats wrk curl ab hey h2load wget python3 python3-venv $(LAB_TOOLS)
# The test hosts of make lab-hosts (tests/lab-hosts.bats, tests/hosts.bats): ssh, an sshd per
# host, namespaces and links (iproute2), CPU sets and hostnames (util-linux)
LAB_TOOLS = sshd ssh ssh-keygen ip tc unshare taskset
LINT_TOOLS = shellcheck rustfmt clippy

BENCH_FLAGS = --threads $(THREADS) --connections $(CONNECTIONS) --duration $(DURATION) \
  --delay-ms $(DELAY_MS) --workers $(WORKERS) --runs $(RUNS) --timeout $(TIMEOUT) \
  --warmup $(WARMUP) --primer $(PRIMER) --results-dir $(RESULTS_DIR) $(if $(BASE_PORT),--base-port $(BASE_PORT)) \
  --downstream $(DOWNSTREAM) --downstream-pool $(DOWNSTREAM_POOL) \
  --downstream-keep-alive-secs $(DOWNSTREAM_KEEP_ALIVE_SECS)

# Sweep settings (`make sweep`): VARIANTS, DURATION, WARMUP given on the command line apply
# too; otherwise the sweep's own defaults: the four Rust variants, 5s per point, 1s warm-up.
# Connections of the connections sweep (at DELAY_MS, 1 worker)
CONNECTIONS_LIST ?= 1 10 50 100 200 500 1000
# Delays in ms of the delay sweep (at CONNECTIONS, 1 worker)
DELAYS ?= 0 1 5 10 50
# Workers of the workers sweep (at CONNECTIONS and DELAY_MS; variants whose wait blocks a thread)
WORKERS_LIST ?= 1 2 4 8
# 1: the quick sweep for CI (fewer points, 1s each, under a minute and a half)
QUICK ?=
# $(call given,NAME): NAME's value if set on the command line or in the environment
given = $(if $(filter command line environment,$(origin $(1))),$($(1)))

SWEEP_FLAGS = --threads $(THREADS) --base-connections $(CONNECTIONS) --delay-ms $(DELAY_MS) \
  --timeout $(TIMEOUT) --primer $(PRIMER) --results-dir $(RESULTS_DIR) \
  $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(QUICK),--quick) \
  $(if $(call given,CONNECTIONS_LIST),--connections-list "$(CONNECTIONS_LIST)") \
  $(if $(call given,DELAYS),--delays "$(DELAYS)") \
  $(if $(call given,WORKERS_LIST),--workers-list "$(WORKERS_LIST)") \
  $(if $(call given,VARIANTS),--variants "$(VARIANTS)") \
  $(if $(call given,DURATION),--duration $(DURATION)) \
  $(if $(call given,WARMUP),--warmup $(WARMUP)) \
  $(if $(call given,RUNS),--runs $(RUNS)) \
  $(if $(call given,DOWNSTREAM),--downstream $(DOWNSTREAM))

# Latency settings (`make latency`): VARIANTS, DURATION, CONNECTIONS, DELAY_MS, WORKERS,
# PRIMER, TIMEOUT and QUICK apply too; DURATION only if given (the default is 5s per point).
# Offered loads as fractions of each variant's Little's-law bound
FRACTIONS ?= 0.1 0.25 0.5 0.75 0.9 1.0 1.1 1.25
# Offered loads in requests/s instead, the same for every variant (empty: FRACTIONS)
RATES ?=

LATENCY_FLAGS = --variants "$(VARIANTS)" --connections $(CONNECTIONS) --delay-ms $(DELAY_MS) \
  --workers $(WORKERS) --timeout $(TIMEOUT) --primer $(PRIMER) --results-dir $(RESULTS_DIR) \
  $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(QUICK),--quick) \
  $(if $(call given,FRACTIONS),--fractions "$(FRACTIONS)") $(if $(RATES),--rates "$(RATES)") \
  $(if $(call given,DURATION),--duration $(DURATION))

# C10k settings (`make sweep-c10k`): CONNECTIONS_LIST, VARIANTS and DURATION given on the
# command line apply too; otherwise its own defaults: 1000 2000 5000 10000 connections, the
# four Rust variants, 8s per point. THREADS, DELAY_MS, TIMEOUT, PRIMER, QUICK and BASE_PORT
# as above (BASE_PORT: variants on N, N+2, ...).
C10K_FLAGS = --threads $(THREADS) --delay-ms $(DELAY_MS) --timeout $(TIMEOUT) --primer $(PRIMER) \
  --results-dir $(RESULTS_DIR) $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(QUICK),--quick) \
  $(if $(call given,CONNECTIONS_LIST),--connections-list "$(CONNECTIONS_LIST)") \
  $(if $(call given,VARIANTS),--variants "$(VARIANTS)") \
  $(if $(call given,DURATION),--duration $(DURATION))

# Timer sweep settings (`make sweep-timer`): CONNECTIONS_LIST, DURATION, WARMUP, RUNS given on
# the command line apply too; otherwise its own defaults: 100 1000 connections, 5s per point.
# The timerfd's slacks in µs
SLACKS ?= 0 25 50 100 250 1000
TIMER_SWEEP_FLAGS = --threads $(THREADS) --delay-ms $(DELAY_MS) --timeout $(TIMEOUT) --primer $(PRIMER) \
  --results-dir $(RESULTS_DIR) $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(QUICK),--quick) \
  $(if $(call given,SLACKS),--slacks "$(SLACKS)") \
  $(if $(call given,CONNECTIONS_LIST),--connections-list "$(CONNECTIONS_LIST)") \
  $(if $(call given,DURATION),--duration $(DURATION)) \
  $(if $(call given,WARMUP),--warmup $(WARMUP)) \
  $(if $(call given,RUNS),--runs $(RUNS))

# Lab hosts (`make lab-hosts`): test hosts on this machine for the multi-host path, each a
# network namespace with its own sshd (scripts/lab-hosts.sh). How many (1 to 8)
N ?= 3
# netem delay on each host's egress, e.g. 0.25ms (a round trip between hosts: twice it; empty: none)
DELAY ?=
# One cpu list per host, e.g. "0;1;0-1", or one for all: taskset for each host's sshd and
# everything its sessions start (empty: no pinning)
CPUS ?=

##@ Help
.PHONY: help
help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m [NAME=value ...]\n"} \
	  /^[a-zA-Z0-9_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build
.PHONY: build
build: ## Build the three servers and the report program in release mode (target/release/, or CARGO_TARGET_DIR's)
	$(CARGO) build --release --workspace --locked

##@ Benchmark
.PHONY: bench
bench: build ## Run the seed's experiment with wrk on VARIANTS; report in results/latest/summary.md
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/bench.sh $(BENCH_FLAGS) --variants "$(VARIANTS)"

.PHONY: bench-python
bench-python: build ## The seed's three architectures in Rust and in Python (its servers), in one run
	scripts/ensure-tools.sh python3 python3-venv $(BENCH_TOOLS)
	baselines/python/setup.sh
	scripts/bench.sh $(BENCH_FLAGS) --variants "$(RUST_AND_PYTHON)"

.PHONY: bench-one
bench-one: build ## Bench one variant: make bench-one VARIANT=async-blocking-offload
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/bench.sh $(BENCH_FLAGS) --variants "$(VARIANT)"

.PHONY: bench-url
bench-url: ## Bench a server you run, anywhere (never started or stopped): make bench-url URL=http://host:port/
	@[[ -n "$(URL)" ]] || { echo "usage: make bench-url URL=http://host:port/ [LABEL=name]" >&2; exit 2; }
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/bench.sh $(BENCH_FLAGS) --url "$(URL)" --label "$(LABEL)"

.PHONY: sweep
sweep: build ## Sweep connections, delay and workers with charts (~7 min; QUICK=1: ~1 min); results/latest/summary.md
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/sweep.sh $(SWEEP_FLAGS)

.PHONY: latency
latency: build ## Latency against offered load, open loop with oha (~3.5 min; QUICK=1: ~1 min); results/latest/summary.md
	scripts/latency.sh $(LATENCY_FLAGS)

.PHONY: sweep-c10k
sweep-c10k: build ## 1,000 to 10,000 connections: what a connection costs, where each variant breaks (~4 min; QUICK=1: CI)
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/c10k.sh $(C10K_FLAGS)

.PHONY: sweep-timer
sweep-timer: build ## The timerfd's slack against tokio's timer: req/s, CPU and wake-ups per slack (~2 min; RUNS=3 ~5.5 min; QUICK=1: CI)
	scripts/ensure-tools.sh $(BENCH_TOOLS)
	scripts/sweep-timer.sh $(TIMER_SWEEP_FLAGS)

.PHONY: readme
readme: build ## Rewrite the README's figures and tables from the reference runs in results/reference/
	$(REPORT) readme README.md

.PHONY: summary
summary: build ## Re-summarise a run and redraw its charts (RUN=results/<run-id>) or a folder of wrk logs (LOGS=dir DELAY_MS=10)
ifneq ($(LOGS),)
	scripts/summarize-logs.sh "$(LOGS)" --delay-ms $(DELAY_MS) --workers $(WORKERS)
else
	@$(MAKE) --no-print-directory "$(RUN)/summary.md"
	@cat "$(RUN)/summary.md"
endif

# A run's summary is a real file, remade when its points or the report program change.
.SECONDEXPANSION:
$(RESULTS_DIR)/%/summary.md $(RESULTS_DIR)/%/summary.csv: $$(wildcard $(RESULTS_DIR)/%/*/numbers.txt) $(REPORT)
	$(REPORT) summarize --quiet "$(RESULTS_DIR)/$*"

.PHONY: lab-hosts
lab-hosts: ## N test hosts lab1..labN on this machine, reached by ssh (root): make lab-hosts N=3 [DELAY=0.25ms] [CPUS="0;1;0-1"]
	scripts/ensure-tools.sh $(LAB_TOOLS)
	scripts/lab-hosts.sh up --hosts $(N) $(if $(DELAY),--delay $(DELAY)) $(if $(CPUS),--cpus "$(CPUS)")

.PHONY: lab-hosts-down
lab-hosts-down: ## Stop and remove the test hosts of make lab-hosts (none up: nothing to do)
	scripts/lab-hosts.sh down

##@ Test
.PHONY: test
test: test-tools test-rust test-python test-scripts test-robustness ## Run the whole test suite (installs the tools it needs as root, or names them)

# Every tool of the whole suite at once, so that one message names all that is missing.
.PHONY: test-tools
test-tools:
	scripts/ensure-tools.sh $(TEST_TOOLS)

.PHONY: test-rust
test-rust: ## Unit and integration tests of the servers (real binaries, real sockets)
	$(CARGO) test --release --workspace --locked
	$(CARGO) test --release --locked -p tiny_http --lib

.PHONY: test-scripts
test-scripts: build ## bats tests of the harness (parsing, summaries, faults, short real runs; builds oha once) and the HTTP clients' interop
	scripts/ensure-tools.sh bats wrk curl ab hey h2load wget $(LAB_TOOLS)
	scripts/ensure-oha.sh >/dev/null
	bats --timing tests/

.PHONY: test-python
test-python: ## The Python baselines' tests (makes their venv on first use; python3-venv as root)
	baselines/python/setup.sh --dev
	baselines/python/.venv/bin/python -m pytest -q baselines/python/tests

.PHONY: test-robustness
test-robustness: build ## The battery of bad input, overload and faults against every server (~2.5 min)
	scripts/ensure-tools.sh wrk python3
	python3 tests/robustness/battery.py --bin-dir "$(BIN_DIR)"

.PHONY: lint
lint: lint-tools lint-scripts ## cargo fmt --check, clippy and cargo doc with warnings denied, shellcheck on every script
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --release --workspace --no-deps --locked

# Every shell script in the repository, bats files included.
SHELL_SCRIPTS = $(sort $(shell find scripts tests baselines .ci -type f \( -name '*.sh' -o -name '*.bash' -o -name '*.bats' \) \
  -not -path '*/.venv/*' 2>/dev/null) $(wildcard .ci/run))

.PHONY: lint-tools
lint-tools:
	scripts/ensure-tools.sh $(LINT_TOOLS)

.PHONY: lint-scripts
lint-scripts: ## shellcheck on every shell script (and bats file), a few files per core at once
	scripts/ensure-tools.sh shellcheck
	printf '%s\n' $(SHELL_SCRIPTS) | xargs -P "$$(nproc)" -n 3 shellcheck -x

.PHONY: clean
clean: ## Remove build output (keeps results/)
	$(CARGO) clean
