// Element-wise activation functions of the feed-forward block, vectorised: with the mat-muls on packed tiles, the
// scalar expf of SwiGLU was a visible share of a prefill. Same source for SSE2 and AVX2+FMA (chosen at run time);
// Engine's Ops.swiglu is the scalar reference the tests compare with.
#include "ckernels.h"
#include "vector_math.h"
#include <math.h>

#define SWIGLU_BODY                                                                                                 \
    int64_t i = 0;                                                                                                  \
    for (; i + 8 <= n; i += 8) {                                                                                    \
        const v8 g = *(const v8 *)(a + i);                                                                          \
        *(v8 *)(a + i) = g / (1.0f + EXP8(-g)) * *(const v8 *)(b + i);                                             \
    }                                                                                                               \
    for (; i < n; i++) { const float g = a[i]; a[i] = g / (1 + expf(-g)) * b[i]; }

static void swiglu_portable(float *a, const float *b, int64_t n) { SWIGLU_BODY }

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
static void swiglu_avx2(float *a, const float *b, int64_t n) { SWIGLU_BODY }
#pragma clang attribute pop
#endif

void limbic_swiglu(int level, float *a, const float *b, int64_t n) {
#if defined(__x86_64__)
    if (level >= 1 && limbic_cpu_level() >= 1) { swiglu_avx2(a, b, n); return; }
#endif
    (void)level;
    swiglu_portable(a, b, n);
}
