#include <string.h>

#include "gog/gog.h"
#include "test_util.h"

int main(void) {
    int32_t best = gog_cpu_best_isa();
    CHECK(best >= GOG_ISA_SCALAR && best <= GOG_ISA_AVX512_BF16);
    CHECK(gog_cpu_supports(GOG_ISA_SCALAR));
    CHECK(gog_cpu_supports(best));
    CHECK(!gog_cpu_supports(best + 1));
    CHECK(!gog_cpu_supports(GOG_ISA_AUTO));
    CHECK(gog_cpu_default_isa() <= best);
    CHECK(strcmp(gog_isa_name(GOG_ISA_AVX512_BF16), "avx512bf16") == 0);
    CHECK(strcmp(gog_isa_name(99), "unknown") == 0);
    CHECK(gog_abi_version() == GOG_ABI_VERSION);
    CHECK(strlen(gog_version()) > 0);
    printf("best ISA on this machine: %s\n", gog_isa_name(best));
    TEST_EXIT();
}
