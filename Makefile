# cedar-authorizer: every target does its own set-up, idempotently, so a fresh clone needs only `make run`
# or `make test`. Tools land outside the clone (~/.cargo/bin, ~/.rustup) and are skipped when present.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
RUST_SOURCES := Cargo.toml Cargo.lock $(shell find src -name '*.rs')
JS_SOURCES := $(shell find js -path js/wasm -prune -o -path js/dist -prune -o -path js/node_modules -prune -o -path js/types -prune -o -name README.md -prune -o -name LICENSE -prune -o -type f -print)
PACKAGE_VERSION = $(shell node -p "require('./js/package.json').version")
TARBALL = build/cedar-authorizer-$(PACKAGE_VERSION).tgz
CORPUS := build/corpus/corpus-tests
SHARED := ../shared

.PHONY: lint check fuzz load help tools node-deps chromium cfn-lint moto ocsf aws-clients junit-tools build wasm pack package build-test-bench corpus test test-rust test-js test-types test-browser test-sam run bench clean

help:
	@echo "make run       set up, build, and start the local demo: API Gateway and the rides API behind the authorizer, and the test bench"
	@echo "make test      set up, build, and run every test"
	@echo "make bench     set up, build, and benchmark against the peers"
	@echo "make check     the quick check while working: formatting, lints, unit tests (Rust and JS)"
	@echo "make build     build the wasm modules and the npm package in js/"
	@echo "make package   write dist/lambda-authorizer.zip and dist/edge-viewer-request.zip (JWKS=<file> for the edge keys)"
	@echo "make fuzz      fuzz the Rust core for FUZZ_SECONDS per target (not part of make test)"
	@echo "make load      drive the demo with autocannon for LOAD_SECONDS and check every response"

# ---- set-up ---------------------------------------------------------------------------------------

tools: build/.tools-$(WASM_BINDGEN_VERSION)

