// quant_x86.h — the x86 kernel bodies, written once and compiled twice by ckernels.c: once for AVX2 and once for
// AVX-512 VNNI (each inside a `#pragma clang attribute` that sets the target). Not a public header.
//
// The includer defines:
//   SFX                 suffix for every name defined here (avx2 / vnni);
//   DOT_US(u, s)        i32×8: each lane the sum of 4 products u8 × i8 (u unsigned 0..255, s signed);
//   ACC_US16(a, u, s, k) a + Σ over i16 pairs of (u8×i8 pair sums) × k (k an i16 vector of scales);
//   HIGH5(p)            32 bits at p → 32 bytes, byte i = 0x10 when bit i is set (Q5's fifth bit, ggml's qh);
//   WIDE512             (VNNI pass only) use the 512-bit kernels for the 32-block types and the K-quants.
// Block layouts and formulas follow llama.cpp's ggml-common.h / ggml-quants.c (see Engine/Quant/Dequantize.swift).

#define CAT2(a, b) a##_##b
#define CAT1(a, b) CAT2(a, b)
#define F(name) CAT1(name, SFX)

static ALWAYS_INLINE float F(hsum)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static ALWAYS_INLINE float F(h2f)(const uint8_t *p) {
    uint16_t h; memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// 16 bytes of nibbles → 32 bytes: bytes 0-15 the low nibbles (elements 0-15), 16-31 the high ones (16-31).
static ALWAYS_INLINE __m256i F(nibbles)(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m256i r = _mm256_inserti128_si256(_mm256_castsi128_si256(v), _mm_srli_epi16(v, 4), 1);
    return _mm256_and_si256(r, _mm256_set1_epi8(0x0F));
}

// ---- 32-element blocks: Q4_0 (2), Q4_1 (3), Q5_0 (6), Q5_1 (7), Q8_0 (8) against Q8 activations with block sums.
// Every unsigned type is written w = d·u + m (Q4_0: m = -8d, Q5_0: m = -16d), so a block's dot is
// d·dx·Σu·q + m·(dx·Σq) = d·dx·Σu·q + m·s. Q8_0 is signed: |w| × sign(q, w) keeps u unsigned for maddubs/dpbusd.
static ALWAYS_INLINE void F(block32)(const int type, const int nt, const uint8_t *blk, int64_t b,
                                     const int8_t *const *xq, const float *const *xd, const float *const *xs,
                                     __m256 *acc, float *mm) {
    const float d = F(h2f)(blk);
    float m = 0;
    __m256i u, w8 = _mm256_setzero_si256();
    switch (type) {
    case 2: u = F(nibbles)(blk + 2); m = -8 * d; break;
    case 3: u = F(nibbles)(blk + 4); m = F(h2f)(blk + 2); break;
    case 6: u = _mm256_or_si256(F(nibbles)(blk + 6), HIGH5(blk + 2)); m = -16 * d; break;
    case 7: u = _mm256_or_si256(F(nibbles)(blk + 8), HIGH5(blk + 4)); m = F(h2f)(blk + 2); break;
    default: w8 = _mm256_loadu_si256((const __m256i *)(blk + 2)); u = _mm256_abs_epi8(w8); break;
    }
    for (int t = 0; t < nt; t++) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(xq[t] + b * 32));
        if (type == 8) q = _mm256_sign_epi8(q, w8);
        const __m256 p = _mm256_cvtepi32_ps(DOT_US(u, q));
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * xd[t][b]), p, acc[t]);
        if (type != 8) mm[t] += m * xs[t][b];
    }
}

