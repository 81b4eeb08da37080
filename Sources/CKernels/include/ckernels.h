// CKernels: the hot quantized dot-product kernels of the engine (DESIGN.md §8).
// Everything else in Limbic is Swift; each kernel here has a scalar Swift reference in Engine
// (Sources/Engine/Quant/ReferenceDot.swift) that the tests compare with.
#ifndef LIMBIC_CKERNELS_H
#define LIMBIC_CKERNELS_H

#include <stdint.h>

/// Which instruction-set level the dispatcher picked on this CPU (0 portable C, 1 AVX2, 2 AVX-512 VNNI).
int limbic_cpu_level(void);

/// Activations of `tokens` tokens, already quantized by Engine's `QuantizedInput` (one of three formats):
///  - 32-element blocks (for Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 weights): `q` int8 [tokens][cols], `d` scale [tokens][cols/32],
///    `s` = d × Σq per block [tokens][cols/32] (llama.cpp's block_q8_1 `s`, kept as float);
///  - 256-element blocks (K-quants, llama.cpp's block_q8_K): `q`, `d` [tokens][cols/256], `bsums` Σq per 16 [tokens][cols/16];
///  - plain floats (F32/F16/BF16 weights): `f` [tokens][cols].
typedef struct limbic_acts {
    const int8_t *q;
    const float *d;
    const float *s;
    const int16_t *bsums;
    const float *f;
    int64_t cols;
    int64_t tokens;
} limbic_acts;

/// out[t * outStride + r] = dot(weight row r, token t) for r in [row0, row1), t in [0, tokens).
/// `type` is ggml's type number; weight row r starts at w + r * rowBytes. `level` caps the instruction set
/// (pass limbic_cpu_level() for the best); it is lowered to what the CPU supports.
/// Returns 0, computing nothing, when no C kernel exists for this type (the caller then uses Swift).
int limbic_matmul(int level, uint32_t type, const void *w, int64_t rowBytes, int64_t row0, int64_t row1,
                  const limbic_acts *x, float *out, int64_t outStride);

/// Bytes of the packed copy of a (rows × cols) matrix of ggml type `type` (pack.c: 16 rows side by side), or 0 where
/// none exists. Types: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (cols a multiple of 32) and Q4_K, Q5_K, Q6_K (of 256); rows a
/// multiple of 16. The same size as the file's rows, give or take the K-quants' unpacked scales.
int64_t limbic_packed_bytes(uint32_t type, int64_t rows, int64_t cols);

/// Bytes of one packed tile (16 rows × one block of `type`), 0 for a type that has none.
int64_t limbic_packed_tile_bytes(uint32_t type);

/// Fewest tokens for which limbic_matmul_packed reads tiles of `type`: 1, except Q6_K, whose tile costs more to unpack
/// than the file's rows when only 1-2 tokens share it (measured on 1536 × 8960: 0.34× at one token, 0.87× at two,
/// 1.07× at three). With fewer tokens it declines, so decoding reads the file's rows for Q6_K.
int limbic_packed_min_tokens(uint32_t type);

/// Writes the packed tiles of rows [row0, row1) (multiples of 16) of the matrix at `w` (rows `rowBytes` apart) to
/// their place in `out`, a buffer of limbic_packed_bytes for the whole matrix; disjoint row ranges may be packed from
/// several threads. Returns 0, writing nothing, for a type or shape limbic_packed_bytes refuses.
int limbic_pack(uint32_t type, const void *w, int64_t rowBytes, int64_t cols, int64_t row0, int64_t row1, void *out);

/// limbic_matmul over a packed matrix: out[t * outStride + r] for r in [row0, row1) (multiples of 16). Runs only at
/// the AVX-512 VNNI level and from limbic_packed_min_tokens tokens; returns 0, computing nothing, otherwise (the caller
/// then uses limbic_matmul on the file's rows, which give the same sums up to float rounding).
int limbic_matmul_packed(int level, uint32_t type, const void *packed, int64_t row0, int64_t row1,
                         const limbic_acts *x, float *out, int64_t outStride);

/// Quantizes one token's `n` floats (a multiple of 32) into 32-blocks: d = amax/127, q = x·(1/d) rounded to nearest
/// even, s = d·Σq. Returns 0, writing nothing, where no SIMD version runs (Engine's Swift quantizer then does it).
int limbic_quantize_q8_32(const float *x, int64_t n, int8_t *q, float *d, float *s);

/// Quantizes one token's `n` floats (a multiple of 256) as llama.cpp's Q8_K: iscale = −127/max (max the element of
/// largest magnitude, sign kept), q = nearest even of iscale·x, d = 1/iscale, bsums = Σq per 16. Returns 0 as above.
int limbic_quantize_q8_k(const float *x, int64_t n, int8_t *q, float *d, int16_t *bsums);

/// a[i] = silu(a[i]) · b[i] = a[i] / (1 + e^−a[i]) · b[i] for i < n (SwiGLU), with a vectorised e^x (within 2 ulp of
/// expf). `level` caps the instruction set as for limbic_matmul.
void limbic_swiglu(int level, float *a, const float *b, int64_t n);

/// Causal softmax attention of one query head: `q` (hd floats) against keys and values at positions [lo, gap0) and
/// [gap1, n) (0 <= lo <= gap0 <= gap1 <= n; lo = 0 and gap0 = gap1 = n for plain causal attention; a branch evaluated
/// over a shared prefix skips the other branches' positions; a sliding window raises lo), stored in chunks of
/// `chunk` positions (`kchunks[p / chunk] + (p % chunk) * stride + offset` is position p's key for this head). Writes
/// softmax(q·k × scale) weighted values to `out` (hd floats); `scores` is n floats of scratch. `level` caps the
/// instruction set as for limbic_matmul.
void limbic_attention(int level, const float *q, int64_t hd, const float *const *kchunks, const float *const *vchunks,
                      int64_t chunk, int64_t stride, int64_t offset, int64_t lo, int64_t gap0, int64_t gap1, int64_t n,
                      float scale, float *scores, float *out);

/// The most query heads one grouped-query group may have for limbic_attention_group.
#define LIMBIC_MAX_GROUP 32

/// limbic_attention for the `g` query heads of one KV head at one token (1 <= g <= LIMBIC_MAX_GROUP): `q` holds them
/// one after the other (g × hd floats), as does `out`; `scores` is g × (the number of positions) floats of scratch.
/// Each head's result equals limbic_attention's for it; each key and value row is read once for all g heads.
void limbic_attention_group(int level, const float *q, int64_t g, int64_t hd, const float *const *kchunks,
                            const float *const *vchunks, int64_t chunk, int64_t stride, int64_t offset, int64_t lo,
                            int64_t gap0, int64_t gap1, int64_t n, float scale, float *scores, float *out);

/// Plain causal attention of `rows` query rows at once (1 <= rows <= LIMBIC_MAX_GROUP), all of one KV head: row r
/// attends to positions [0, limits[r]) (limits[r] <= n), each key and value row being read once for all of them.
/// Used for a block of consecutive prompt tokens × a group's heads, so a prefill reads the cache once per block
/// rather than once per token. `q`, `out` and `scores` as for limbic_attention_group (scores: rows × n floats).
void limbic_attention_block(int level, const float *q, int64_t rows, const int64_t *limits, int64_t hd,
                            const float *const *kchunks, const float *const *vchunks, int64_t chunk, int64_t stride,
                            int64_t offset, int64_t n, float scale, float *scores, float *out);

#endif
