// Causal attention over the KV cache, for the query heads of one grouped-query group at one token (one head is a
// group of one): the engine's other hot loop once contexts grow (at 1,000 tokens it costs more than all the
// mat-muls of a SmolLM2 decode step) and a fifth of a Gemma 3 prefill before the blocking below. Written with clang's
// vector extensions so the same source compiles to SSE2 (baseline) and AVX2+FMA (chosen at run time); the scalar
// Swift loop in Engine (ForwardPass.attend at kernel level .scalar) and AttentionKernelTests are its references.
//
// Scores: each key row is loaded once for up to four heads, their dot products in independent chains. Values: the
// output in blocks of 16 floats per head, held in registers across every row and written once (accumulating into
// memory instead stored every output vector at every row: perf showed those stores as the kernel's hot spot).
#include "ckernels.h"
#include <math.h>
#include <string.h>

#include "vector_math.h"

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

#define GROUP_BODY                                                                                                  \
    const int64_t vecs = hd / 8;                                                                                    \
    const int64_t count = (gap0 - lo) + (n - gap1);                                                                 \
    float m[LIMBIC_MAX_GROUP];                                                                                      \
    for (int64_t h = 0; h < g; h++) m[h] = -INFINITY;                                                               \
    FOR_EACH_POSITION(kchunks, {                                                                                    \
        int64_t h = 0;                                                                                              \
        for (; !limits && h + 4 <= g; h += 4) {                                                                     \
            const float *q0 = q + h * hd; const float *q1 = q0 + hd;                                                \
            const float *q2 = q1 + hd; const float *q3 = q2 + hd;                                                   \
            v8 a0 = {0}; v8 a1 = {0}; v8 a2 = {0}; v8 a3 = {0};                                                     \
            for (int64_t e = 0; e < vecs; e++) {                                                                    \
                const v8 r = *(const v8 *)(row + 8 * e);                                                            \
                a0 += *(const v8 *)(q0 + 8 * e) * r;                                                                \
                a1 += *(const v8 *)(q1 + 8 * e) * r;                                                                \
                a2 += *(const v8 *)(q2 + 8 * e) * r;                                                                \
                a3 += *(const v8 *)(q3 + 8 * e) * r;                                                                \
            }                                                                                                       \
            float s4[4] = {0};                                                                                      \
            for (int64_t k = 0; k < 8; k++) { s4[0] += a0[k]; s4[1] += a1[k]; s4[2] += a2[k]; s4[3] += a3[k]; }     \
            for (int64_t r = vecs * 8; r < hd; r++) {                                                               \
                s4[0] += q0[r] * row[r]; s4[1] += q1[r] * row[r]; s4[2] += q2[r] * row[r]; s4[3] += q3[r] * row[r]; \
            }                                                                                                       \
            for (int64_t k = 0; k < 4; k++) {                                                                       \
                const float s = s4[k] * scale;                                                                      \
                scores[(h + k) * count + i] = s;                                                                    \
                if (s > m[h + k]) m[h + k] = s;                                                                     \
            }                                                                                                       \
        }                                                                                                           \
        for (; h < g; h++) {                                                                                        \
            const float *qh = q + h * hd;                                                                           \
            v8 a0 = {0}; v8 a1 = {0}; v8 a2 = {0}; v8 a3 = {0};   /* four chains, not one waiting on each add */    \
            int64_t e = 0;                                                                                          \
            for (; e + 4 <= vecs; e += 4) {                                                                         \
                a0 += *(const v8 *)(qh + 8 * e) * *(const v8 *)(row + 8 * e);                                      \
                a1 += *(const v8 *)(qh + 8 * e + 8) * *(const v8 *)(row + 8 * e + 8);                               \
                a2 += *(const v8 *)(qh + 8 * e + 16) * *(const v8 *)(row + 8 * e + 16);                             \
                a3 += *(const v8 *)(qh + 8 * e + 24) * *(const v8 *)(row + 8 * e + 24);                             \
            }                                                                                                       \
            for (; e < vecs; e++) a0 += *(const v8 *)(qh + 8 * e) * *(const v8 *)(row + 8 * e);                    \
            const v8 acc = (a0 + a1) + (a2 + a3);                                                                   \
            float s = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];                        \
            for (int64_t r = vecs * 8; r < hd; r++) s += qh[r] * row[r];                                            \
            s *= scale;                                                                                             \
            scores[h * count + i] = s;                                                                              \
            if (s > m[h]) m[h] = s;                                                                                 \
        }                                                                                                           \
    })                                                                                                              \
    /* Softmax, the weights normalised in place. A row with a limit (one token of a block) sees only the positions  \
       before it: its maximum, e^x and sum run over those alone, exactly as for that token on its own, and the rest \
       get weight 0. */                                                                                             \
    for (int64_t h = 0; h < g; h++) {                                                                               \
        float sum = 0;                                                                                              \
        float *sh = scores + h * count;                                                                             \
        const int64_t seen = limits && limits[h] < count ? limits[h] : count;                                       \
        if (seen < count) {                                                                                         \
            float top = -INFINITY;                                                                                  \
            for (int64_t p = 0; p < seen; p++) top = sh[p] > top ? sh[p] : top;                                     \
            m[h] = top;                                                                                             \
            for (int64_t p = seen; p < count; p++) sh[p] = 0;                                                       \
        }                                                                                                           \
        int64_t p = 0;                                                                                              \
        v8 sums = {0};                                                                                              \
        for (; p + 8 <= seen; p += 8) {                                                                             \
            const v8 e = EXP8(*(const v8 *)(sh + p) - m[h]);                                                        \
            *(v8 *)(sh + p) = e;                                                                                    \
            sums += e;                                                                                              \
        }                                                                                                           \
        for (int64_t k = 0; k < 8; k++) sum += sums[k];                                                             \
        for (; p < seen; p++) { const float e = expf(sh[p] - m[h]); sh[p] = e; sum += e; }                         \
        const float inv = 1.0f / sum;                                                                               \
        for (int64_t p = 0; p < seen; p++) sh[p] *= inv;                                                            \
    }                                                                                                               \
    if (hd % 16 == 0) {                                                                                             \
        int64_t h = 0;                                                                                              \
        while (h + 2 <= g) {                                                                                        \
            /* Four heads, or two: (block, head) accumulators stay in registers over the rows. */                  \
            const int64_t heads = g - h >= 4 ? 4 : 2;                                                               \
            const float *w0 = scores + h * count; const float *w1 = w0 + count;                                     \
            const float *w2 = heads == 4 ? w0 + 2 * count : w0; const float *w3 = heads == 4 ? w0 + 3 * count : w0; \
            for (int64_t blk = 0; blk < hd; blk += 16) {   /* not `b`: FOR_EACH_POSITION declares a and b */        \
                v8 o00 = {0}; v8 o01 = {0}; v8 o10 = {0}; v8 o11 = {0};                                             \
                v8 o20 = {0}; v8 o21 = {0}; v8 o30 = {0}; v8 o31 = {0};                                             \
                if (heads == 4) {                                                                                   \
                    FOR_EACH_POSITION(vchunks, {                                                                    \
                        const v8 r0 = *(const v8 *)(row + blk); const v8 r1 = *(const v8 *)(row + blk + 8);         \
                        o00 += w0[i] * r0; o01 += w0[i] * r1; o10 += w1[i] * r0; o11 += w1[i] * r1;                 \
                        o20 += w2[i] * r0; o21 += w2[i] * r1; o30 += w3[i] * r0; o31 += w3[i] * r1;                 \
                    })                                                                                              \
                } else {                                                                                            \
                    FOR_EACH_POSITION(vchunks, {                                                                    \
                        const v8 r0 = *(const v8 *)(row + blk); const v8 r1 = *(const v8 *)(row + blk + 8);         \
                        o00 += w0[i] * r0; o01 += w0[i] * r1; o10 += w1[i] * r0; o11 += w1[i] * r1;                 \
                    })                                                                                              \
                }                                                                                                   \
                float *o = out + h * hd + blk;                                                                      \
                *(v8 *)o = o00; *(v8 *)(o + 8) = o01; *(v8 *)(o + hd) = o10; *(v8 *)(o + hd + 8) = o11;             \
                if (heads == 4) {                                                                                   \
                    *(v8 *)(o + 2 * hd) = o20; *(v8 *)(o + 2 * hd + 8) = o21;                                       \
                    *(v8 *)(o + 3 * hd) = o30; *(v8 *)(o + 3 * hd + 8) = o31;                                       \
                }                                                                                                   \
            }                                                                                                       \
            h += heads;                                                                                             \
        }                                                                                                           \
        for (; h < g; h++) {                                                                                        \
            /* One head: blocks of 32 floats, four accumulators. */                                                 \
            const float *w0 = scores + h * count;                                                                   \
            for (int64_t blk = 0; blk < hd; blk += 32) {                                                            \
                v8 o0 = {0}; v8 o1 = {0}; v8 o2 = {0}; v8 o3 = {0};                                                 \
                const int64_t full = hd - blk >= 32;                                                                \
                FOR_EACH_POSITION(vchunks, {                                                                        \
                    o0 += w0[i] * *(const v8 *)(row + blk); o1 += w0[i] * *(const v8 *)(row + blk + 8);             \
                    if (full) { o2 += w0[i] * *(const v8 *)(row + blk + 16); o3 += w0[i] * *(const v8 *)(row + blk + 24); } \
                })                                                                                                  \
                float *o = out + h * hd + blk;                                                                      \
                *(v8 *)o = o0; *(v8 *)(o + 8) = o1;                                                                 \
                if (full) { *(v8 *)(o + 16) = o2; *(v8 *)(o + 24) = o3; }                                           \
            }                                                                                                       \
        }                                                                                                           \
    } else {                                                                                                        \
        memset(out, 0, (size_t)(g * hd) * sizeof(float));                                                          \
        FOR_EACH_POSITION(vchunks, {                                                                                \
            for (int64_t h = 0; h < g; h++) {                                                                       \
                const float w = scores[h * count + i];                                                              \
                for (int64_t e = 0; e < hd; e++) out[h * hd + e] += w * row[e];                                     \
            }                                                                                                       \
        })                                                                                                          \
    }

