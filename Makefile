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

.PHONY: help tools node-deps build wasm pack corpus test test-rust test-js test-types run bench clean

help:
	@echo "make run     set up, build, and run the example requests of every store in policies/"
	@echo "make test    set up, build, and run every test (Rust, conformance, JS package, types)"
	@echo "make bench   set up, build, and benchmark against @cedar-policy/cedar-wasm"
	@echo "make build   build the wasm module and the npm package in js/"

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

corpus: $(CORPUS)

$(CORPUS): $(SHARED)/corpora/cedar/corpus-tests.tar.gz
	@mkdir -p build/corpus
	tar xzf $< -C build/corpus
	@touch $@

# ---- build ----------------------------------------------------------------------------------------

wasm: js/wasm/node/cedar_authorizer_bg.wasm js/dist/web.mjs

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

build: wasm

# The packed tarball, installed into node_modules/ so tests import exactly what users get.
pack: $(TARBALL) | node-deps
	npm install --no-save --no-audit --no-fund --offline ./$(TARBALL) >/dev/null
	@echo "installed $(TARBALL) into node_modules/"

$(TARBALL): js/wasm/node/cedar_authorizer_bg.wasm js/dist/web.mjs $(JS_SOURCES)
	@mkdir -p build
	rm -f build/cedar-authorizer-*.tgz
	cd js && npm pack --pack-destination ../build --silent >/dev/null
	@echo "packed $(TARBALL)"

# ---- run, test, bench -----------------------------------------------------------------------------

run: build
	node scripts/examples.mjs policies

test: test-rust test-js test-types

test-rust: corpus | tools
	cargo test --all-targets -- --nocapture

test-js: pack corpus
	node --test --test-reporter=spec tests/js/

test-types: pack
	npx tsc -p tests/js/tsconfig.json

bench: pack
	node scripts/bench.mjs

clean:
	rm -rf pkg js/wasm js/dist build node_modules