// Four consecutive blocks on 256-bit vectors: the four f16 scale pairs are converted and multiplied by the
// activation scales together instead of one scalar at a time.
static ALWAYS_INLINE void F(quad32n)(const int type, const int nt, const uint8_t *b0, const int bb, int64_t b,
                                     const int8_t *const *xq, const float *const *xd, const float *const *xs,
                                     __m256 *acc0, __m256 *acc1, __m128 *mm) {
    uint32_t h[4];
    for (int k = 0; k < 4; k++) memcpy(&h[k], b0 + k * bb, 4);
    const __m256 dm = _mm256_cvtph_ps(_mm_set_epi32((int)h[3], (int)h[2], (int)h[1], (int)h[0]));  // d0 m0 … d3 m3
    const __m128 d4 = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
    __m128 m4 = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7)));
    if (type == 2) m4 = _mm_mul_ps(d4, _mm_set1_ps(-8));
    if (type == 6) m4 = _mm_mul_ps(d4, _mm_set1_ps(-16));
    __m256i u[4], w8[4];
    for (int k = 0; k < 4; k++) {
        const uint8_t *blk = b0 + k * bb;
        switch (type) {
        case 2: u[k] = F(nibbles)(blk + 2); break;
        case 3: u[k] = F(nibbles)(blk + 4); break;
        case 6: u[k] = _mm256_or_si256(F(nibbles)(blk + 6), HIGH5(blk + 2)); break;
        case 7: u[k] = _mm256_or_si256(F(nibbles)(blk + 8), HIGH5(blk + 4)); break;
        default: w8[k] = _mm256_loadu_si256((const __m256i *)(blk + 2)); u[k] = _mm256_abs_epi8(w8[k]); break;
        }
    }
    for (int t = 0; t < nt; t++) {
        const __m256 sc = _mm256_castps128_ps256(_mm_mul_ps(d4, _mm_loadu_ps(xd[t] + b)));
        for (int k = 0; k < 4; k++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(xq[t] + (b + k) * 32));
            if (type == 8) q = _mm256_sign_epi8(q, w8[k]);
            const __m256 p = _mm256_cvtepi32_ps(DOT_US(u[k], q));
            const __m256 sk = _mm256_permutevar8x32_ps(sc, _mm256_set1_epi32(k));
            if (k & 1) acc1[t] = _mm256_fmadd_ps(sk, p, acc1[t]);
            else acc0[t] = _mm256_fmadd_ps(sk, p, acc0[t]);
        }
        if (type != 8) mm[t] = _mm_fmadd_ps(m4, _mm_loadu_ps(xs[t] + b), mm[t]);
    }
}

