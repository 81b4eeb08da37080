// Causal attention of one query head over the KV cache: the engine's other hot loop once contexts grow
// (at 1,000 tokens it costs more than all the mat-muls of a SmolLM2 decode step). Written with clang's vector
// extensions so the same source compiles to SSE2 (baseline) and AVX2+FMA (chosen at run time); the scalar Swift
// loop in Engine (Transformer.attentionReference) is the reference the tests compare with.
#include "ckernels.h"
#include <math.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32), aligned(4)));

#define ATTENTION_BODY                                                                                               \
    const int64_t vecs = hd / 8;                                                                                    \
    float m = -INFINITY;                                                                                            \
    /* Walk the cache chunk by chunk: positions within a chunk are `stride` floats apart. */                        \
    for (int64_t c = 0, p0 = 0; p0 < n; c++, p0 += chunk) {                                                         \
        const float *base = kchunks[c] + offset;                                                                    \
        const int64_t len = n - p0 < chunk ? n - p0 : chunk;                                                        \
        for (int64_t j = 0; j < len; j++) {                                                                         \
            const float *k = base + j * stride;                                                                     \
            v8 acc = {0};                                                                                           \
            for (int64_t i = 0; i < vecs; i++) acc += *(const v8 *)(q + 8 * i) * *(const v8 *)(k + 8 * i);         \
            float s = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];                        \
            for (int64_t i = vecs * 8; i < hd; i++) s += q[i] * k[i];                                               \
            s *= scale;                                                                                             \
            scores[p0 + j] = s;                                                                                     \
            if (s > m) m = s;                                                                                       \
        }                                                                                                           \
    }                                                                                                               \
    float sum = 0;                                                                                                  \
    for (int64_t p = 0; p < n; p++) { float e = expf(scores[p] - m); scores[p] = e; sum += e; }                     \
    const float inv = 1.0f / sum;                                                                                   \
    memset(out, 0, (size_t)hd * sizeof(float));                                                                     \
    for (int64_t c = 0, p0 = 0; p0 < n; c++, p0 += chunk) {                                                         \
        const float *base = vchunks[c] + offset;                                                                    \
        const int64_t len = n - p0 < chunk ? n - p0 : chunk;                                                        \
        for (int64_t j = 0; j < len; j++) {                                                                         \
            const float *v = base + j * stride;                                                                     \
            const float w = scores[p0 + j] * inv;                                                                   \
            for (int64_t i = 0; i < vecs; i++) *(v8 *)(out + 8 * i) += w * *(const v8 *)(v + 8 * i);                \
            for (int64_t i = vecs * 8; i < hd; i++) out[i] += w * v[i];                                             \
        }                                                                                                           \
    }

#define ATTENTION_ARGS                                                                                              \
    const float *q, int64_t hd, const float *const *kchunks, const float *const *vchunks, int64_t chunk,            \
    int64_t stride, int64_t offset, int64_t n, float scale, float *scores, float *out

static void attention_portable(ATTENTION_ARGS) { ATTENTION_BODY }

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
static void attention_avx2(ATTENTION_ARGS) { ATTENTION_BODY }
#pragma clang attribute pop
#endif

void limbic_attention(int level, ATTENTION_ARGS) {
#if defined(__x86_64__)
    if (level >= 1 && limbic_cpu_level() >= 1) { attention_avx2(q, hd, kchunks, vchunks, chunk, stride, offset, n, scale, scores, out); return; }
#endif
    (void)level;
    attention_portable(q, hd, kchunks, vchunks, chunk, stride, offset, n, scale, scores, out);
}
