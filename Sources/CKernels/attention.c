// Causal attention over the KV cache, for the query heads of one grouped-query group at one token (one head is a
// group of one): the engine's other hot loop once contexts grow (at 1,000 tokens it costs more than all the
// mat-muls of a SmolLM2 decode step) and a fifth of a Gemma 3 prefill before the blocking below. Written with clang's
// vector extensions so the same source compiles to SSE2 (baseline) and AVX2+FMA (chosen at run time); the scalar
// Swift loop in Engine (ForwardPass.attend at kernel level .scalar) and AttentionKernelTests are its references.
//
// Scores: eight key rows at a time per head, reduced together (SCORES8_DEF below). Values: the
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

// Lane-wise maximum of two v8 (the scores are never NaN).
#define MAX8(a, b) ((v8)(((v8i)((b) > (a)) & (v8i)(b)) | (~(v8i)((b) > (a)) & (v8i)(a))))
// The largest lane of a v8.
#define HMAX8(a) ({ const v8 a_ = (a);                                                                              \
                    const v8 h_ = MAX8(a_, __builtin_shufflevector(a_, a_, 4, 5, 6, 7, 0, 1, 2, 3));                 \
                    const v8 q_ = MAX8(h_, __builtin_shufflevector(h_, h_, 2, 3, 0, 1, 6, 7, 4, 5));                 \
                    const v8 p_ = MAX8(q_, __builtin_shufflevector(q_, q_, 1, 0, 3, 2, 5, 4, 7, 6));                 \
                    p_[0]; })

// vhaddps: the pairwise sums of a and b within each 128-bit half, (a0+a1, a2+a3, b0+b1, b2+b3 | the same for 4-7).
#define HADD8(a, b) (__builtin_shufflevector((a), (b), 0, 2, 8, 10, 4, 6, 12, 14) +                                  \
                     __builtin_shufflevector((a), (b), 1, 3, 9, 11, 5, 7, 13, 15))

// Scores of every head against eight key rows `rp` (rows past `valid` repeat a valid one and are dropped), for
// positions i0.. of `scores`: each head's eight dot products accumulate in eight independent chains, then one
// transposing tree of pairwise adds turns the eight accumulators into one vector of eight scores (one horizontal
// sum per score cost more than its multiply-adds). Every score is made the same way whatever the head, the group
// size or the block, so a token's scores are bit for bit the same alone or in a block.
#define SCORES8_DEF(name)                                                                                           \
    static inline void name(const float *q, int64_t g, int64_t hd, const float *const *rp, int64_t valid,           \
                            int64_t i0, int64_t count, float scale, float *scores, v8 *m) {                         \
        const int64_t vecs = hd / 8;                                                                                \
        for (int64_t h = 0; h < g; h++) {                                                                           \
            const float *qh = q + h * hd;                                                                           \
            v8 a0 = {0}; v8 a1 = {0}; v8 a2 = {0}; v8 a3 = {0}; v8 a4 = {0}; v8 a5 = {0}; v8 a6 = {0}; v8 a7 = {0}; \
            for (int64_t e = 0; e < vecs; e++) {                                                                    \
                const v8 x = *(const v8 *)(qh + 8 * e);                                                             \
                a0 += x * *(const v8 *)(rp[0] + 8 * e); a1 += x * *(const v8 *)(rp[1] + 8 * e);                     \
                a2 += x * *(const v8 *)(rp[2] + 8 * e); a3 += x * *(const v8 *)(rp[3] + 8 * e);                     \
                a4 += x * *(const v8 *)(rp[4] + 8 * e); a5 += x * *(const v8 *)(rp[5] + 8 * e);                     \
                a6 += x * *(const v8 *)(rp[6] + 8 * e); a7 += x * *(const v8 *)(rp[7] + 8 * e);                     \
            }                                                                                                       \
            /* Pairwise sums within 128-bit halves (hadd), twice, then the halves added: lane j is a_j's sum. */    \
            const v8 b01 = HADD8(a0, a1); const v8 b23 = HADD8(a2, a3);                                             \
            const v8 b45 = HADD8(a4, a5); const v8 b67 = HADD8(a6, a7);                                             \
            const v8 c03 = HADD8(b01, b23); const v8 c47 = HADD8(b45, b67);                                         \
            v8 s = __builtin_shufflevector(c03, c47, 0, 1, 2, 3, 8, 9, 10, 11) +                                    \
                   __builtin_shufflevector(c03, c47, 4, 5, 6, 7, 12, 13, 14, 15);                                   \
            for (int64_t r = vecs * 8; r < hd; r++)                                                                 \
                for (int64_t j = 0; j < 8; j++) s[j] += qh[r] * rp[j][r];                                           \
            s *= scale;                                                                                             \
            float *out = scores + h * count + i0;                                                                   \
            if (valid == 8) {                                                                                       \
                *(v8 *)out = s;                                                                                     \
            } else {                                                                                                \
                for (int64_t j = 0; j < 8; j++) {                                                                   \
                    if (j < valid) out[j] = s[j]; else s[j] = -INFINITY;                                            \
                }                                                                                                   \
            }                                                                                                       \
            m[h] = MAX8(m[h], s);                                                                                   \
        }                                                                                                           \
    }


