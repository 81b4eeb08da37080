// tiles_x86.h — the AVX-512 VNNI kernels over packed K-quant tiles (layouts in pack.c). Included once by ckernels.c
// inside its VNNI target pragma. Not a public header.
//
// A call takes one tile row group (16 rows, all its blocks) against nt ≤ 8 tokens and writes 16 × nt outputs.
// Per 32 weights (Q4_K sub-block) or 16 (Q6_K group) a token's integer sums for the 16 rows are converted to float
// once and multiplied by the rows' scales; the mins (Q4_K) and the −32 offset (Q6_K) come from the token's 16-sums
// (bsums) through one vpdpwssd per pair of scales.

// The 8 k-groups of 32 weights from 4 vectors of nibbles at q (vector v: k-groups 2v and 2v + 1), with the fifth
// bits at `fifth` (bit g of each byte → bit 4 of k-group g) when it is not NULL.
static ALWAYS_INLINE void unpack_kgroups(const uint8_t *q, const uint8_t *fifth, __m512i u[8]) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m10 = _mm512_set1_epi8(0x10);
    for (int v = 0; v < 4; v++) {
        const __m512i p = _mm512_loadu_si512((const void *)(q + 64 * v));
        u[2 * v] = _mm512_and_si512(p, m4);
        u[2 * v + 1] = _mm512_and_si512(_mm512_srli_epi16(p, 4), m4);
    }
    if (!fifth) return;
    // 16-bit shifts move bits across the two bytes of a lane, but only bit 4 of each byte is kept.
    const __m512i h = _mm512_loadu_si512((const void *)fifth);
    u[0] = _mm512_or_si512(u[0], _mm512_and_si512(_mm512_slli_epi16(h, 4), m10));
    u[1] = _mm512_or_si512(u[1], _mm512_and_si512(_mm512_slli_epi16(h, 3), m10));
    u[2] = _mm512_or_si512(u[2], _mm512_and_si512(_mm512_slli_epi16(h, 2), m10));
    u[3] = _mm512_or_si512(u[3], _mm512_and_si512(_mm512_slli_epi16(h, 1), m10));
    u[4] = _mm512_or_si512(u[4], _mm512_and_si512(h, m10));
    u[5] = _mm512_or_si512(u[5], _mm512_and_si512(_mm512_srli_epi16(h, 1), m10));
    u[6] = _mm512_or_si512(u[6], _mm512_and_si512(_mm512_srli_epi16(h, 2), m10));
    u[7] = _mm512_or_si512(u[7], _mm512_and_si512(_mm512_srli_epi16(h, 3), m10));
}

// Q4_K and Q5_K (five): w = d·sc_j·u − dmin·m_j. Σ over the super-block = d·Σ_j sc_j·(u·q)_j − dmin·Σ_j m_j·bsum32_j,
// times dx.
static ALWAYS_INLINE void tile_q45k_vnni(const int five, const int nt, const uint8_t *w, const int64_t nb,
                                         const limbic_acts *x, const int64_t t0, float *out, const int64_t os) {
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m512 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t i = 0; i < nb; i++, w += five ? 2880 : 2368) {
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 2304)));
        __m512 fs[NT_MAX];
        for (int t = 0; t < nt; t++) fs[t] = _mm512_setzero_ps();
        for (int j = 0; j < 8; j++) {
            const __m512 sc = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(w + 2048 + 16 * j)))));
            __m512i u[8];
            unpack_kgroups(w + 256 * j, five ? w + 2368 + 64 * j : NULL, u);
            for (int t = 0; t < nt; t++) {
                const int8_t *a = xq[t] + 256 * i + 32 * j;
                int32_t a4; memcpy(&a4, a, 4);
                __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[0], _mm512_set1_epi32(a4));
                for (int g = 1; g < 8; g++) { memcpy(&a4, a + 4 * g, 4); s = _mm512_dpbusd_epi32(s, u[g], _mm512_set1_epi32(a4)); }
                fs[t] = _mm512_fmadd_ps(sc, _mm512_cvtepi32_ps(s), fs[t]);
            }
        }
        const __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 2336)));
        for (int t = 0; t < nt; t++) {
            __m512i ms = _mm512_setzero_si512();
            for (int j = 0; j < 8; j++) {  // (m_j, m_j) · (bsum_2j, bsum_2j+1) = m_j · bsum32_j
                __m512i m = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(w + 2176 + 16 * j)));
                m = _mm512_or_si512(m, _mm512_slli_epi32(m, 16));
                int32_t b2; memcpy(&b2, xb[t] + 16 * i + 2 * j, 4);
                ms = _mm512_dpwssd_epi32(ms, m, _mm512_set1_epi32(b2));
            }
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(xd[t][i]), _mm512_fnmadd_ps(dmin, _mm512_cvtepi32_ps(ms), fs[t]), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm512_storeu_ps(out + (t0 + t) * os, acc[t]);
}

