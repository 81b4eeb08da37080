// quantize_x86.h — AVX2 quantizers of the activation vector (once per mat-mul), included by ckernels.c inside its
// AVX2 target region. They must give bit for bit what Engine's Swift quantizers give (QuantizedInput.swift):
// same float operations, same rounding (nearest even, as ggml's x86 quantize_row_q8_0/q8_K do).

// 32 floats → 32 int8 (x·scale rounded), in order; also returns the 8 partial i32 sums.
static ALWAYS_INLINE __m256i q8_round32(const float *x, __m256 scale, __m256i *sum) {
    __m256i v[4];
    for (int k = 0; k < 4; k++)
        v[k] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), scale),
                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    *sum = _mm256_add_epi32(_mm256_add_epi32(v[0], v[1]), _mm256_add_epi32(v[2], v[3]));
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    // packs work within 128-bit lanes: dwords come out as v0lo v1lo v2lo v3lo | v0hi v1hi v2hi v3hi
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

static ALWAYS_INLINE int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

static ALWAYS_INLINE float hmax_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

static void quantize_q8_32_avx2(const float *x, int64_t n, int8_t *q, float *d, float *s) {
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (int64_t b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(xb + 8 * k), absMask));
        const float amax = hmax_ps(m);
        const float scale = amax / 127.0f;
        const float inverse = scale != 0 ? 1.0f / scale : 0.0f;
        __m256i sum;
        _mm256_storeu_si256((__m256i *)(q + 32 * b), q8_round32(xb, _mm256_set1_ps(inverse), &sum));
        d[b] = scale;
        s[b] = scale * (float)hsum_i32(sum);
    }
}

static void quantize_q8_k_avx2(const float *x, int64_t n, int8_t *q, float *d, int16_t *bsums) {
    for (int64_t b = 0; b < n / 256; b++) {
        const float *xb = x + 256 * b;
        __m256 hi = _mm256_loadu_ps(xb), lo = hi;
        for (int k = 1; k < 32; k++) {
            const __m256 v = _mm256_loadu_ps(xb + 8 * k);
            hi = _mm256_max_ps(hi, v); lo = _mm256_min_ps(lo, v);
        }
        const float top = hmax_ps(hi), bottom = -hmax_ps(_mm256_sub_ps(_mm256_setzero_ps(), lo));
        float maxValue = top >= -bottom ? top : bottom;
        if (top == -bottom) {  // |max| == |min|: ggml keeps whichever comes first
            for (int j = 0; j < 256; j++) if (xb[j] == top || xb[j] == bottom) { maxValue = xb[j]; break; }
        }
        if (maxValue == 0) {
            d[b] = 0; memset(q + 256 * b, 0, 256); memset(bsums + 16 * b, 0, 32);
            continue;
        }
        const float iscale = -127.0f / maxValue;
        const __m256 scale = _mm256_set1_ps(iscale);
        for (int k = 0; k < 8; k++) {  // 32 elements = two 16-sums
            __m256i unused;
            const __m256i v = q8_round32(xb + 32 * k, scale, &unused);
            _mm256_storeu_si256((__m256i *)(q + 256 * b + 32 * k), v);
            // the two 16-sums: sum of the bytes in each 128-bit half
            const __m256i w = _mm256_sad_epu8(_mm256_xor_si256(v, _mm256_set1_epi8((char)0x80)), _mm256_setzero_si256());
            bsums[16 * b + 2 * k] = (int16_t)(_mm256_extract_epi64(w, 0) + _mm256_extract_epi64(w, 1) - 16 * 128);
            bsums[16 * b + 2 * k + 1] = (int16_t)(_mm256_extract_epi64(w, 2) + _mm256_extract_epi64(w, 3) - 16 * 128);
        }
        d[b] = 1.0f / iscale;
    }
}