// The output of heads h..h+H-1 (H <= 2), 32 floats at a time: Σ over positions of weight × value row, each
// output float one chain of multiply-adds in position order (so the same whatever H a head is done with).
#define VALUES32(H)                                                                                                 \
    {                                                                                                               \
        const float *w[H];                                                                                          \
        for (int64_t k = 0; k < H; k++) w[k] = scores + (h + k) * count;                                            \
        for (int64_t blk = 0; blk < hd; blk += 32) {  /* not `b`: FOR_EACH_POSITION declares a and b */             \
            v8 o[H][4];                                                                                             \
            for (int64_t k = 0; k < H; k++)                                                                         \
                for (int64_t c = 0; c < 4; c++) o[k][c] = (v8){0};                                                  \
            FOR_EACH_POSITION(vchunks, {                                                                            \
                const v8 r0 = *(const v8 *)(row + blk); const v8 r1 = *(const v8 *)(row + blk + 8);                 \
                const v8 r2 = *(const v8 *)(row + blk + 16); const v8 r3 = *(const v8 *)(row + blk + 24);           \
                for (int64_t k = 0; k < H; k++) {                                                                   \
                    const float x = w[k][i];                                                                        \
                    o[k][0] += x * r0; o[k][1] += x * r1; o[k][2] += x * r2; o[k][3] += x * r3;                     \
                }                                                                                                   \
            })                                                                                                      \
            for (int64_t k = 0; k < H; k++)                                                                         \
                for (int64_t c = 0; c < 4; c++) *(v8 *)(out + (h + k) * hd + blk + 8 * c) = o[k][c];                \
        }                                                                                                           \
    }

#define GROUP_BODY(scores8)                                                                                         \
    const int64_t count = (gap0 - lo) + (n - gap1);                                                                 \
    float m[LIMBIC_MAX_GROUP];                                                                                      \
    {                                                                                                               \
        v8 mv[LIMBIC_MAX_GROUP];                                                                                    \
        for (int64_t h = 0; h < g; h++) mv[h] = (v8){0} - INFINITY;                                                 \
        const float *rp[8];                                                                                         \
        int64_t held = 0, i0 = 0;                                                                                   \
        FOR_EACH_POSITION(kchunks, {                                                                                \
            if (held == 0) i0 = i;                                                                                  \
            rp[held++] = row;                                                                                       \
            if (held == 8) { scores8(q, g, hd, rp, 8, i0, count, scale, scores, mv); held = 0; }                     \
        })                                                                                                          \
        if (held > 0) {                                                                                             \
            for (int64_t j = held; j < 8; j++) rp[j] = rp[0];                                                       \
            scores8(q, g, hd, rp, held, i0, count, scale, scores, mv);                                              \
        }                                                                                                           \
        for (int64_t h = 0; h < g; h++) m[h] = HMAX8(mv[h]);                                                        \
    }                                                                                                               \
    /* Softmax, the weights normalised in place. A row with a limit (one token of a block) sees only the positions  \
       before it: its maximum, e^x and sum run over those alone, exactly as for that token on its own, and the rest \
       get weight 0. */                                                                                             \
    for (int64_t h = 0; h < g; h++) {                                                                               \
        float sum = 0;                                                                                              \
        float *sh = scores + h * count;                                                                             \
        const int64_t seen = limits && limits[h] < count ? limits[h] : count;                                       \
        if (seen < count) {                                                                                         \
            v8 tops = (v8){0} - INFINITY;                                                                           \
            int64_t p = 0;                                                                                          \
            for (; p + 8 <= seen; p += 8) tops = MAX8(tops, *(const v8 *)(sh + p));                                 \
            float top = HMAX8(tops);                                                                                \
            for (; p < seen; p++) top = sh[p] > top ? sh[p] : top;                                                  \
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
    if (hd % 32 == 0) {                                                                                             \
        /* Two heads at a time (then one), 32 floats of each: eight accumulators in registers over the rows, each \
           value row's four vectors loaded once for both heads (three heads spill registers, no faster). */        \
        int64_t h = 0;                                                                                              \
        for (; h + 2 <= g; h += 2) VALUES32(2)                                                                      \
        if (h < g) VALUES32(1)                                                                                      \
    } else if (hd % 16 == 0) {                                                                                      \
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

SCORES8_DEF(scores8_portable)
static void attention_group_portable(GROUP_ARGS) { GROUP_BODY(scores8_portable) }

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
SCORES8_DEF(scores8_avx2)
static void attention_group_avx2(GROUP_ARGS) { GROUP_BODY(scores8_avx2) }
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
