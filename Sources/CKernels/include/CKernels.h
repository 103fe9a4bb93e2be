#ifndef NEURODEX_CKERNELS_H
#define NEURODEX_CKERNELS_H

#include <stdint.h>

/// Elementwise kernels in C, compiled for several instruction sets and chosen at run time.
/// Swift has no per-function target attributes, so the package's Swift code runs with baseline
/// x86-64 (SSE2) vectors; here the same operations run on AVX2 or AVX-512 where the CPU has
/// them. Every instruction set gives bit-identical results: the same IEEE operations in the
/// same order (no fused multiply-add), each lane a different value.

/// The instruction sets the C kernels are compiled for, in increasing order.
typedef enum {
    NEURODEX_ISA_BASELINE = 0,  ///< x86-64 SSE2, or the target's baseline elsewhere
    NEURODEX_ISA_AVX2 = 1,      ///< AVX2 (x86-64 only)
    NEURODEX_ISA_AVX512 = 2,    ///< AVX-512 F, VL, DQ, BW (x86-64 only)
} neurodex_isa;

/// The highest instruction set this CPU and OS support (the OS must save the wider registers).
int neurodex_best_isa(void);

/// GPT-2's gelu_new of `values[i] + bias[i]` (just `values[i]` when `bias` is NULL), in place,
/// for i in 0..<count, on `isa` (at most `neurodex_best_isa()`):
///
///     0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))
///
/// with tanh a 13/6-degree rational function on x clamped to [−9, 9] (Eigen's
/// `generic_fast_tanh_float`), evaluated as `Reference.geluNewApproximation` writes it.
void neurodex_gelu_new(int isa, float *values, long count, const float *bias);

/// Llama's SwiGLU of one row: output[i] = silu(gate_up[i]) · gate_up[width + i], with silu(x) =
/// x / (1 + e^−x) and e^x the vectorized approximation of `Kernels.exponential` (libm's expf for
/// the last width mod 8 values), as `Kernels.swiGLU` computed it in Swift. `output` [width]
/// must not overlap `gate_up` [2·width].
void neurodex_swiglu(int isa, const float *gate_up, float *output, long width);

#endif