// Q6_K: w = d·sc_g·(u − 32). Σ = d·Σ_g sc_g·(u·q)_g − 32·d·Σ_g sc_g·bsum_g, times dx.
static ALWAYS_INLINE void tile_q6k_vnni(const int nt, const uint8_t *w, const int64_t nb, const limbic_acts *x,
                                        const int64_t t0, float *out, const int64_t os) {
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m512 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    for (int64_t i = 0; i < nb; i++, w += 3360) {
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + 3328)));
        __m512 fs[NT_MAX]; __m512i cs[NT_MAX];
        for (int t = 0; t < nt; t++) { fs[t] = _mm512_setzero_ps(); cs[t] = _mm512_setzero_si512(); }
        for (int p = 0; p < 8; p++) {
            const __m512i sp = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(w + 3072 + 32 * p)));
            for (int t = 0; t < nt; t++) {
                int32_t b2; memcpy(&b2, xb[t] + 16 * i + 2 * p, 4);
                cs[t] = _mm512_dpwssd_epi32(cs[t], sp, _mm512_set1_epi32(b2));
            }
            for (int e = 0; e < 2; e++) {
                const int g = 2 * p + e;
                const __m512i s32 = e ? _mm512_srai_epi32(sp, 16) : _mm512_srai_epi32(_mm512_slli_epi32(sp, 16), 16);
                const __m512 sc = _mm512_mul_ps(d, _mm512_cvtepi32_ps(s32));
                const __m512i n0 = _mm512_loadu_si512((const void *)(w + 128 * g));
                const __m512i n1 = _mm512_loadu_si512((const void *)(w + 128 * g + 64));
                const __m512i h = _mm512_loadu_si512((const void *)(w + 2048 + 64 * g));
                __m512i u[4];
                u[0] = _mm512_or_si512(_mm512_and_si512(n0, m4), _mm512_and_si512(_mm512_slli_epi16(h, 4), m30));
                u[1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(n0, 4), m4), _mm512_and_si512(_mm512_slli_epi16(h, 2), m30));
                u[2] = _mm512_or_si512(_mm512_and_si512(n1, m4), _mm512_and_si512(h, m30));
                u[3] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(n1, 4), m4), _mm512_and_si512(_mm512_srli_epi16(h, 2), m30));
                for (int t = 0; t < nt; t++) {
                    const int8_t *a = xq[t] + 256 * i + 16 * g;
                    int32_t a4; memcpy(&a4, a, 4);
                    __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[0], _mm512_set1_epi32(a4));
                    for (int c = 1; c < 4; c++) { memcpy(&a4, a + 4 * c, 4); s = _mm512_dpbusd_epi32(s, u[c], _mm512_set1_epi32(a4)); }
                    fs[t] = _mm512_fmadd_ps(sc, _mm512_cvtepi32_ps(s), fs[t]);
                }
            }
        }
        const __m512 d32 = _mm512_mul_ps(d, _mm512_set1_ps(32.0f));
        for (int t = 0; t < nt; t++)
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(xd[t][i]), _mm512_fnmadd_ps(d32, _mm512_cvtepi32_ps(cs[t]), fs[t]), acc[t]);
    }
    for (int t = 0; t < nt; t++) _mm512_storeu_ps(out + (t0 + t) * os, acc[t]);
}