static ALWAYS_INLINE void F(dot32)(const int type, const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                   float *out, int64_t os) {
    const int64_t nb = x->cols / 32;
    const int bb = type == 2 ? 18 : type == 3 ? 20 : type == 6 ? 22 : type == 7 ? 24 : 34;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX], *xs[NT_MAX];
    __m256 acc0[NT_MAX], acc1[NT_MAX]; __m128 mm[NT_MAX]; float mm0[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xs[t] = x->s + (t0 + t) * nb;
        acc0[t] = acc1[t] = _mm256_setzero_ps(); mm[t] = _mm_setzero_ps(); mm0[t] = 0;
    }
    // Two accumulators (even and odd blocks): one token alone would otherwise wait on the fma latency every block.
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) F(quad32n)(type, nt, w + b * bb, bb, b, xq, xd, xs, acc0, acc1, mm);
    for (; b < nb; b++) F(block32)(type, nt, w + b * bb, b, xq, xd, xs, acc0, mm0);
    for (int t = 0; t < nt; t++) {
        __m128 m = _mm_add_ps(mm[t], _mm_movehl_ps(mm[t], mm[t]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[(t0 + t) * os] = F(hsum)(_mm256_add_ps(acc0[t], acc1[t])) + mm0[t] + _mm_cvtss_f32(m);
    }
}

#if defined(WIDE512)
// AVX-512 only: two consecutive 32-blocks in one 512-bit vector (their activations are contiguous), so a single
// dpbusd/cvt/fma covers 64 weights and the per-block scale work is done for both blocks at once.
static ALWAYS_INLINE void F(pair32)(const int type, const int nt, const uint8_t *b0, const int bb, int64_t b,
                                    const int8_t *const *xq, const float *const *xd, const float *const *xs,
                                    __m512 *acc, __m128 *mm) {
    const uint8_t *b1 = b0 + bb;
    uint32_t h0, h1; memcpy(&h0, b0, 4); memcpy(&h1, b1, 4);
    const __m128 dm = _mm_cvtph_ps(_mm_set_epi32(0, 0, (int)h1, (int)h0));  // [d0, m0, d1, m1] (m slots junk if no m)
    const __m128 d2 = _mm_shuffle_ps(dm, dm, _MM_SHUFFLE(2, 0, 2, 0));
    __m128 m2 = _mm_shuffle_ps(dm, dm, _MM_SHUFFLE(3, 1, 3, 1));
    if (type == 2) m2 = _mm_mul_ps(d2, _mm_set1_ps(-8));
    if (type == 6) m2 = _mm_mul_ps(d2, _mm_set1_ps(-16));
    __m512i u;
    __mmask64 neg = 0;
    if (type == 8) {
        const __m512i w8 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(b0 + 2))),
                                              _mm256_loadu_si256((const __m256i *)(b1 + 2)), 1);
        neg = _mm512_movepi8_mask(w8);
        u = _mm512_abs_epi8(w8);
    } else {
        const int qs = type == 2 ? 2 : type == 3 ? 4 : type == 6 ? 6 : 8;
        // [qs0, qs0, qs1, qs1] shifted by 0/4 per 128-bit lane: low nibbles then high ones, block 0 then block 1.
        __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(b0 + qs)));
        v = _mm512_mask_broadcast_i32x4(v, 0xFF00, _mm_loadu_si128((const __m128i *)(b1 + qs)));
        u = _mm512_and_si512(_mm512_srlv_epi64(v, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0)), _mm512_set1_epi8(0x0F));
        if (type == 6 || type == 7) {
            const int qh = type == 6 ? 2 : 4;
            uint32_t q0, q1; memcpy(&q0, b0 + qh, 4); memcpy(&q1, b1 + qh, 4);
            u = _mm512_or_si512(u, _mm512_maskz_mov_epi8((__mmask64)q0 | (__mmask64)q1 << 32, _mm512_set1_epi8(0x10)));
        }
    }
    const __m512i spread = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    for (int t = 0; t < nt; t++) {
        __m512i q = _mm512_loadu_si512((const void *)(xq[t] + b * 32));
        if (type == 8) q = _mm512_mask_sub_epi8(q, neg, _mm512_setzero_si512(), q);  // q·sign(w), exact
        const __m512 p = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, q));
        const __m128 sc = _mm_mul_ps(d2, _mm_castpd_ps(_mm_load_sd((const double *)(xd[t] + b))));
        acc[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, _mm512_castps128_ps512(sc)), p, acc[t]);
        if (type != 8) mm[t] = _mm_fmadd_ps(m2, _mm_castpd_ps(_mm_load_sd((const double *)(xs[t] + b))), mm[t]);
    }
}

