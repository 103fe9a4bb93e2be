// Llama's gated MLP activation (CKernels.h): one body, compiled three times.
#include "CKernels.h"
#include "Lanes.h"

#include <math.h>
#include <string.h>

/// e^x of each lane, `Kernels.exponential`'s operations in its order: x clamped to [−87.3, 88],
/// x = n·ln 2 + r, a degree-6 polynomial for e^r (Cephes `expf`), 2^n built in the exponent bits.
/// The constants are rounded to float as Swift rounds them (float literals through Float80,
/// `Float(d)` from a double).
static inline __attribute__((always_inline)) f16 exponential(f16 x) {
    x = clamp_f16(x, (float)-87.3L, 88.0f);
    const float shifter = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
    const f16 shifted = x * (float)1.4426950408889634L + shifter;
    const f16 n = shifted - shifter;
    f16 r = x - n * 0.693359375f;
    r = r - n * (float)-2.1219444005469058e-4L;
    f16 p = r * (float)1.9875691500e-4 + (float)1.3981999507e-3;
    p = p * r + (float)8.3334519073e-3;
    p = p * r + (float)4.1665795894e-2;
    p = p * r + (float)1.6666665459e-1;
    p = p * r + (float)5.0000001201e-1;
    p = p * (r * r) + r + 1.0f;
    const i16 exponent = (i16)shifted - 0x4B400000;
    return p * (f16)((exponent + 127) << 23);
}

/// silu(gate) · up for the first `count` lanes.
static inline __attribute__((always_inline)) void
swiglu_chunk(const float *gate, const float *up, float *output, long count) {
    f16 g = {}, u = {};
    memcpy(&g, gate, (size_t)count * sizeof(float));
    memcpy(&u, up, (size_t)count * sizeof(float));
    const f16 y = g / (1.0f + exponential(-g)) * u;
    memcpy(output, &y, (size_t)count * sizeof(float));
}

static inline __attribute__((always_inline)) void swiglu(const float *gate, float *output, long width) {
    const float *up = gate + width;
    // The vector body covers whole groups of 8, as the Swift kernel's SIMD8 did; the last
    // width mod 8 values take libm's expf, as its scalar tail did.
    const long vectorized = width / 8 * 8;
    long i = 0;
    for (; i + LANES <= vectorized; i += LANES) swiglu_chunk(gate + i, up + i, output + i, LANES);
    if (i < vectorized) swiglu_chunk(gate + i, up + i, output + i, vectorized - i);
    for (i = vectorized; i < width; i++) output[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

#define SWIGLU_VARIANT(name, attributes) \
    attributes static void name(const float *gate, float *output, long width) { swiglu(gate, output, width); }

SWIGLU_VARIANT(swiglu_baseline, )
#if defined(__x86_64__)
SWIGLU_VARIANT(swiglu_avx2, __attribute__((target("avx2"))))
SWIGLU_VARIANT(swiglu_avx512, __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw"))))
#endif

void neurodex_swiglu(int isa, const float *gate_up, float *output, long width) {
#if defined(__x86_64__)
    if (isa >= NEURODEX_ISA_AVX512) return swiglu_avx512(gate_up, output, width);
    if (isa >= NEURODEX_ISA_AVX2) return swiglu_avx2(gate_up, output, width);
#endif
    swiglu_baseline(gate_up, output, width);
}