build/.tools-%: Cargo.lock
	@mkdir -p build
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@if [ "$$(wasm-bindgen --version 2>/dev/null | awk '{print $$2}')" != "$(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version "$(WASM_BINDGEN_VERSION)" --force; \
	fi
	@command -v wasm-pack >/dev/null || cargo install wasm-pack --version 0.15.1
	@touch $@

node-deps: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Debian's Chromium for the browser tests (a browser download does not work here).
chromium:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# cfn-lint, pinned, in a virtualenv outside the clone.
CFN_LINT_VERSION := 1.58.0
CFN_LINT_VENV := $(HOME)/.cache/cedar-authorizer/cfn-lint-$(CFN_LINT_VERSION)
CFN_LINT := $(CFN_LINT_VENV)/bin/cfn-lint

cfn-lint: $(CFN_LINT)

$(CFN_LINT):
	python3 -m venv $(CFN_LINT_VENV)
	$(CFN_LINT_VENV)/bin/pip install -q cfn-lint==$(CFN_LINT_VERSION)

# moto's Cognito user pools, pinned, in a virtualenv outside the clone: tests/js/cognito.test.mjs takes its
# tokens from this independent implementation instead of our own minter.
MOTO_VERSION := 5.2.5
MOTO_VENV := $(HOME)/.cache/cedar-authorizer/moto-$(MOTO_VERSION)
MOTO := $(MOTO_VENV)/bin/moto_server

moto: $(MOTO)

# OCSF's own class definitions, from the official schema exports that ocsf-json-schema bundles (no network),
# pinned, in a virtualenv outside the clone: tests/js/operations.test.mjs validates the OCSF decision events.
OCSF_VERSION := 1.2.0
OCSF_VENV := $(HOME)/.cache/cedar-authorizer/ocsf-json-schema-$(OCSF_VERSION)
OCSF_PYTHON := $(OCSF_VENV)/bin/python

ocsf: $(OCSF_VENV)/.installed

$(OCSF_VENV)/.installed:
	python3 -m venv $(OCSF_VENV)
	$(OCSF_VENV)/bin/pip install -q 'ocsf-json-schema==$(OCSF_VERSION)' 'jsonschema==4.26.0'
	@touch $@

# The AWS CLI and boto3, pinned, in a virtualenv outside the clone: two of the three clients
# tests/js/endpoint.test.mjs points at the Verified Permissions endpoint (the CLI also carries the service
# model js/lib/endpoint/model.json is written from).
AWS_CLIENTS_VERSION := 1.46.3
BOTO3_VERSION := 1.44.18
AWS_CLIENTS_VENV := $(HOME)/.cache/cedar-authorizer/aws-clients-$(AWS_CLIENTS_VERSION)

aws-clients: $(AWS_CLIENTS_VENV)/.installed

$(AWS_CLIENTS_VENV)/.installed:
	python3 -m venv $(AWS_CLIENTS_VENV)
	$(AWS_CLIENTS_VENV)/bin/pip install -q 'awscli==$(AWS_CLIENTS_VERSION)' 'boto3==$(BOTO3_VERSION)'
	@touch $@

# junitparser, pinned, in a virtualenv outside the clone: an independent reader of the JUnit reports
# `cedar-authorizer test --reporter junit` writes (tests/js/coverage.test.mjs).
JUNITPARSER_VERSION := 5.0.3
JUNIT_VENV := $(HOME)/.cache/cedar-authorizer/junitparser-$(JUNITPARSER_VERSION)

junit-tools: $(JUNIT_VENV)/.installed

$(JUNIT_VENV)/.installed:
	python3 -m venv $(JUNIT_VENV)
	$(JUNIT_VENV)/bin/pip install -q 'junitparser==$(JUNITPARSER_VERSION)'
	@touch $@

$(MOTO):
	python3 -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install -q 'moto[server]==$(MOTO_VERSION)'

corpus: $(CORPUS)

$(CORPUS): $(SHARED)/corpora/cedar/corpus-tests.tar.gz
	@mkdir -p build/corpus
	tar xzf $< -C build/corpus
	@touch $@

# The test corpora are not in the clone: they sit beside it, in ../shared/corpora (Cedar's conformance
# corpus, AWS event samples, JOSE vectors, each with its source in ../shared/corpora/README.md).
$(SHARED)/corpora/cedar/corpus-tests.tar.gz:
	@echo "$@ is missing: the tests read their corpora from ../shared/corpora beside the clone" >&2
	@echo "(Cedar's conformance corpus, AWS event samples, JOSE vectors); see README.md, 'Conformance'" >&2
	@exit 1

# ---- build ----------------------------------------------------------------------------------------

# The wasm modules, one wasm-pack recipe over this table: kind, cargo profile, cargo options. Each builds
# into pkg/<kind>/ (target `web`: wasm-bindgen's loader with `initSync`, driven by js/lib/node.cjs and
# js/lib/web.mjs), then scripts/build/wasm.mjs turns it into what the package loads (js/wasm/<kind>/).
#   full     everything: building and checking stores, text and compiled bundles (Node and the browser);
#            for speed, as the runtime module
#   runtime  compiled bundles only: no policy or schema text parsers, no validator; for speed: opt-level 3,
#            wasm-opt -Os (Node, Lambda)
#   edge     compiled bundles only, for size: opt-level z, wasm-opt -Oz, brotli (Lambda@Edge)
#   faults   a test build that traps on demand (`fault-injection`), into build/faults/
WASM_full    := full
WASM_runtime := runtime --no-default-features
WASM_edge    := edge --no-default-features
WASM_faults  := faults --features fault-injection

.PRECIOUS: pkg/%/cedar_authorizer_bg.wasm

pkg/%/cedar_authorizer_bg.wasm: $(RUST_SOURCES) | tools
	wasm-pack build --target web --no-pack --no-opt --out-dir pkg/$* --out-name cedar_authorizer \
	  --profile $(firstword $(WASM_$*)) -- $(wordlist 2,9,$(WASM_$*))
	@touch $@

js/wasm/%/.built: pkg/%/cedar_authorizer_bg.wasm scripts/build/wasm.mjs | node-deps
	node scripts/build/wasm.mjs $*
	@touch $@

build/faults/.built: pkg/faults/cedar_authorizer_bg.wasm scripts/build/wasm.mjs | node-deps
	node scripts/build/wasm.mjs faults
	@touch $@

# The browser build: the package's API and the full module, one ES module beside its .wasm.
js/dist/web.mjs: js/wasm/full/.built $(JS_SOURCES) | node-deps
	@mkdir -p js/dist
	npx esbuild js/lib/web.mjs --bundle --format=esm --platform=browser --outfile=js/dist/web.mjs --log-level=warning
	cp js/wasm/full/cedar_authorizer_bg.wasm js/dist/cedar_authorizer_bg.wasm

wasm: js/wasm/full/.built js/wasm/runtime/.built js/wasm/edge/.built js/dist/web.mjs

build: wasm

# The packed tarball, installed into node_modules/ so tests import exactly what users get.
pack: $(TARBALL) | node-deps
	npm install --no-save --no-audit --no-fund --offline ./$(TARBALL) >/dev/null
	@echo "installed $(TARBALL) into node_modules/"

$(TARBALL): wasm README.md LICENSE $(JS_SOURCES)
	@mkdir -p build
	cp README.md LICENSE js/
	rm -f build/cedar-authorizer-*.tgz
	cd js && npm pack --pack-destination ../build --silent >/dev/null
	@echo "packed $(TARBALL)"

# ---- packages, demo ------------------------------------------------------------------------------

# The edge zip carries the identity source's keys; by default the demo issuer's (build/demo/jwks.json).
JWKS ?= build/demo/jwks.json

package: build
	@node scripts/demo/keys.mjs build/demo >/dev/null
	node js/bin/cedar-authorizer.cjs package policies/rides --jwks $(JWKS) -o dist --principal-header x-cedar-principal

build-test-bench: build
	node scripts/build/test-bench.mjs

# ---- run, test, bench -----------------------------------------------------------------------------

run: package build-test-bench
	node scripts/demo/examples.mjs policies
	node scripts/demo/server.mjs

test: lint test-rust test-js test-types test-browser test-sam

# Formatting and lints: rustfmt and clippy (the native build, and the wasm builds' two feature sets),
# prettier and eslint (all pinned in package-lock.json).
lint: node-deps | tools
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
	npx prettier --check --log-level warn .
	npx eslint .

# The quick check while working (under two minutes on a warm machine): the lints, the core's unit tests
# (every function of the wasm boundary's twin, src/ffi/, among them) and the JS unit tests.
check: lint
	cargo test --lib
	node --test tests/js/unit/

test-rust: corpus | tools
	cargo test --all-targets -- --nocapture

test-js: pack corpus package build/faults/.built moto cfn-lint ocsf aws-clients junit-tools
	MOTO_SERVER=$(MOTO) CFN_LINT=$(CFN_LINT) OCSF_PYTHON=$(OCSF_PYTHON) AWS_CLIENTS_VENV=$(AWS_CLIENTS_VENV) JUNIT_VENV=$(JUNIT_VENV) node --test --test-reporter=spec tests/js/ tests/js/unit/

test-types: pack
	npx tsc -p tests/js/tsconfig.json
	npx tsc -p tests/js/tsconfig.node10.json

test-browser: build-test-bench chromium
	node --test --test-reporter=spec tests/browser/

test-sam: cfn-lint package
	$(CFN_LINT) examples/sam/template.yaml

bench: pack package corpus
	cargo bench --bench limit -- --json build/bench-limit.json
	node scripts/bench/run.mjs
	node scripts/bench/live.mjs
	node scripts/bench/endpoint.mjs
	node scripts/bench/allowed.mjs
	node scripts/bench/load.mjs

# The load run alone (not part of `make test`): LOAD_SECONDS (default 60) after LOAD_WARMUP (default 20),
# every response checked; fails naming the check that failed.
load: package
	node scripts/bench/load.mjs

# Fuzzing (not part of `make test`): each target for FUZZ_SECONDS, seeded from the tests and
# ../shared/corpora. Crash inputs land in fuzz/artifacts/<target>/; copied into fuzz/regressions/<target>/
# they are replayed by `make test`.
FUZZ_SECONDS ?= 180
FUZZ_TARGETS := token bundle request routes

fuzz: build | tools
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2
	node scripts/fuzz/seeds.mjs
	@mkdir -p build/fuzz
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) > ../build/fuzz/$$t.log 2>&1 \
	    || echo "$$t: crashed, see build/fuzz/$$t.log and fuzz/artifacts/$$t/"; \
	done
	node scripts/fuzz/report.mjs

clean:
	rm -rf pkg js/wasm js/dist js/types/wasm.d.ts js/README.md js/LICENSE build dist node_modules
