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
JS_SOURCES := $(shell find js -path js/wasm -prune -o -path js/dist -prune -o -path js/node_modules -prune -o -type f -print)
PACKAGE_VERSION = $(shell node -p "require('./js/package.json').version")
TARBALL = build/cedar-authorizer-$(PACKAGE_VERSION).tgz
CORPUS := build/corpus/corpus-tests
SHARED := ../shared

.PHONY: fuzz load help tools node-deps chromium cfn-lint build wasm pack package build-test-bench corpus test test-rust test-js test-types test-browser test-sam run bench clean

help:
	@echo "make run       set up, build, and start the local demo: API Gateway and the rides API behind the authorizer, and the test bench"
	@echo "make test      set up, build, and run every test"
	@echo "make bench     set up, build, and benchmark against the peers"
	@echo "make build     build the wasm modules and the npm package in js/"
	@echo "make package   write dist/lambda-authorizer.zip and dist/edge-viewer-request.zip (JWKS=<file> for the edge keys)"
	@echo "make fuzz      fuzz the Rust core for FUZZ_SECONDS per target (not part of make test)"
	@echo "make load      drive the demo with autocannon for LOAD_SECONDS and check every response"

# ---- set-up ---------------------------------------------------------------------------------------

tools: build/.tools-$(WASM_BINDGEN_VERSION)

build/.tools-%: Cargo.lock
	@mkdir -p build
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
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

corpus: $(CORPUS)

$(CORPUS): $(SHARED)/corpora/cedar/corpus-tests.tar.gz
	@mkdir -p build/corpus
	tar xzf $< -C build/corpus
	@touch $@

# ---- build ----------------------------------------------------------------------------------------

wasm: js/wasm/node/cedar_authorizer_bg.wasm js/wasm/runtime/cedar_authorizer_bg.wasm js/dist/web.mjs js/wasm/edge/cedar_authorizer_bg.wasm.br

pkg/node/cedar_authorizer_bg.wasm: $(RUST_SOURCES) | tools
	wasm-pack build --release --target nodejs --out-dir pkg/node --out-name cedar_authorizer --no-pack
	@touch $@

pkg/web/cedar_authorizer_bg.wasm: pkg/node/cedar_authorizer_bg.wasm
	wasm-pack build --release --target web --out-dir pkg/web --out-name cedar_authorizer --no-pack
	@touch $@

js/wasm/node/cedar_authorizer_bg.wasm: pkg/node/cedar_authorizer_bg.wasm
	@mkdir -p js/wasm/node
	cp pkg/node/cedar_authorizer.js pkg/node/cedar_authorizer_bg.wasm js/wasm/node/

js/dist/web.mjs: pkg/web/cedar_authorizer_bg.wasm js/lib/web.mjs js/lib/api.cjs js/lib/errors.cjs | node-deps
	@mkdir -p js/wasm/web js/dist
	cp pkg/web/cedar_authorizer.js pkg/web/cedar_authorizer_bg.wasm js/wasm/web/
	npx esbuild js/lib/web.mjs --bundle --format=esm --platform=browser --outfile=js/dist/web.mjs --log-level=warning
	cp pkg/web/cedar_authorizer_bg.wasm js/dist/cedar_authorizer_bg.wasm

# The runtime module for Node: compiled bundles only (no policy or schema text parsers, no validator), built
# for speed like the full one, in its own target directory. Node loads it for compiled bundles (a smaller
# module compiles sooner and takes less memory) and the full module only when something needs it.
RUNTIME_TARGET := target/runtime

pkg/runtime/cedar_authorizer_bg.wasm: $(RUST_SOURCES) | tools
	cargo build --lib --release --target wasm32-unknown-unknown --no-default-features --target-dir $(RUNTIME_TARGET)
	wasm-bindgen $(RUNTIME_TARGET)/wasm32-unknown-unknown/release/cedar_authorizer.wasm --target nodejs --out-dir pkg/runtime --out-name cedar_authorizer

js/wasm/runtime/cedar_authorizer_bg.wasm: pkg/runtime/cedar_authorizer_bg.wasm
	@mkdir -p js/wasm/runtime
	cp pkg/runtime/cedar_authorizer.js pkg/runtime/cedar_authorizer_bg.wasm js/wasm/runtime/