// Four consecutive blocks (two 512-bit vectors): the f16 scales of all four are converted and multiplied by the
// activation scales in one go, which is most of the per-block cost at one token.
static ALWAYS_INLINE void F(quad32)(const int type, const int nt, const uint8_t *b0, const int bb, int64_t b,
                                    const int8_t *const *xq, const float *const *xd, const float *const *xs,
                                    __m512 *acc0, __m512 *acc1, __m128 *mm) {
    uint32_t h[4];
    for (int k = 0; k < 4; k++) memcpy(&h[k], b0 + k * bb, 4);
    const __m256 dm = _mm256_cvtph_ps(_mm_set_epi32((int)h[3], (int)h[2], (int)h[1], (int)h[0]));  // d0 m0 … d3 m3
    const __m128 d4 = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
    __m128 m4 = _mm256_castps256_ps128(_mm256_permutevar8x32_ps(dm, _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7)));
    if (type == 2) m4 = _mm_mul_ps(d4, _mm_set1_ps(-8));
    if (type == 6) m4 = _mm_mul_ps(d4, _mm_set1_ps(-16));
    __m512i u[2];
    __mmask64 neg[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        const uint8_t *p0 = b0 + 2 * k * bb, *p1 = p0 + bb;
        if (type == 8) {
            const __m512i w8 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(p0 + 2))),
                                                  _mm256_loadu_si256((const __m256i *)(p1 + 2)), 1);
            neg[k] = _mm512_movepi8_mask(w8);
            u[k] = _mm512_abs_epi8(w8);
        } else {
            const int qs = type == 2 ? 2 : type == 3 ? 4 : type == 6 ? 6 : 8;
            __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(p0 + qs)));
            v = _mm512_mask_broadcast_i32x4(v, 0xFF00, _mm_loadu_si128((const __m128i *)(p1 + qs)));
            u[k] = _mm512_and_si512(_mm512_srlv_epi64(v, _mm512_set_epi64(4, 4, 0, 0, 4, 4, 0, 0)), _mm512_set1_epi8(0x0F));
            if (type == 6 || type == 7) {
                const int qh = type == 6 ? 2 : 4;
                uint32_t q0, q1; memcpy(&q0, p0 + qh, 4); memcpy(&q1, p1 + qh, 4);
                u[k] = _mm512_or_si512(u[k], _mm512_maskz_mov_epi8((__mmask64)q0 | (__mmask64)q1 << 32, _mm512_set1_epi8(0x10)));
            }
        }
    }
    const __m512i spread0 = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i spread1 = _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2);
    for (int t = 0; t < nt; t++) {
        __m512i q0 = _mm512_loadu_si512((const void *)(xq[t] + b * 32));
        __m512i q1 = _mm512_loadu_si512((const void *)(xq[t] + b * 32 + 64));
        if (type == 8) {
            q0 = _mm512_mask_sub_epi8(q0, neg[0], _mm512_setzero_si512(), q0);
            q1 = _mm512_mask_sub_epi8(q1, neg[1], _mm512_setzero_si512(), q1);
        }
        const __m512 p0 = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u[0], q0));
        const __m512 p1 = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u[1], q1));
        const __m512 sc = _mm512_castps128_ps512(_mm_mul_ps(d4, _mm_loadu_ps(xd[t] + b)));
        acc0[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread0, sc), p0, acc0[t]);
        acc1[t] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread1, sc), p1, acc1[t]);
        if (type != 8) mm[t] = _mm_fmadd_ps(m4, _mm_loadu_ps(xs[t] + b), mm[t]);
    }
}

static ALWAYS_INLINE void F(dot32w)(const int type, const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                    float *out, int64_t os) {
    const int64_t nb = x->cols / 32;
    const int bb = type == 2 ? 18 : type == 3 ? 20 : type == 6 ? 22 : type == 7 ? 24 : 34;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX], *xs[NT_MAX];
    __m512 acc0[NT_MAX], acc1[NT_MAX]; __m128 mm[NT_MAX]; __m256 tail[NT_MAX]; float tailm[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xs[t] = x->s + (t0 + t) * nb;
        acc0[t] = acc1[t] = _mm512_setzero_ps(); mm[t] = _mm_setzero_ps(); tail[t] = _mm256_setzero_ps(); tailm[t] = 0;
    }
    // A second accumulator hides the fma latency for one or two tokens; with more, the tokens do, and the
    // registers are needed for them.
    __m512 *acc2 = nt > 2 ? acc0 : acc1;
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) F(quad32)(type, nt, w + b * bb, bb, b, xq, xd, xs, acc0, acc2, mm);
    // pair32 adds m·s into lanes 0 and 1 of mm (lanes 2 and 3 get m·0)
    if (b + 2 <= nb) { F(pair32)(type, nt, w + b * bb, bb, b, xq, xd, xs, acc2, mm); b += 2; }
    const int odd = b < nb;
    if (odd) F(block32)(type, nt, w + b * bb, b, xq, xd, xs, tail, tailm);
    for (int t = 0; t < nt; t++) {
        __m512 a = nt > 2 ? acc0[t] : _mm512_add_ps(acc0[t], acc1[t]);
        a = _mm512_add_ps(a, _mm512_zextps128_ps512(mm[t]));
        if (odd) a = _mm512_add_ps(a, _mm512_zextps256_ps512(tail[t]));
        out[(t0 + t) * os] = _mm512_reduce_add_ps(a) + tailm[t];
    }
}
#endif

