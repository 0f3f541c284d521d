#!/usr/bin/env bash
# The load benchmark: the GoG engine under 1..256 concurrent clients against the same work done
# sequentially per request, with simulated search (300 ms) and LMM (200 ms) latency. Not part of
# the tests or CI. Writes benchmarks/target/bench/load.md (or --out FILE) and prints it.
#
#   bash scripts/bench/load.sh                                   # tiny-clip, C = 1, 16, 64, 256
#   bash scripts/bench/load.sh --duration 10 --warmup 3
#   bash scripts/bench/load.sh --model benchmarks/target/models/clip-vit-base-patch32 --dtype bf16 \
#        --tokenizer testdata/models/tiny-clip --concurrency 1,64
#
# Options: see dev.gog.bench.LoadReport (--model --dtype --threads --tokenizer --concurrency --warmup
# --duration --search-ms --lmm-ms --jitter --seed --workers --max-batch --max-wait-ms
# --overhead-requests --no-sequential --out). Set GOG_LOAD_SKIP_BUILD=1 to use the last build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/find-jdk.sh
export JAVA_HOME
jar=benchmarks/target/gog-benchmarks-0.1.0-SNAPSHOT.jar
if [ "${GOG_LOAD_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; then
  mvn -q -B -ntp -o -DskipTests -Dgog.skipAsan package -pl benchmarks -am >&2
fi
cp="$jar:benchmarks/target/lib/*"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -Dorg.slf4j.simpleLogger.log.dev.gog.runtime=warn -Dorg.slf4j.simpleLogger.log.dev.gog.gaze=warn \
  -Dorg.slf4j.simpleLogger.showDateTime=true \
  -cp "$cp" dev.gog.bench.LoadReport "$@"