# The Lambda@Edge module: compiled bundles only (no policy or schema text parsers, no validator), sized
# for Lambda@Edge's 1 MB package limit: opt-level z, its own target directory (so the two builds never
# rebuild each other), wasm-opt -Oz, and brotli in the package.
EDGE_TARGET := target/edge
WASM_OPT := node_modules/.bin/wasm-opt
WASM_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue

pkg/edge/cedar_authorizer_bg.wasm: $(RUST_SOURCES) | tools node-deps
	CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build --lib --release --target wasm32-unknown-unknown --no-default-features --target-dir $(EDGE_TARGET)
	wasm-bindgen $(EDGE_TARGET)/wasm32-unknown-unknown/release/cedar_authorizer.wasm --target nodejs --out-dir pkg/edge --out-name cedar_authorizer
	$(WASM_OPT) -Oz $(WASM_FEATURES) --strip-debug --strip-producers pkg/edge/cedar_authorizer_bg.wasm -o pkg/edge/cedar_authorizer_bg.wasm

js/wasm/edge/cedar_authorizer_bg.wasm.br: pkg/edge/cedar_authorizer_bg.wasm scripts/build-edge.mjs
	node scripts/build-edge.mjs pkg/edge js/wasm/edge

# A test build that can be made to trap on demand (the `fault-injection` feature), for the fault tests.
FAULTS_TARGET := target/faults

build/faults/cedar_authorizer.js: $(RUST_SOURCES) | tools
	cargo build --lib --profile faults --target wasm32-unknown-unknown --features fault-injection --target-dir $(FAULTS_TARGET)
	wasm-bindgen $(FAULTS_TARGET)/wasm32-unknown-unknown/faults/cedar_authorizer.wasm --target nodejs --out-dir build/faults --out-name cedar_authorizer

build: wasm

# The packed tarball, installed into node_modules/ so tests import exactly what users get.
pack: $(TARBALL) | node-deps
	npm install --no-save --no-audit --no-fund --offline ./$(TARBALL) >/dev/null
	@echo "installed $(TARBALL) into node_modules/"

$(TARBALL): js/wasm/node/cedar_authorizer_bg.wasm js/wasm/runtime/cedar_authorizer_bg.wasm js/dist/web.mjs js/wasm/edge/cedar_authorizer_bg.wasm.br $(JS_SOURCES)
	@mkdir -p build
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
	node scripts/build-test-bench.mjs

# ---- run, test, bench -----------------------------------------------------------------------------

run: package build-test-bench
	node scripts/examples.mjs policies
	node scripts/demo/server.mjs

test: test-rust test-js test-types test-browser test-sam

test-rust: corpus | tools
	cargo test --all-targets -- --nocapture

test-js: pack corpus package build/faults/cedar_authorizer.js
	node --test --test-reporter=spec tests/js/

test-types: pack
	npx tsc -p tests/js/tsconfig.json

test-browser: build-test-bench chromium
	node --test --test-reporter=spec tests/browser/

test-sam: cfn-lint package
	$(CFN_LINT) examples/sam/template.yaml

bench: pack package
	node scripts/bench.mjs
	node scripts/load.mjs

# The load run alone: LOAD_SECONDS (default 60) after LOAD_WARMUP (default 20).
load: package
	node scripts/load.mjs

# Fuzzing (not part of `make test`): each target for FUZZ_SECONDS, seeded from the tests and
# ../shared/corpora. Crash inputs land in fuzz/artifacts/<target>/; copied into fuzz/regressions/<target>/
# they are replayed by `make test`.
FUZZ_SECONDS ?= 180
FUZZ_TARGETS := token bundle request routes

fuzz: build | tools
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2
	node scripts/fuzz-seeds.mjs
	@mkdir -p build/fuzz
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) > ../build/fuzz/$$t.log 2>&1 \
	    || echo "$$t: crashed, see build/fuzz/$$t.log and fuzz/artifacts/$$t/"; \
	done
	node scripts/fuzz-report.mjs

clean:
	rm -rf pkg js/wasm js/dist build dist node_modules