// ---- K-quants against Q8_K activations (d per 256, bsums per 16).
// Q4_K/Q5_K: w = d·sc_j·u − dmin·m_j per 32-chunk j (6-bit sc/m packed in 12 bytes, ggml's get_scale_min_k4).
static ALWAYS_INLINE void F(scales_k4)(const uint8_t *p, uint8_t sc[8], uint8_t mn[8]) {
    uint32_t a, b, c, s[2], m[2];
    memcpy(&a, p, 4); memcpy(&b, p + 4, 4); memcpy(&c, p + 8, 4);
    s[0] = a & 0x3f3f3f3f; s[1] = (c & 0x0f0f0f0f) | (((a >> 6) & 0x03030303) << 4);
    m[0] = b & 0x3f3f3f3f; m[1] = ((c >> 4) & 0x0f0f0f0f) | (((b >> 6) & 0x03030303) << 4);
    memcpy(sc, s, 8); memcpy(mn, m, 8);
}

static ALWAYS_INLINE void F(dot_q45k)(const int five, const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                      float *out, int64_t os) {
    const int64_t nb = x->cols / 256;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m256 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm256_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < nb; i++, w += five ? 176 : 144) {
        const float d = F(h2f)(w), dmin = F(h2f)(w + 2);
        uint8_t sc[8], mn[8];
        F(scales_k4)(w + 4, sc, mn);
        const uint8_t *qs = w + (five ? 48 : 16);
        const __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(w + 16)) : _mm256_setzero_si256();
        __m256i isum[NT_MAX], isum2[NT_MAX];
        for (int t = 0; t < nt; t++) isum[t] = isum2[t] = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * j));
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            if (five) {  // Q5_K: bit (2j) of qh[l] tops element l of chunk 2j, bit (2j+1) of chunk 2j+1
                lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4));
                hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4));
            }
            const __m256i klo = _mm256_set1_epi16(sc[2 * j]), khi = _mm256_set1_epi16(sc[2 * j + 1]);
            for (int t = 0; t < nt; t++) {
                const int8_t *q8 = xq[t] + i * 256 + 64 * j;
                isum[t] = ACC_US16(isum[t], lo, _mm256_loadu_si256((const __m256i *)q8), klo);
                isum2[t] = ACC_US16(isum2[t], hi, _mm256_loadu_si256((const __m256i *)(q8 + 32)), khi);
            }
        }
        // Σ_j m_j·Σq over chunk j, from the activation's 16-sums: each min repeated for its two 16-sums.
        const __m128i mn8 = _mm_loadl_epi64((const __m128i *)mn);
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8));
        for (int t = 0; t < nt; t++) {
            const float dx = xd[t][i];
            const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(xb[t] + i * 16)), mins16);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * dx), _mm256_cvtepi32_ps(_mm256_add_epi32(isum[t], isum2[t])), acc[t]);
            acc[t] = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * dx), _mm256_cvtepi32_ps(msum), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(t0 + t) * os] = F(hsum)(acc[t]);
}

// Q6_K: w = d·sc_g·(u − 32), u 6 bits (low 4 in ql, high 2 in qh), sc_g an i8 per 16 elements.
// Σ sc_g·Σ(u−32)q = Σ sc_g·Σu·q − 32·Σ sc_g·bsum_g.
static ALWAYS_INLINE void F(dot_q6k)(const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                     float *out, int64_t os) {
    const int64_t nb = x->cols / 256;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m256 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm256_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
    for (int64_t i = 0; i < nb; i++, w += 210) {
        const uint8_t *ql = w, *qh = w + 128;
        const int8_t *sc = (const int8_t *)(w + 192);
        const float d = F(h2f)(w + 208);
        __m256i isum[NT_MAX];
        for (int t = 0; t < nt; t++) isum[t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i hv = _mm256_loadu_si256((const __m256i *)(qh + 32 * h));
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h));
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h + 32));
            __m256i u[4];
            u[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hv, m3), 4));
            u[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hv, 2), m30));
            u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hv, m30));
            u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hv, 2), m30));
            for (int c = 0; c < 4; c++) {
                const int g = 8 * h + 2 * c;  // chunk c covers the 16-groups g and g+1
                const __m256i k = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(sc[g])), _mm_set1_epi16(sc[g + 1]), 1);
                for (int t = 0; t < nt; t++) {
                    const __m256i q = _mm256_loadu_si256((const __m256i *)(xq[t] + i * 256 + 128 * h + 32 * c));
                    isum[t] = ACC_US16(isum[t], u[c], q, k);
                }
            }
        }
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        for (int t = 0; t < nt; t++) {
            const __m256i corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(xb[t] + i * 16)), sc16);
            const __m256i s = _mm256_sub_epi32(isum[t], _mm256_slli_epi32(corr, 5));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d * xd[t][i]), _mm256_cvtepi32_ps(s), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(t0 + t) * os] = F(hsum)(acc[t]);
}

