// Run-time dispatch over the x86 kernel bodies in quant_x86.h (DESIGN.md §8: one binary for every x86-64, no
// -march=native), with the plain C kernels of quant_portable.h for every other CPU.
#include "ckernels.h"
#include <stddef.h>

typedef void (*row_fn)(const uint8_t *w, const limbic_acts *x, int64_t t0, int nt, float *out, int64_t os);

#include "quant_portable.h"

int limbic_cpu_level(void) {
    static int cached = -1;
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level >= 0) return level;
    level = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (avx2) level = 1;
    if (avx2 && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw"))
        level = 2;
#endif
    __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    return level;
}

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#define ALWAYS_INLINE __attribute__((always_inline)) inline
// Most tokens one weight row is multiplied with per kernel call (the AVX-512 level has registers for 8).
#define NT_MAX 8

// AVX2: u8×i8 pairs → i16 (maddubs; no overflow: |u| ≤ 255 only for Q8_0 where |u|,|q| ≤ 127), then pairs → i32.
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define SFX avx2
#define DOT_US(u, s) _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), _mm256_set1_epi16(1))
#define ACC_US16(a, u, s, k) _mm256_add_epi32((a), _mm256_madd_epi16(_mm256_maddubs_epi16((u), (s)), (k)))
static inline __m256i high5_avx2(const uint8_t *p) {
    uint32_t h; memcpy(&h, p, 4);
    // byte i takes qh byte i/8, then keeps bit i%8
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit), _mm256_set1_epi8(0x10));
}
#define HIGH5(p) high5_avx2(p)
#include "quant_x86.h"
#include "quantize_x86.h"
#undef SFX
#undef DOT_US
#undef ACC_US16
#undef HIGH5
#pragma clang attribute pop

// AVX-512 VNNI on 256-bit vectors: dpbusd sums four u8×i8 products into i32 in one instruction; dpwssd fuses the
// scale multiply-add of the K-quants; a mask move expands Q5's high bits.
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define SFX vnni
#define DOT_US(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), (u), (s))
#define ACC_US16(a, u, s, k) _mm256_dpwssd_epi32((a), _mm256_maddubs_epi16((u), (s)), (k))
static inline __m256i high5_vnni(const uint8_t *p) {
    uint32_t h; memcpy(&h, p, 4);
    return _mm256_maskz_mov_epi8((__mmask32)h, _mm256_set1_epi8(0x10));
}
#define HIGH5(p) high5_vnni(p)
#define WIDE512 1
#include "quant_x86.h"
#undef WIDE512
#include "tiles_x86.h"
#undef SFX
#undef DOT_US
#undef ACC_US16
#undef HIGH5
#pragma clang attribute pop
#endif

int limbic_matmul(int level, uint32_t type, const void *w, int64_t rowBytes, int64_t row0, int64_t row1,
                  const limbic_acts *x, float *out, int64_t outStride) {
    const int best = limbic_cpu_level();
    if (level > best) level = best;
    row_fn f = NULL;
#if defined(__x86_64__)
    if (level >= 2) f = pick_vnni(type);
    else if (level == 1) f = pick_avx2(type);
#endif
    if (level <= 0) f = pick_portable(type);
    if (!f) return 0;
    // Tokens in chunks whose activations stay in L1 (~24 KiB); each weight row is reused across the chunk and
    // unpacked once per kernel call of `step` tokens: 8 at the AVX-512 level, except Q6_K (measured: nothing gained
    // at 1536 columns, a quarter lost at 8960) and the 256-bit float kernels (~10% lost); 4 with AVX2.
    const int isFloat = type == 0 || type == 1 || type == 30;
    const int step = level == 1 || (level >= 2 && (type == 14 || isFloat)) ? 4 : 8;
    const int64_t bytesPerToken = isFloat ? x->cols * 4 : x->cols;
    int64_t chunk = 24 * 1024 / (bytesPerToken > 0 ? bytesPerToken : 1) / step * step;
    if (chunk < step) chunk = step;
    const uint8_t *wb = (const uint8_t *)w;
    for (int64_t c0 = 0; c0 < x->tokens; c0 += chunk) {
        const int64_t c1 = c0 + chunk < x->tokens ? c0 + chunk : x->tokens;
        for (int64_t r = row0; r < row1; r++) {
            const uint8_t *row = wb + r * rowBytes;
            for (int64_t t = c0; t < c1; t += step) {
                const int nt = c1 - t < step ? (int)(c1 - t) : step;
                f(row, x, t, nt, out + r, outStride);
            }
        }
    }
    return 1;
}

int limbic_matmul_packed(int level, uint32_t type, const void *packed, int64_t row0, int64_t row1,
                         const limbic_acts *x, float *out, int64_t outStride) {
#if defined(__x86_64__)
    const int64_t width = type >= 12 ? 256 : 32;
    if (level < 2 || limbic_cpu_level() < 2 || row0 % 16 != 0 || row1 % 16 != 0 || x->cols % width != 0) return 0;
    if (x->tokens < limbic_packed_min_tokens(type)) return 0;
    tile_fn f = NULL;
    switch (type) {
    case 2: f = tiles_q4_0_vnni; break;
    case 3: f = tiles_q4_1_vnni; break;
    case 6: f = tiles_q5_0_vnni; break;
    case 7: f = tiles_q5_1_vnni; break;
    case 8: f = tiles_q8_0_vnni; break;
    case 12: f = tiles_q4k_vnni; break;
    case 13: f = tiles_q5k_vnni; break;
    case 14: f = tiles_q6k_vnni; break;
    default: return 0;
    }
    const int64_t nb = x->cols / width, tileBytes = limbic_packed_tile_bytes(type);
    // Tokens in chunks of 64 (their activations, at most ~0.6 MB for 8960 columns, stay in L2); within a chunk each
    // row group's tiles are read once per 8 tokens.
    const uint8_t *p = (const uint8_t *)packed;
    for (int64_t c0 = 0; c0 < x->tokens; c0 += 64) {
        const int64_t c1 = c0 + 64 < x->tokens ? c0 + 64 : x->tokens;
        for (int64_t g = row0 / 16; g < row1 / 16; g++)
            for (int64_t t = c0; t < c1; t += NT_MAX) {
                const int nt = c1 - t < NT_MAX ? (int)(c1 - t) : NT_MAX;
                f(p + g * nb * tileBytes, nb, x, t, nt, out + 16 * g, outStride);
            }
    }
    return 1;
#else
    (void)level; (void)type; (void)packed; (void)row0; (void)row1; (void)x; (void)out; (void)outStride;
    return 0;
#endif
}

int limbic_quantize_q8_32(const float *x, int64_t n, int8_t *q, float *d, float *s) {
#if defined(__x86_64__)
    if (limbic_cpu_level() >= 1) { quantize_q8_32_avx2(x, n, q, d, s); return 1; }
#endif
    (void)x; (void)n; (void)q; (void)d; (void)s;
    return 0;
}

int limbic_quantize_q8_k(const float *x, int64_t n, int8_t *q, float *d, int16_t *bsums) {
#if defined(__x86_64__)
    if (limbic_cpu_level() >= 1) { quantize_q8_k_avx2(x, n, q, d, bsums); return 1; }
#endif
    (void)x; (void)n; (void)q; (void)d; (void)bsums;
    return 0;
}
