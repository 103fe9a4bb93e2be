#ifndef NEURODEX_CCAPTURE_H
#define NEURODEX_CCAPTURE_H

#include <stdint.h>

#include "CKernels.h"

/// The capture kernel's group step in C, compiled for each of CKernels' instruction sets
/// (`neurodex_isa`) and chosen at run time. Every instruction set gives bit-identical results:
/// the same IEEE operations in the same order (no fused multiply-add), lanes holding different
/// neurons.

/// Neurons per group: a group's lanes are 8 consecutive neurons.
#define NEURODEX_CAPTURE_LANES 8

/// A batch of one layer's activations and the histogram's binning.
typedef struct {
    const float *activations;   ///< [rows, neurons], row-major
    long neurons;
    const long *counted;        ///< [countedCount] the rows to fold, ascending
    long countedCount;
    int binCount, zeroBin, subdivisionBits, minExponent, maxExponent;
} neurodex_capture_batch;

/// A group's state, each pointer at its first neuron (8 neurons from there).
typedef struct {
    const double *shift;
    double *sum1, *sum2, *sum3, *sum4;  ///< overwritten with the batch's power sums of x − shift
    float *minimum, *maximum;
    uint64_t *positives;
    uint32_t *histogram;                ///< [8, binCount]
    const float *topThreshold;          ///< a row is a candidate where x > this ...
    const float *bottomThreshold;       ///< ... or −x > this (NULL: no bottom heap)
} neurodex_capture_group_state;

/// Folds every counted row of the batch into the statistics of the group of 8 neurons from
/// `firstNeuron` (power sums, extrema, positive counts, histogram), and lists the candidate
/// rows for the heaps against the thresholds as they are now: `candidates[i]` is an index into
/// `counted` and `lanes[i]` the bit mask of the lanes that pass (bit l: neuron firstNeuron + l).
/// The heaps' thresholds only rise while they take records, so offering these in order, each
/// checked against the threshold of the moment, gives the heaps that checking every row would.
/// Returns the number of candidates, at most `countedCount`.
long neurodex_capture_group(int isa /* neurodex_isa */, const neurodex_capture_batch *batch, long firstNeuron,
                            const neurodex_capture_group_state *state, int32_t *candidates, uint8_t *lanes);

#endif
