// What the C kernels' bodies share: 16-float vectors, exact rounding, and a clamp.
#ifndef NEURODEX_CKERNELS_LANES_H
#define NEURODEX_CKERNELS_LANES_H

#include <stdint.h>

// Every multiply and add is rounded on its own, in the Swift reference's order; a contraction
// into a fused multiply-add (allowed by default where the target has FMA) would change the bits.
#pragma clang fp contract(off)
// The helpers take and return 512-bit vectors; they are always inlined, so the calling
// convention the warning is about is never used.
#pragma clang diagnostic ignored "-Wpsabi"

enum { LANES = 16 };
typedef float f16 __attribute__((vector_size(4 * LANES)));
typedef int32_t i16 __attribute__((vector_size(4 * LANES)));

/// `x` clamped to [low, high] lane by lane, as Swift's `replace(with:where:)` twice: NaN stays
/// NaN (its comparisons are false).
static inline __attribute__((always_inline)) f16 clamp_f16(f16 x, float low, float high) {
    const i16 above = x > high, below = x < low;
    x = (f16)(((i16)x & ~above) | ((i16)((f16){} + high) & above));
    return (f16)(((i16)x & ~below) | ((i16)((f16){} + low) & below));
}

#endif
