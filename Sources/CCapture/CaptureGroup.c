// The capture kernel's group step (CCapture.h): one body, compiled three times.
#include "CCapture.h"

#include <string.h>

// Every multiply and add is rounded on its own, as in the Swift reference; a contraction into
// a fused multiply-add (allowed by default where the target has FMA) would change the sums.
#pragma clang fp contract(off)
// The helpers below take and return 256- and 512-bit vectors; they are always inlined, so the
// calling convention the warning is about is never used.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef double d8 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) f8 load_f8(const float *p) {
    f8 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) d8 load_d8(const double *p) {
    d8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/// `x` where `mask` is set, else `y`.
static inline __attribute__((always_inline)) f8 select_f8(i8 mask, f8 x, f8 y) {
    return (f8)(((i8)x & mask) | ((i8)y & ~mask));
}

/// HistogramBins.index(of:) of each lane (Sources/Store/LayerStatistics.swift), from the bit
/// patterns: the magnitude clamped to [2^minExponent − one step, 2^maxExponent] gives k, taken
/// up from the zero bin for x ≥ 0 and down for x < 0 (the sign bit).
typedef struct { int32_t shift, floor, ceiling, zeroBin; } binning;

static inline __attribute__((always_inline)) binning binning_of(const neurodex_capture_batch *b) {
    binning r;
    r.shift = 23 - b->subdivisionBits;
    r.floor = ((int32_t)(127 + b->minExponent) << 23) - (1 << r.shift);
    r.ceiling = (int32_t)(127 + b->maxExponent) << 23;
    r.zeroBin = b->zeroBin;
    return r;
}

static inline __attribute__((always_inline)) i8 bin_indices(binning c, f8 v) {
    const i8 bits = (i8)v;
    i8 magnitude = bits & 0x7fffffff;
    const i8 below = magnitude < c.floor, above = magnitude > c.ceiling;
    magnitude = (magnitude & ~below) | ((i8){} + c.floor & below);
    magnitude = (magnitude & ~above) | ((i8){} + c.ceiling & above);
    const i8 k = (magnitude - c.floor) >> c.shift;
    const i8 negative = bits >> 31;  // −1 where the sign bit is set
    return c.zeroBin + ((k ^ negative) - negative);
}

static inline __attribute__((always_inline)) long
capture_group(const neurodex_capture_batch *b, long j0, const neurodex_capture_group_state *s,
              int32_t *candidates, uint8_t *lanes) {
    enum { L = NEURODEX_CAPTURE_LANES };
    // Rows ahead to prefetch: enough to cover a memory latency at this loop's speed (32 ran
    // 1.5-2x faster than 16 and than 64 in `neurodex-bench capture` on a Zen 4).
    enum { prefetchDistance = 32 };
    const float *act = b->activations + j0;
    const long n = b->neurons, count = b->countedCount;
    const long *counted = b->counted;
    const d8 shift = load_d8(s->shift);
    d8 sum1 = {}, sum2 = {}, sum3 = {}, sum4 = {};
    f8 minimum = load_f8(s->minimum), maximum = load_f8(s->maximum);
    i8 positives = {};
    const binning binning = binning_of(b);
    const i8 laneRows = (i8){0, 1, 2, 3, 4, 5, 6, 7} * b->binCount;
    const f8 top = load_f8(s->topThreshold);
    const int hasBottom = s->bottomThreshold != 0;
    const f8 bottom = hasBottom ? load_f8(s->bottomThreshold) : (f8){};
    uint32_t *histogram = s->histogram;
    long found = 0;
    for (long i = 0; i < count; i++) {
        // The lanes of each row are a row apart (`neurons` floats): a stride the hardware does
        // not prefetch.
        if (i + prefetchDistance < count) __builtin_prefetch(act + counted[i + prefetchDistance] * n, 0, 3);
        const f8 v = load_f8(act + counted[i] * n);
        const d8 d = __builtin_convertvector(v, d8) - shift, d2 = d * d;
        sum1 += d; sum2 += d2; sum3 += d2 * d; sum4 += d2 * d2;
        minimum = select_f8(v < minimum, v, minimum);   // Swift.min(minimum, v)
        maximum = select_f8(v >= maximum, v, maximum);  // Swift.max(maximum, v)
        positives -= (i8)(v > 0);                       // a true lane is −1
        const i8 bin = laneRows + bin_indices(binning, v);
        for (int lane = 0; lane < L; lane++) histogram[bin[lane]] += 1;
        i8 pass = v > top;
        if (hasBottom) pass |= -v > bottom;
        if (__builtin_reduce_or(pass)) {  // rare once the heaps are full
            unsigned mask = 0;
            for (int lane = 0; lane < L; lane++) mask |= (unsigned)(pass[lane] & 1) << lane;
            candidates[found] = (int32_t)i;
            lanes[found] = (uint8_t)mask;
            found++;
        }
    }
    memcpy(s->sum1, &sum1, sizeof sum1); memcpy(s->sum2, &sum2, sizeof sum2);
    memcpy(s->sum3, &sum3, sizeof sum3); memcpy(s->sum4, &sum4, sizeof sum4);
    memcpy(s->minimum, &minimum, sizeof minimum); memcpy(s->maximum, &maximum, sizeof maximum);
    for (int lane = 0; lane < L; lane++) s->positives[lane] += (uint64_t)positives[lane];
    return found;
}

// The one body, compiled for each instruction set.
#define CAPTURE_VARIANT(name, attributes)                                                                  \
    attributes static long name(const neurodex_capture_batch *b, long j0, const neurodex_capture_group_state *s, \
                                int32_t *candidates, uint8_t *lanes) {                                      \
        return capture_group(b, j0, s, candidates, lanes);                                                 \
    }

CAPTURE_VARIANT(capture_baseline, )
#if defined(__x86_64__)
CAPTURE_VARIANT(capture_avx2, __attribute__((target("avx2"))))
CAPTURE_VARIANT(capture_avx512, __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw"))))
#endif

long neurodex_capture_group(int isa, const neurodex_capture_batch *batch, long firstNeuron,
                            const neurodex_capture_group_state *state, int32_t *candidates, uint8_t *lanes) {
#if defined(__x86_64__)
    if (isa >= NEURODEX_ISA_AVX512) return capture_avx512(batch, firstNeuron, state, candidates, lanes);
    if (isa >= NEURODEX_ISA_AVX2) return capture_avx2(batch, firstNeuron, state, candidates, lanes);
#endif
    return capture_baseline(batch, firstNeuron, state, candidates, lanes);
}
