// Which of the C kernels' instruction sets this CPU and OS support (CKernels.h).
#include "CKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// Whether the OS saves the register state in `mask` (XCR0 bits) across context switches.
static int os_saves(unsigned mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & mask) == mask;
}
#endif

int neurodex_best_isa(void) {
#if defined(__x86_64__)
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NEURODEX_ISA_BASELINE;
    const unsigned avx512 = bit_AVX512F | bit_AVX512VL | bit_AVX512DQ | bit_AVX512BW;
    if ((b & avx512) == avx512 && os_saves(0xe6)) return NEURODEX_ISA_AVX512;  // XMM, YMM, opmask, ZMM
    if ((b & bit_AVX2) && os_saves(0x6)) return NEURODEX_ISA_AVX2;             // XMM, YMM
#endif
    return NEURODEX_ISA_BASELINE;
}
