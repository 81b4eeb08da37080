// quant_portable.h — plain C kernels for any CPU (level 0: aarch64, x86-64 without AVX2), included by ckernels.c.
// No intrinsics: each weight block is unpacked once to int8, then int8·int8 loops the compiler vectorizes (SSE2 or
// NEON), with the same quantized math as the x86 kernels and Engine's ReferenceDot.swift.

static float p_h2f(const uint8_t *p) {  // IEEE half → float, subnormals included
    const uint32_t h = (uint32_t)p[0] | (uint32_t)p[1] << 8;
    const uint32_t sign = (h & 0x8000) << 16, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    uint32_t bits;
    float f;
    if (e == 0x1F) bits = sign | 0x7F800000 | m << 13;
    else if (e != 0) bits = sign | (e + 112) << 23 | m << 13;
    else { f = (float)m * (1.0f / 16777216.0f); __builtin_memcpy(&bits, &f, 4); bits |= sign; }
    __builtin_memcpy(&f, &bits, 4);
    return f;
}

static int32_t p_dot(const int8_t *a, const int8_t *b, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

static void row_portable(uint32_t type, const uint8_t *w, const limbic_acts *x, int64_t t0, int nt, float *out,
                         int64_t os) {
    const int64_t cols = x->cols;
    float sum[8] = {0};
    int8_t v[256];
    if (type == 0 || type == 1 || type == 30) {
        for (int t = 0; t < nt; t++) {
            const float *xf = x->f + (t0 + t) * cols;
            float s = 0;
            for (int64_t i = 0; i < cols; i++) {
                float wi;
                if (type == 0) __builtin_memcpy(&wi, w + 4 * i, 4);
                else if (type == 1) wi = p_h2f(w + 2 * i);
                else { const uint32_t b = ((uint32_t)w[2 * i] | (uint32_t)w[2 * i + 1] << 8) << 16; __builtin_memcpy(&wi, &b, 4); }
                s += wi * xf[i];
            }
            sum[t] = s;
        }
    } else if (type == 12 || type == 13 || type == 14) {
        const int64_t nb = cols / 256;
        const int bb = type == 12 ? 144 : type == 13 ? 176 : 210;
        for (int64_t i = 0; i < nb; i++) {
            const uint8_t *blk = w + i * bb;
            uint8_t sc[8], mn[8];
            if (type == 14) {  // signed 6-bit values q − 32, llama.cpp's ql/qh order
                for (int h = 0; h < 2; h++) {
                    const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
                    int8_t *y = v + 128 * h;
                    for (int l = 0; l < 32; l++) {
                        y[l] = (int8_t)(((ql[l] & 0xF) | (qh[l] & 3) << 4) - 32);
                        y[l + 32] = (int8_t)(((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32);
                        y[l + 64] = (int8_t)(((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32);
                        y[l + 96] = (int8_t)(((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32);
                    }
                }
            } else {  // Q4_K / Q5_K: chunk j from the low (even j) or high (odd j) nibbles; Q5_K bit j of qh[l]
                for (int j = 0; j < 8; j++) {
                    const int s0 = j < 4 ? blk[4 + j] & 63 : (blk[4 + j + 4] & 0xF) | (blk[4 + j - 4] >> 6) << 4;
                    const int m0 = j < 4 ? blk[4 + j + 4] & 63 : (blk[4 + j + 4] >> 4) | (blk[4 + j] >> 6) << 4;
                    sc[j] = (uint8_t)s0; mn[j] = (uint8_t)m0;
                    const uint8_t *qs = blk + (type == 12 ? 16 : 48) + 32 * (j >> 1);
                    for (int l = 0; l < 32; l++) {
                        int q = j & 1 ? qs[l] >> 4 : qs[l] & 0xF;
                        if (type == 13) q |= ((blk[16 + l] >> j) & 1) << 4;
                        v[32 * j + l] = (int8_t)q;
                    }
                }
            }
            for (int t = 0; t < nt; t++) {
                const int8_t *q = x->q + (t0 + t) * cols + 256 * i;
                const int16_t *bs = x->bsums + (t0 + t) * (cols / 16) + 16 * i;
                const float dx = x->d[(t0 + t) * nb + i];
                int32_t isum = 0, msum = 0;
                if (type == 14) {
                    for (int g = 0; g < 16; g++) isum += (int8_t)blk[192 + g] * p_dot(v + 16 * g, q + 16 * g, 16);
                    sum[t] += p_h2f(blk + 208) * dx * (float)isum;
                } else {
                    for (int j = 0; j < 8; j++) {
                        isum += sc[j] * p_dot(v + 32 * j, q + 32 * j, 32);
                        msum += mn[j] * (bs[2 * j] + bs[2 * j + 1]);
                    }
                    sum[t] += p_h2f(blk) * dx * (float)isum - p_h2f(blk + 2) * dx * (float)msum;
                }
            }
        }
    } else {  // 32-blocks: signed values (Q4_0 q − 8, Q5_0 q − 16, Q8_0) or unsigned with a min (Q4_1, Q5_1)
        const int64_t nb = cols / 32;
        const int bb = type == 2 ? 18 : type == 3 ? 20 : type == 6 ? 22 : type == 7 ? 24 : 34;
        const int qs = type == 2 ? 2 : type == 3 ? 4 : type == 6 ? 6 : 8, qh = type == 6 ? 2 : 4;
        const int offset = type == 2 ? 8 : type == 6 ? 16 : 0, hasMin = type == 3 || type == 7;
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = w + b * bb;
            if (type == 8) __builtin_memcpy(v, blk + 2, 32);
            else {
                const uint32_t h = type == 6 || type == 7 ? (uint32_t)blk[qh] | (uint32_t)blk[qh + 1] << 8 |
                                                                (uint32_t)blk[qh + 2] << 16 | (uint32_t)blk[qh + 3] << 24 : 0;
                for (int j = 0; j < 16; j++) {
                    v[j] = (int8_t)((blk[qs + j] & 0xF) - offset);
                    v[j + 16] = (int8_t)((blk[qs + j] >> 4) - offset);
                }
                if (type == 6 || type == 7)
                    for (int j = 0; j < 32; j++) v[j] = (int8_t)(v[j] + (int)((h >> j) & 1) * 16);
            }
            const float d = p_h2f(blk), m = hasMin ? p_h2f(blk + 2) : 0;
            for (int t = 0; t < nt; t++) {
                const int32_t isum = p_dot(v, x->q + (t0 + t) * cols + 32 * b, 32);
                sum[t] += d * x->d[(t0 + t) * nb + b] * (float)isum + m * x->s[(t0 + t) * nb + b];
            }
        }
    }
    for (int t = 0; t < nt; t++) out[(t0 + t) * os] = sum[t];
}

#define ROW_PORTABLE(T) \
    static void row_portable_##T(const uint8_t *w, const limbic_acts *x, int64_t t0, int nt, float *out, int64_t os) { \
        row_portable(T, w, x, t0, nt, out, os); \
    }
ROW_PORTABLE(0) ROW_PORTABLE(1) ROW_PORTABLE(2) ROW_PORTABLE(3) ROW_PORTABLE(6) ROW_PORTABLE(7) ROW_PORTABLE(8)
ROW_PORTABLE(12) ROW_PORTABLE(13) ROW_PORTABLE(14) ROW_PORTABLE(30)
#undef ROW_PORTABLE

static row_fn pick_portable(uint32_t type) {
    switch (type) {
    case 0: return row_portable_0;
    case 1: return row_portable_1;
    case 2: return row_portable_2;
    case 3: return row_portable_3;
    case 6: return row_portable_6;
    case 7: return row_portable_7;
    case 8: return row_portable_8;
    case 12: return row_portable_12;
    case 13: return row_portable_13;
    case 14: return row_portable_14;
    case 30: return row_portable_30;
    default: return NULL;
    }
}
