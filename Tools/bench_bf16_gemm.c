// bf16 against f32 matrix products in one BLAS library, at the shapes of the forward pass: is a
// `--precision bf16` mode worth building on this CPU? Loads the library given on the command
// line and times cblas_sgemm beside its bf16 product with f32 output: cblas_sbgemm (OpenBLAS
// built with BUILD_BFLOAT16) or cblas_gemm_bf16bf16f32 (MKL). Prints GFLOP/s for each, in turn,
// three rounds. Nothing of Neurodex uses it; it is a measurement.
//
//   gcc -O2 Tools/bench_bf16_gemm.c -o /tmp/bench_bf16_gemm -ldl
//   /tmp/bench_bf16_gemm /usr/lib/x86_64-linux-gnu/libopenblas.so.0 4160 3072 768 4
//   export MKL_THREADING_LAYER=GNU LD_PRELOAD=$(gcc -print-file-name=libgomp.so.1)   # MKL's threads
//   /tmp/bench_bf16_gemm $(python3 -c 'import sys; print(sys.prefix)')/lib/libmkl_rt.so.3 4160 3072 768 4
//
// Arguments: LIBRARY M N K REPEATS (C[M×N] = A[M×K] · B[K×N], row-major), threads from
// OPENBLAS_NUM_THREADS / MKL_NUM_THREADS (default 2).
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*bf16gemm_fn)(int, int, int, int, int, int, float, const uint16_t *, int, const uint16_t *, int,
                            float, float *, int);
typedef void (*threads_fn)(int);

enum { ROW_MAJOR = 101, NO_TRANS = 111 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// Round to nearest even, as the libraries' own conversions do.
static uint16_t to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    return (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s LIBRARY M N K REPEATS\n", argv[0]);
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW);
    if (!library) {
        fprintf(stderr, "error: %s\n", dlerror());
        return 1;
    }
    int m = atoi(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]), repeats = atoi(argv[5]);
    sgemm_fn sgemm = (sgemm_fn)dlsym(library, "cblas_sgemm");
    const char *bf16_name = "cblas_sbgemm";
    bf16gemm_fn bf16gemm = (bf16gemm_fn)dlsym(library, bf16_name);
    if (!bf16gemm) {
        bf16_name = "cblas_gemm_bf16bf16f32";
        bf16gemm = (bf16gemm_fn)dlsym(library, bf16_name);
    }
    threads_fn mkl_threads = (threads_fn)dlsym(library, "MKL_Set_Num_Threads");
    if (mkl_threads && !getenv("MKL_NUM_THREADS")) mkl_threads(2);
    if (!sgemm || m <= 0 || n <= 0 || k <= 0 || repeats <= 0) {
        fprintf(stderr, "error: no cblas_sgemm in %s, or a size is not positive\n", argv[1]);
        return 1;
    }
    float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n);
    float *c = malloc(sizeof(float) * (size_t)m * n);
    uint16_t *a16 = malloc(2 * (size_t)m * k), *b16 = malloc(2 * (size_t)k * n);
    srand(1);
    for (size_t i = 0; i < (size_t)m * k; i++) a16[i] = to_bf16(a[i] = rand() / (float)RAND_MAX - 0.5f);
    for (size_t i = 0; i < (size_t)k * n; i++) b16[i] = to_bf16(b[i] = rand() / (float)RAND_MAX - 0.5f);
    double flops = 2.0 * m * n * k * repeats / 1e9;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        for (int r = 0; r < repeats; r++) sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1, a, k, b, n, 0, c, n);
        double t1 = now();
        printf("%d×%d · %d×%d: sgemm %.1f GFLOP/s", m, k, k, n, flops / (t1 - t0));
        if (bf16gemm) {
            for (int r = 0; r < repeats; r++)
                bf16gemm(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1, a16, k, b16, n, 0, c, n);
            printf(", %s %.1f GFLOP/s", bf16_name, flops / (now() - t1));
        } else {
            printf(", no bf16 product in this library");
        }
        printf("\n");
    }
    return 0;
}
