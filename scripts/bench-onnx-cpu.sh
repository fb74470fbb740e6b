#!/usr/bin/env bash
# Before/after CPU time of the imported ImageNet networks (issue #12), the
# engine in wasm with SIMD under Node, two builds side by side:
#
#   scripts/bench-onnx-cpu.sh BEFORE [K] [ROUNDS] [PATTERN]
#
# BEFORE is a commit; the other side is the working tree. Both are built as
# engine/onnx test binaries with this tree's bench_test.go (BEFORE's checkout
# is a temporary git worktree). Each round runs, for each benchmark of
# engine/onnx/bench_test.go and each build in turn, the benchmark once with
# -benchtime 1x and once with -benchtime Kx; the second process does exactly
# K more passes than the first (the graph is imported once per process), so
# the difference of their CPU times (user + system, /usr/bin/time) over K is
# the CPU time of one pass, import and Node's start-up cancelled out. CPU
# time rather than wall-clock time, and the smallest over the rounds: the
# machine's cores are shared, and waiting for a core, or a neighbour's cache
# traffic, only ever adds. PATTERN (an extended regular expression, default
# 'Forward$|InputGrad$': one pass each) chooses the benchmarks; the
# Integrated Gradients ones ('IG32$') run 32 passes per map, so K = 2 (the
# least that works: with K = 1 both processes run one map) is enough there.
# Needs the fixtures of `make onnx-fixtures`.
set -euo pipefail

before=${1:?usage: $0 BEFORE-COMMIT [K] [ROUNDS] [PATTERN]}
k=${2:-5}
rounds=${3:-3}
pattern=${4:-'Forward$|InputGrad$'}
root=$(cd "$(dirname "$0")/.." && pwd)
export GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.3}
export GOOS=js GOARCH=wasm GOEXPERIMENT=simd,nojsonv2
exec_wasm="$(go env GOROOT)/lib/wasm/go_js_wasm_exec"
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/before" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

git -C "$root" worktree add --detach "$tmp/before" "$before" >/dev/null 2>&1
ln -s "$root/.cache" "$tmp/before/.cache"
cp "$root/engine/onnx/bench_test.go" "$tmp/before/engine/onnx/bench_test.go"
(cd "$tmp/before/engine/onnx" && go test -c -o "$tmp/before.wasm" .)
(cd "$root/engine/onnx" && go test -c -o "$tmp/after.wasm" .)

benches=$(grep -o '^func Benchmark[A-Za-z0-9]*' "$root/engine/onnx/bench_test.go" | sed 's/^func //' | grep -E "$pattern")
cd "$root/engine/onnx" # the fixtures are found relative to the package
for r in $(seq "$rounds"); do
	for b in $benches; do
		for side in before after; do
			for n in 1 "$k"; do
				t=$({ /usr/bin/time -f '%U %S' nice -n 10 "$exec_wasm" "$tmp/$side.wasm" \
					-test.run '^$' -test.bench "^$b\$" -test.benchtime "${n}x" >/dev/null; } 2>&1 | tail -1)
				echo "$b $side $n $t" >>"$tmp/times"
			done
		done
	done
done
printf "%-40s %12s %12s %8s\n" "CPU ms per pass or map (min of $rounds rounds)" before after ratio
awk -v k="$k" '
	{ t = $4 + $5; key = $1 " " $2 " " $3; if (!(key in m) || t < m[key]) m[key] = t; names[$1] = 1 }
	END {
		for (b in names) {
			x = (m[b " before " k] - m[b " before 1"]) / k * 1000
			y = (m[b " after " k] - m[b " after 1"]) / k * 1000
			printf "%-40s %12.1f %12.1f %8.2f\n", b, x, y, y / x
		}
	}' "$tmp/times" | sort
