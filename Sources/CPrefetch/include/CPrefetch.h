#ifndef NEURODEX_CPREFETCH_H
#define NEURODEX_CPREFETCH_H

/// Asks the CPU to bring the cache line holding `address` in for reading, without waiting for
/// it (a hint: it never faults and changes no result). Swift has no prefetch of its own; the
/// capture kernel uses this to fetch the activations of rows it will read a few rows later,
/// whose stride (one row of a layer's neurons, 12-25 KB) the hardware prefetchers do not follow.
static inline void neurodex_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
