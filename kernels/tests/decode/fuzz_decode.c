/* libFuzzer entry point for gog_image_probe + gog_image_decode.
 *
 * Built only with clang and -DGOG_FUZZ=ON (see this folder's CMakeLists.txt), best together
 * with the sanitizers:
 *
 *   cmake -S kernels -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
 *         -DGOG_FUZZ=ON -DGOG_SANITIZE=ON -DGOG_BUILD_CUDA=OFF
 *   cmake --build build-fuzz --target fuzz_decode
 *   mkdir -p corpus
 *   find testdata/decode testdata/photos -name '*.jpg' -o -name '*.png' | xargs cp -t corpus
 *   ./build-fuzz/tests/decode/fuzz_decode -max_len=65536 -timeout=10 corpus/
 *
 * The last byte of the input (when there are at least two) picks the options: DCT-scaling
 * target and ignore_orientation, so that the fuzzer explores those paths too. The pixel
 * limit is lowered to 16 MP to keep each run cheap. libjpeg and libpng are the system's
 * (uninstrumented) libraries: the sanitizers watch libgog's code and the buffers it hands
 * them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gog/gog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gog_decode_options opt = {0};
    opt.max_pixels = (uint64_t)1 << 24;
    if (size >= 2) {
        const uint8_t sel = data[size - 1];
        if (sel & 1) {
            opt.target_width = 1 + (sel >> 1 & 7) * 32;
            opt.target_height = 1 + (sel >> 4 & 7) * 32;
        }
        opt.ignore_orientation = sel >> 7;
        size--;
    }
    gog_image_info info;
    if (gog_image_probe(data, size, &opt, &info) != GOG_OK) return 0;
    const size_t need = (size_t)info.width * (size_t)info.height * 3;
    uint8_t *out = (uint8_t *)malloc(need);
    if (!out) return 0;
    gog_image_info decoded;
    if (gog_image_decode(data, size, &opt, out, need, &decoded) == GOG_OK &&
        (decoded.width != info.width || decoded.height != info.height)) {
        abort(); /* probe and decode must agree: a bug for the fuzzer to report */
    }
    free(out);
    return 0;
}