#define GROUP_ARGS                                                                                                  \
    const float *q, int64_t g, int64_t hd, const float *const *kchunks, const float *const *vchunks, int64_t chunk, \
    int64_t stride, int64_t offset, int64_t lo, int64_t gap0, int64_t gap1, int64_t n, float scale, float *scores,  \
    float *out, const int64_t *limits

static void attention_group_portable(GROUP_ARGS) { GROUP_BODY }

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
static void attention_group_avx2(GROUP_ARGS) { GROUP_BODY }
#pragma clang attribute pop
#endif

static void attention_rows(int level, GROUP_ARGS) {
#if defined(__x86_64__)
    if (level >= 1 && limbic_cpu_level() >= 1) {
        attention_group_avx2(q, g, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out, limits);
        return;
    }
#endif
    (void)level;
    attention_group_portable(q, g, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out, limits);
}

void limbic_attention(int level, const float *q, int64_t hd, const float *const *kchunks, const float *const *vchunks,
                      int64_t chunk, int64_t stride, int64_t offset, int64_t lo, int64_t gap0, int64_t gap1, int64_t n,
                      float scale, float *scores, float *out) {
    limbic_attention_group(level, q, 1, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out);
}

void limbic_attention_group(int level, const float *q, int64_t g, int64_t hd, const float *const *kchunks,
                            const float *const *vchunks, int64_t chunk, int64_t stride, int64_t offset, int64_t lo,
                            int64_t gap0, int64_t gap1, int64_t n, float scale, float *scores, float *out) {
    attention_rows(level, q, g, hd, kchunks, vchunks, chunk, stride, offset, lo, gap0, gap1, n, scale, scores, out, NULL);
}

void limbic_attention_block(int level, const float *q, int64_t rows, const int64_t *limits, int64_t hd,
                            const float *const *kchunks, const float *const *vchunks, int64_t chunk, int64_t stride,
                            int64_t offset, int64_t n, float scale, float *scores, float *out) {
    attention_rows(level, q, rows, hd, kchunks, vchunks, chunk, stride, offset, 0, n, n, n, scale, scores, out, limits);
}
