#!/usr/bin/env bash
# The GoG engine's test command (README: "Run the tests"); .ci/run runs exactly this.
#
# On a fresh Debian machine it installs the build packages it needs (as root, via apt-get),
# then runs the whole Maven build: CMake over kernels/, the C-level tests (CTest), the C-level
# tests again under AddressSanitizer + UBSan, the Java tests, the benchmarks' compilation,
# and finally one run of the `gog` launcher as a user would call it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

# --- system packages ---------------------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
command -v make >/dev/null || need+=(make)
command -v mvn >/dev/null || need+=(maven)
[ -f /usr/include/jpeglib.h ] || need+=(libjpeg62-turbo-dev)
[ -f /usr/include/png.h ] || need+=(libpng-dev)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${need[*]} (run as root, or install them: apt-get install ${need[*]})"
    exit 1
  fi
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- JDK 25 --------------------------------------------------------------------------------
source scripts/find-jdk.sh
export JAVA_HOME
log "JDK: $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1))"
if command -v nvcc >/dev/null; then log "nvcc found: libgog_cuda is built (its tests skip without a GPU)"; fi

# --- build and test ------------------------------------------------------------------------
mvn -B -ntp ${GOG_MVN_ARGS:-} verify

# CTest does not echo a skipped test's output: say here why the CUDA test did not run.
for cuda_test in native/target/cmake/tests/cuda/test_cuda_preprocess native/target/cmake/tests/cuda/test_cuda_encoder \
    native/target/cmake/tests/cuda/test_cuda_gaze; do
  if [ -x "$cuda_test" ]; then log "CUDA test $(basename "$cuda_test"): $("$cuda_test" 2>&1 | tail -n 1)"; fi
done

# Java tests that skipped, with the reason (the GPU tests say "no CUDA device").
skips=$(grep -ho 'TestAbortedException: Assumption failed: [^]]*' engine/target/surefire-reports/*.xml \
  bindings/target/surefire-reports/*.xml 2>/dev/null | sed 's/.*Assumption failed: //' | sort | uniq -c || true)
if [ -n "$skips" ]; then log "Java tests skipped:"; printf '%s\n' "$skips" | sed 's/^/[test]   /' >&2; fi

# --- the launcher, as a user runs it ---------------------------------------------------------
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log "smoke run: ./gog preprocess testdata/photos/sample-2.jpg --size 224 --out $out"
./gog preprocess testdata/photos/sample-2.jpg --size 224 --out "$out" > "$out/result.json"
test -s "$out/tensor.npy" && test -s "$out/crop-0.png" && grep -q '"command"' "$out/result.json"
log "smoke run: ./gog embed --model testdata/models/tiny-clip --image testdata/photos/sample-1.jpg --dense"
./gog embed --model testdata/models/tiny-clip --image testdata/photos/sample-1.jpg --dense > "$out/embed.json"
grep -q '"embedding"' "$out/embed.json" && grep -q '"patches"' "$out/embed.json"
./gog embed --model testdata/models/tiny-siglip --text "a red bicycle" --dtype bf16 > "$out/text.json"
grep -q '"embedding"' "$out/text.json"
log "smoke run: ./gog gaze --model testdata/models/tiny-clip --image testdata/photos/sample-2.jpg --question ..."
./gog gaze --model testdata/models/tiny-clip --image testdata/photos/sample-2.jpg \
  --question "What is this building dedicated to?" --jpeg-dir "$out/crops" > "$out/gaze.json"
grep -q '"decision"' "$out/gaze.json"
log "smoke run (the README's main job): ./gog index testdata/corpus ... && ./gog ask --index ... --image testdata/photos/sample-3.jpg"
./gog index testdata/corpus --model testdata/models/tiny-clip --out "$out/corpus-index" > "$out/index.json"
./gog ask --index "$out/corpus-index" --image testdata/photos/sample-3.jpg \
  --question "Who commissioned this building?" > "$out/ask.txt"
grep -q '^Answer: ' "$out/ask.txt" && grep -q 'image_search' "$out/ask.txt"
./gog ask --index "$out/corpus-index" --image testdata/photos/sample-1.jpg \
  --question "What is the country of origin of this food?" --json > "$out/ask.json"
grep -q '"outcome":"answered"' "$out/ask.json"
log "launcher OK"
