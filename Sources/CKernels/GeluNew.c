// gelu_new (CKernels.h): one body, compiled three times.
#include "CKernels.h"
#include "Lanes.h"

#include <string.h>

/// gelu_new of each lane, the operations of `Reference.geluNewApproximation` in its order. The
/// constants are rounded to float as Swift rounds them: its float literals pass through Float80
/// on x86-64, and `Float(d)` rounds a double.
static inline __attribute__((always_inline)) f16 gelu_new_lanes(f16 x) {
    const f16 inner = (float)0.7978845608028654L * (x + (float)0.044715L * (x * x * x));
    // tanh(inner), inner clamped to [−9, 9].
    const f16 t = clamp_f16(inner, -9.0f, 9.0f);
    const f16 t2 = t * t;
    f16 numerator = t2 * (float)-2.76076847742355e-16 + (float)2.00018790482477e-13;
    numerator = numerator * t2 + (float)-8.60467152213735e-11;
    numerator = numerator * t2 + (float)5.12229709037114e-08;
    numerator = numerator * t2 + (float)1.48572235717979e-05;
    numerator = numerator * t2 + (float)6.37261928875436e-04;
    numerator = numerator * t2 + (float)4.89352455891786e-03;
    numerator = numerator * t;
    f16 denominator = t2 * (float)1.19825839466702e-06 + (float)1.18534705686654e-04;
    denominator = denominator * t2 + (float)2.26843463243900e-03;
    denominator = denominator * t2 + (float)4.89352518554385e-03;
    return 0.5f * x * (1.0f + numerator / denominator);
}

/// The lanes of one vector: the first `count` values (and biases), zero past them.
static inline __attribute__((always_inline)) void
gelu_new_chunk(float *values, const float *bias, long count) {
    f16 x = {}, b = {};
    memcpy(&x, values, (size_t)count * sizeof(float));
    if (bias) {
        memcpy(&b, bias, (size_t)count * sizeof(float));
        x = x + b;
    }
    x = gelu_new_lanes(x);
    memcpy(values, &x, (size_t)count * sizeof(float));
}

static inline __attribute__((always_inline)) void gelu_new(float *values, long count, const float *bias) {
    long i = 0;
    for (; i + LANES <= count; i += LANES) gelu_new_chunk(values + i, bias ? bias + i : NULL, LANES);
    if (i < count) gelu_new_chunk(values + i, bias ? bias + i : NULL, count - i);
}

#define GELU_VARIANT(name, attributes) \
    attributes static void name(float *values, long count, const float *bias) { gelu_new(values, count, bias); }

GELU_VARIANT(gelu_new_baseline, )
#if defined(__x86_64__)
GELU_VARIANT(gelu_new_avx2, __attribute__((target("avx2"))))
GELU_VARIANT(gelu_new_avx512, __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw"))))
#endif

void neurodex_gelu_new(int isa, float *values, long count, const float *bias) {
#if defined(__x86_64__)
    if (isa >= NEURODEX_ISA_AVX512) return gelu_new_avx512(values, count, bias);
    if (isa >= NEURODEX_ISA_AVX2) return gelu_new_avx2(values, count, bias);
#endif
    gelu_new_baseline(values, count, bias);
}