#if defined(WIDE512)
// AVX-512: the K-quants 64 weights per instruction. A 512-bit vector holds two 32-chunks (Q4_K/Q5_K: the low and
// high nibbles of the same 32 bytes, which are elements 64i…64i+63 in order) or four 16-groups (Q6_K), with an
// i16 scale vector spread to match, so maddubs + dpwssd cover 64 weights per token.
static ALWAYS_INLINE void F(dot_q45k_w)(const int five, const int nt, const uint8_t *w, const limbic_acts *x,
                                        int64_t t0, float *out, int64_t os) {
    const int64_t nb = x->cols / 256;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m512 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    const __m512i nibbleShift = _mm512_set_epi64(4, 4, 4, 4, 0, 0, 0, 0);
    for (int64_t i = 0; i < nb; i++, w += five ? 176 : 144) {
        const float d = F(h2f)(w), dmin = F(h2f)(w + 2);
        uint8_t sc[8], mn[8];
        F(scales_k4)(w + 4, sc, mn);
        const uint8_t *qs = w + (five ? 48 : 16);
        const __m512i qh = five ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(w + 16))) : _mm512_setzero_si512();
        __m512i isum[NT_MAX];
        for (int t = 0; t < nt; t++) isum[t] = _mm512_setzero_si512();
        for (int j = 0; j < 4; j++) {
            const __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * j)));
            __m512i u = _mm512_and_si512(_mm512_srlv_epi64(q, nibbleShift), m4);
            if (five) {  // chunk 2j takes bit 2j of qh[l], chunk 2j+1 bit 2j+1
                const __m512i hs = _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * j)), _mm256_set1_epi16((short)(2 * j + 1)), 1);
                u = _mm512_or_si512(u, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, hs), one), 4));
            }
            const __m512i k = _mm512_inserti64x4(_mm512_set1_epi16(sc[2 * j]), _mm256_set1_epi16(sc[2 * j + 1]), 1);
            for (int t = 0; t < nt; t++) {
                const __m512i xv = _mm512_loadu_si512((const void *)(xq[t] + i * 256 + 64 * j));
                isum[t] = _mm512_dpwssd_epi32(isum[t], _mm512_maddubs_epi16(u, xv), k);
            }
        }
        const __m128i mn8 = _mm_loadl_epi64((const __m128i *)mn);
        const __m256i mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn8, mn8));
        for (int t = 0; t < nt; t++) {
            const float dx = xd[t][i];
            const __m256i msum = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(xb[t] + i * 16)), mins16);
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * dx), _mm512_cvtepi32_ps(isum[t]), acc[t]);
            acc[t] = _mm512_fnmadd_ps(_mm512_set1_ps(dmin * dx), _mm512_zextps256_ps512(_mm256_cvtepi32_ps(msum)), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(t0 + t) * os] = _mm512_reduce_add_ps(acc[t]);
}