// The 32-weight types (type 2 Q4_0, 3 Q4_1, 6 Q5_0, 7 Q5_1, 8 Q8_0): w = d·u + m, a block's sum d·dx·Σu·q + m·s.
static ALWAYS_INLINE void tile_b32_vnni(const int type, const int nt, const uint8_t *w, const int64_t nb,
                                        const limbic_acts *x, const int64_t t0, float *out, const int64_t os) {
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX], *xs[NT_MAX];
    __m512 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xs[t] = x->s + (t0 + t) * nb;
        acc[t] = _mm512_setzero_ps();
    }
    const int five = type == 6 || type == 7, hasMin = type == 3 || type == 7;
    const int tile = 16 * (type == 2 ? 18 : type == 3 ? 20 : type == 6 ? 22 : type == 7 ? 24 : 34);
    const int scales = type == 8 ? 512 : five ? 320 : 256;
    const float offset = type == 2 ? -8.0f : type == 6 ? -16.0f : -128.0f;
    for (int64_t b = 0; b < nb; b++, w += tile) {
        __m512i u[8];
        if (type == 8) {
            for (int g = 0; g < 8; g++) u[g] = _mm512_loadu_si512((const void *)(w + 64 * g));
        } else {
            unpack_kgroups(w, five ? w + 256 : NULL, u);
        }
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + scales)));
        const __m512 m = hasMin ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + scales + 32)))
                                : _mm512_mul_ps(d, _mm512_set1_ps(offset));
        for (int t = 0; t < nt; t++) {
            const int8_t *a = xq[t] + 32 * b;
            int32_t a4; memcpy(&a4, a, 4);
            __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[0], _mm512_set1_epi32(a4));
            for (int g = 1; g < 8; g++) { memcpy(&a4, a + 4 * g, 4); s = _mm512_dpbusd_epi32(s, u[g], _mm512_set1_epi32(a4)); }
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(d, _mm512_set1_ps(xd[t][b])), _mm512_cvtepi32_ps(s), acc[t]);
            acc[t] = _mm512_fmadd_ps(m, _mm512_set1_ps(xs[t][b]), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm512_storeu_ps(out + (t0 + t) * os, acc[t]);
}

typedef void (*tile_fn)(const uint8_t *w, const int64_t nb, const limbic_acts *x, const int64_t t0, const int nt,
                        float *out, const int64_t os);
#define TILE_FN(name, kernel)                                                                                       \
    static void name(const uint8_t *w, const int64_t nb, const limbic_acts *x, const int64_t t0, const int nt,     \
                     float *out, const int64_t os) {                                                               \
        switch (nt) {                                                                                              \
        case 8: kernel(8, w, nb, x, t0, out, os); break;                                                           \
        case 7: kernel(7, w, nb, x, t0, out, os); break;                                                           \
        case 6: kernel(6, w, nb, x, t0, out, os); break;                                                           \
        case 5: kernel(5, w, nb, x, t0, out, os); break;                                                           \
        case 4: kernel(4, w, nb, x, t0, out, os); break;                                                           \
        case 3: kernel(3, w, nb, x, t0, out, os); break;                                                           \
        case 2: kernel(2, w, nb, x, t0, out, os); break;                                                           \
        default: kernel(1, w, nb, x, t0, out, os); break;                                                          \
        }                                                                                                          \
    }
#define TILE_Q4K(nt, ...) tile_q45k_vnni(0, nt, __VA_ARGS__)
#define TILE_Q5K(nt, ...) tile_q45k_vnni(1, nt, __VA_ARGS__)
TILE_FN(tiles_q4k_vnni, TILE_Q4K)
TILE_FN(tiles_q5k_vnni, TILE_Q5K)
#define TILE_Q4_0(nt, ...) tile_b32_vnni(2, nt, __VA_ARGS__)
#define TILE_Q4_1(nt, ...) tile_b32_vnni(3, nt, __VA_ARGS__)
#define TILE_Q5_0(nt, ...) tile_b32_vnni(6, nt, __VA_ARGS__)
#define TILE_Q5_1(nt, ...) tile_b32_vnni(7, nt, __VA_ARGS__)
#define TILE_Q8_0(nt, ...) tile_b32_vnni(8, nt, __VA_ARGS__)
TILE_FN(tiles_q4_0_vnni, TILE_Q4_0)
TILE_FN(tiles_q4_1_vnni, TILE_Q4_1)
TILE_FN(tiles_q5_0_vnni, TILE_Q5_0)
TILE_FN(tiles_q5_1_vnni, TILE_Q5_1)
TILE_FN(tiles_q8_0_vnni, TILE_Q8_0)
#undef TILE_Q4K
#undef TILE_Q5K
#undef TILE_Q4_0
#undef TILE_Q4_1
#undef TILE_Q5_0
#undef TILE_Q5_1
#undef TILE_Q8_0
TILE_FN(tiles_q6k_vnni, tile_q6k_vnni)
#undef TILE_FN
