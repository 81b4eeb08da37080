// Causal attention of one query head over the KV cache: the engine's other hot loop once contexts grow
// (at 1,000 tokens it costs more than all the mat-muls of a SmolLM2 decode step). Written with clang's vector
// extensions so the same source compiles to SSE2 (baseline) and AVX2+FMA (chosen at run time); the scalar Swift
// loop in Engine (ForwardPass.attend at kernel level .scalar) is the reference the tests compare with.
#include "ckernels.h"
#include <math.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32), aligned(4)));

// The positions attended are [lo, gap0) and [gap1, n): walked as two spans, each chunk by chunk (positions
// within a chunk are `stride` floats apart), their scores packed one after the other into `scores`. With an empty
// gap (gap0 = gap1 = n) this is plain causal attention, in the same order of operations as before gaps existed.
#define FOR_EACH_POSITION(chunks, body)                                                                             \
    for (int64_t span = 0, i = 0; span < 2; span++) {                                                               \
        const int64_t a = span == 0 ? lo : gap1, b = span == 0 ? gap0 : n;                                           \
        for (int64_t p0 = a; p0 < b;) {                                                                             \
            const int64_t c = p0 / chunk, j0 = p0 % chunk;                                                          \
            const int64_t len = b - p0 < chunk - j0 ? b - p0 : chunk - j0;                                          \
            const float *base = chunks[c] + offset + j0 * stride;                                                   \
            for (int64_t j = 0; j < len; j++, i++) { const float *row = base + j * stride; body }                   \
            p0 += len;                                                                                              \
        }                                                                                                           \
    }

#define ATTENTION_BODY                                                                                               \
    const int64_t vecs = hd / 8;                                                                                    \
    const int64_t count = (gap0 - lo) + (n - gap1);                                                                        \
    float m = -INFINITY;                                                                                            \
    FOR_EACH_POSITION(kchunks, {                                                                                    \
        v8 acc = {0};                                                                                               \
        for (int64_t e = 0; e < vecs; e++) acc += *(const v8 *)(q + 8 * e) * *(const v8 *)(row + 8 * e);           \
        float s = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];                            \
        for (int64_t e = vecs * 8; e < hd; e++) s += q[e] * row[e];                                                 \
        s *= scale;                                                                                                 \
        scores[i] = s;                                                                                              \
        if (s > m) m = s;                                                                                           \
    })                                                                                                              \
    float sum = 0;                                                                                                  \
    for (int64_t p = 0; p < count; p++) { float e = expf(scores[p] - m); scores[p] = e; sum += e; }                 \
    const float inv = 1.0f / sum;                                                                                   \
    memset(out, 0, (size_t)hd * sizeof(float));                                                                     \
    FOR_EACH_POSITION(vchunks, {                                                                                    \
        const float w = scores[i] * inv;                                                                            \
        for (int64_t e = 0; e < vecs; e++) *(v8 *)(out + 8 * e) += w * *(const v8 *)(row + 8 * e);                  \
        for (int64_t e = vecs * 8; e < hd; e++) out[e] += w * row[e];                                               \
    })

#define ATTENTION_ARGS                                                                                              \
    const float *q, int64_t hd, const float *const *kchunks, const float *const *vchunks, int64_t chunk,            \
    int64_t stride, int64_t offset, int64_t lo, int64_t gap0, int64_t gap1, int64_t n, float scale, float *scores, float *out

static void attention_portable(ATTENTION_ARGS) { ATTENTION_BODY }

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
static void attention_avx2(ATTENTION_ARGS) { ATTENTION_BODY }
#pragma clang attribute pop
#endif

void limbic_attention(int level, ATTENTION_ARGS) {
#if defined(__x86_64__)
    if (level >= 1 && limbic_cpu_level() >= 1) { attention_avx2(q, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out); return; }
#endif
    (void)level;
    attention_portable(q, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out);
}