static ALWAYS_INLINE void F(dot_q6k_w)(const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                       float *out, int64_t os) {
    const int64_t nb = x->cols / 256;
    const int8_t *xq[NT_MAX]; const float *xd[NT_MAX]; const int16_t *xb[NT_MAX];
    __m512 acc[NT_MAX];
    for (int t = 0; t < nt; t++) {
        xq[t] = x->q + (t0 + t) * x->cols; xd[t] = x->d + (t0 + t) * nb; xb[t] = x->bsums + (t0 + t) * nb * 16;
        acc[t] = _mm512_setzero_ps();
    }
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(0x03);
    // qh bits for chunks 0,1 (shift 0 | 2) and 2,3 (shift 4 | 6), one half of the vector each
    const __m512i s01 = _mm512_inserti64x4(_mm512_set1_epi16(0), _mm256_set1_epi16(2), 1);
    const __m512i s23 = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
    for (int64_t i = 0; i < nb; i++, w += 210) {
        const uint8_t *ql = w, *qh = w + 128;
        const int8_t *sc = (const int8_t *)(w + 192);
        const float d = F(h2f)(w + 208);
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)sc));
        const __m512i scw = _mm512_castsi256_si512(sc16);
        __m512i isum[NT_MAX];
        for (int t = 0; t < nt; t++) isum[t] = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++) {
            const __m512i l = _mm512_loadu_si512((const void *)(ql + 64 * h));  // ql[l] | ql[l+32]
            const __m512i hv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qh + 32 * h)));
            __m512i u[2];
            u[0] = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hv, s01), m3), 4));
            u[1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                   _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hv, s23), m3), 4));
            for (int c = 0; c < 2; c++) {
                const int g = 8 * h + 4 * c;  // 16-groups g … g+3, eight i16 lanes each
                const __m512i idx = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)g)), _mm_set1_epi16((short)(g + 1)), 1)),
                    _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)(g + 2))), _mm_set1_epi16((short)(g + 3)), 1), 1);
                const __m512i k = _mm512_permutexvar_epi16(idx, scw);
                for (int t = 0; t < nt; t++) {
                    const __m512i q = _mm512_loadu_si512((const void *)(xq[t] + i * 256 + 128 * h + 64 * c));
                    isum[t] = _mm512_dpwssd_epi32(isum[t], _mm512_maddubs_epi16(u[c], q), k);
                }
            }
        }
        for (int t = 0; t < nt; t++) {
            const __m256i corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(xb[t] + i * 16)), sc16);
            const __m512i s = _mm512_sub_epi32(isum[t], _mm512_zextsi256_si512(_mm256_slli_epi32(corr, 5)));
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d * xd[t][i]), _mm512_cvtepi32_ps(s), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) out[(t0 + t) * os] = _mm512_reduce_add_ps(acc[t]);
}
#endif

// ---- F32 (0), F16 (1), BF16 (30) weights against f32 activations.
static ALWAYS_INLINE __m256 F(load8w)(const int type, const uint8_t *w, int64_t i) {
    switch (type) {
    case 0: return _mm256_loadu_ps((const float *)w + i);
    case 1: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
    default: return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i))), 16));
    }
}

static ALWAYS_INLINE float F(load1w)(const int type, const uint8_t *w, int64_t i) {
    float f; uint16_t h; uint32_t u;
    switch (type) {
    case 0: memcpy(&f, w + 4 * i, 4); return f;
    case 1: memcpy(&h, w + 2 * i, 2); return _cvtsh_ss(h);
    default: memcpy(&h, w + 2 * i, 2); u = (uint32_t)h << 16; memcpy(&f, &u, 4); return f;
    }
}

static ALWAYS_INLINE void F(dotf)(const int type, const int nt, const uint8_t *w, const limbic_acts *x, int64_t t0,
                                  float *out, int64_t os) {
    const int64_t n = x->cols;
    const float *xf[NT_MAX];
    __m256 acc0[NT_MAX], acc1[NT_MAX];
    for (int t = 0; t < nt; t++) { xf[t] = x->f + (t0 + t) * n; acc0[t] = acc1[t] = _mm256_setzero_ps(); }
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 w0 = F(load8w)(type, w, i), w1 = F(load8w)(type, w, i + 8);
        for (int t = 0; t < nt; t++) {
            acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xf[t] + i), acc0[t]);
            acc1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xf[t] + i + 8), acc1[t]);
        }
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 w0 = F(load8w)(type, w, i);
        for (int t = 0; t < nt; t++) acc0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xf[t] + i), acc0[t]);
    }
    for (int t = 0; t < nt; t++) {
        float s = F(hsum)(_mm256_add_ps(acc0[t], acc1[t]));
        for (int64_t k = i; k < n; k++) s += F(load1w)(type, w, k) * xf[t][k];
        out[(t0 + t) * os] = s;
    }
}

