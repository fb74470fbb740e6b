# Saliency Explorer. `make run` builds everything and serves the app on
# http://127.0.0.1:8080; `make test` runs every test. See README.md.

GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec
export PATH := $(PATH):$(GOROOT)/lib/wasm

.PHONY: all test test-native test-wasm vet lab bench bench-engine

all: build

# ---- engine and server tests -------------------------------------------------

vet:
	gofmt -l . | (! grep .) || (echo "gofmt needed on the files above"; exit 1)
	$(GO) vet ./...

# Native tests of every package (the lab training test included).
test-native:
	$(GO) test -count=1 ./...

# The engine's tests again as GOOS=js GOARCH=wasm binaries run by Node, so the
# code that ships to the browser is the code that is tested. -short skips the
# multi-minute training runs, which the native suite covers.
test-wasm:
	GOOS=js GOARCH=wasm $(GO) test -count=1 -short -exec="$(WASM_EXEC)" ./engine/...

# Train every method on Crosses for 3 seeds and print the markdown table.
lab:
	$(GO) run ./engine/cmd/lab -dataset crosses -seeds 3 -json lab-crosses.json

# Engine benchmarks natively and in wasm (Node).
bench-engine:
	$(GO) test -run '^$$' -bench . -benchtime 20x ./engine/...
	GOOS=js GOARCH=wasm $(GO) test -run '^$$' -bench . -benchtime 20x -exec="$(WASM_EXEC)" ./engine/...