// ---- One weight row against nt (1…4) tokens, specialised per token count so accumulators stay in registers.
#if defined(WIDE512)
#define ROW_CASES_WIDE(body) case 8: body(8); break; case 7: body(7); break; case 6: body(6); break; case 5: body(5); break;
#else
#define ROW_CASES_WIDE(body)
#endif
#define ROW_FN(name, body)                                                                                    \
    static void F(name)(const uint8_t *w, const limbic_acts *x, int64_t t0, int nt, float *out, int64_t os) { \
        switch (nt) {                                                                                         \
        ROW_CASES_WIDE(body)                                                                                  \
        case 4: body(4); break;                                                                               \
        case 3: body(3); break;                                                                               \
        case 2: body(2); break;                                                                               \
        default: body(1); break;                                                                              \
        }                                                                                                     \
    }
#if defined(WIDE512)
#define DOT32 dot32w
#else
#define DOT32 dot32
#endif
#define B_Q4_0(N) F(DOT32)(2, N, w, x, t0, out, os)
#define B_Q4_1(N) F(DOT32)(3, N, w, x, t0, out, os)
#define B_Q5_0(N) F(DOT32)(6, N, w, x, t0, out, os)
#define B_Q5_1(N) F(DOT32)(7, N, w, x, t0, out, os)
#define B_Q8_0(N) F(DOT32)(8, N, w, x, t0, out, os)
#if defined(WIDE512)
#define B_Q4_K(N) F(dot_q45k_w)(0, N, w, x, t0, out, os)
#define B_Q5_K(N) F(dot_q45k_w)(1, N, w, x, t0, out, os)
#define B_Q6_K(N) F(dot_q6k_w)(N, w, x, t0, out, os)
#else
#define B_Q4_K(N) F(dot_q45k)(0, N, w, x, t0, out, os)
#define B_Q5_K(N) F(dot_q45k)(1, N, w, x, t0, out, os)
#define B_Q6_K(N) F(dot_q6k)(N, w, x, t0, out, os)
#endif
#define B_F32(N) F(dotf)(0, N, w, x, t0, out, os)
#define B_F16(N) F(dotf)(1, N, w, x, t0, out, os)
#define B_BF16(N) F(dotf)(30, N, w, x, t0, out, os)
ROW_FN(row_q4_0, B_Q4_0)
ROW_FN(row_q4_1, B_Q4_1)
ROW_FN(row_q5_0, B_Q5_0)
ROW_FN(row_q5_1, B_Q5_1)
ROW_FN(row_q8_0, B_Q8_0)
ROW_FN(row_q4_k, B_Q4_K)
ROW_FN(row_q5_k, B_Q5_K)
ROW_FN(row_q6_k, B_Q6_K)
ROW_FN(row_f32, B_F32)
ROW_FN(row_f16, B_F16)
ROW_FN(row_bf16, B_BF16)

static row_fn F(pick)(uint32_t type) {
    switch (type) {
    case 0: return F(row_f32);
    case 1: return F(row_f16);
    case 2: return F(row_q4_0);
    case 3: return F(row_q4_1);
    case 6: return F(row_q5_0);
    case 7: return F(row_q5_1);
    case 8: return F(row_q8_0);
    case 12: return F(row_q4_k);
    case 13: return F(row_q5_k);
    case 14: return F(row_q6_k);
    case 30: return F(row_bf16);
    default: return NULL;
    }
}

#undef ROW_FN
#undef ROW_CASES_WIDE
#undef DOT32
#undef B_Q4_0
#undef B_Q4_1
#undef B_Q5_0
#undef B_Q5_1
#undef B_Q8_0
#undef B_Q4_K
#undef B_Q5_K
#undef B_Q6_K
#undef B_F32
#undef B_F16
#undef B_BF16
#undef F
