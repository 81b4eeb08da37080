// Row-interleaved ("packed") copies of K-quant weight matrices for the AVX-512 VNNI tile kernels in tiles_x86.h.
//
// The usual kernels take one weight row against up to 8 tokens, and every 64 weights cost two instructions per token
// (maddubs, then dpwssd with the sub-block scales) because a vector's lanes all belong to one row. A packed tile
// puts 16 rows side by side instead: lane r of a 512-bit vector holds 4 consecutive weights of row r, so one vpdpbusd
// against a token's 4 activations (broadcast to every lane) does 64 multiply-adds for 16 rows at once, and the scales,
// which differ per row, are applied to whole 32- or 16-weight sums in float. Same bytes as the file, so decoding
// reads no more memory.
//
// A tile is 16 rows × one 256-weight super-block; tiles run along the row group first (all super-blocks of rows 0-15,
// then of rows 16-31…). Within a tile a "k-group" is 4 consecutive weights; byte 4r + b of a 64-byte vector is row r's
// weight b of some k-group.
//
// Q4_K tile (2368 bytes; 16 × 144 = 2304 in the file, the scales are unpacked to bytes):
//   [8 sub-blocks][4][64] nibbles: vector v of sub-block j has k-group 2v in the low nibbles, 2v+1 in the high ones;
//   [8][16] u8 scale of sub-block j, row r; [8][16] u8 min; [16] f16 d; [16] f16 dmin.
// Q5_K tile (2880 bytes; 16 × 176 = 2816 in the file): the Q4_K tile of the low 4 bits, then
//   [8 sub-blocks][64] fifth bits: bit g of byte 4r + b is the fifth bit of row r's weight 4g + b of sub-block j.
// Q6_K tile (3360 bytes = 16 × 210):
//   [32][64] low 4 bits: vector v has k-groups 2v (low nibble) and 2v+1 (high nibble);
//   [16][64] high 2 bits: vector h has k-group 4h + c at bits 2c…2c+1;
//   [8 pairs][16 rows][2] i8 scales of the 16-weight groups 2p and 2p+1; [16] f16 d.
// 32-weight block types, one tile per 16 rows × one block (the file's bytes for 16 rows, rearranged):
//   Q4_0, Q4_1: [4][64] nibbles as in a Q4_K sub-block; Q5_0, Q5_1: those, then [64] fifth bits as in Q5_K;
//   Q8_0: [8][64] bytes q + 128 (vector g is k-group g); then [16] f16 d and, for Q4_1 and Q5_1, [16] f16 m.
// Every one of them is w = d·u + m with u unsigned (m = −8d, −16d, −128d for Q4_0, Q5_0, Q8_0), so a block's sum
// against a token is d·dx·Σu·q + m·s (s = dx·Σq, which the activations carry).
// Block layouts and formulas of the file's side follow llama.cpp's ggml-common.h / ggml-quants.c.
#include "ckernels.h"
#include <string.h>

enum { TILE_Q4K = 2368, TILE_Q5K = 2880, TILE_Q6K = 3360 };

// Bytes of one block of the file for the 32-weight types (ggml type numbers 2, 3, 6, 7, 8), else 0.
static int64_t block32_bytes(uint32_t type) {
    switch (type) {
    case 2: return 18;
    case 3: return 20;
    case 6: return 22;
    case 7: return 24;
    case 8: return 34;
    default: return 0;
    }
}

int64_t limbic_packed_tile_bytes(uint32_t type) {
    if (type == 12) return TILE_Q4K;
    if (type == 13) return TILE_Q5K;
    if (type == 14) return TILE_Q6K;
    return 16 * block32_bytes(type);
}

int64_t limbic_packed_bytes(uint32_t type, int64_t rows, int64_t cols) {
    const int64_t tile = limbic_packed_tile_bytes(type), width = type >= 12 ? 256 : 32;
    if (tile == 0 || rows <= 0 || rows % 16 != 0 || cols <= 0 || cols % width != 0) return 0;
    return rows / 16 * (cols / width) * tile;
}

int limbic_packed_min_tokens(uint32_t type) {
    return type == 14 ? 3 : 1;
}

// Q4_K's 6-bit scale and min of sub-block j from the 12 packed bytes (ggml's get_scale_min_k4).
static void scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *mn) {
    if (j < 4) { *sc = q[j] & 63; *mn = q[j + 4] & 63; }
    else { *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); *mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}

// Q4_K (five = 0) or Q5_K (five = 1): element 64c + l is the low nibble of qs[32c + l] (l < 32) or its high nibble
// (32 ≤ l < 64), plus, for Q5_K, 16 × bit (2c or 2c + 1) of qh[l mod 32].
static void pack_q45k_row(const uint8_t *b, int r, uint8_t *t, int five) {
    const uint8_t *qs = b + (five ? 48 : 16), *qh = b + 16;
    uint8_t u[256];
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++) {
            u[64 * c + l] = qs[32 * c + l] & 15;
            u[64 * c + 32 + l] = qs[32 * c + l] >> 4;
            if (five) {
                u[64 * c + l] |= ((qh[l] >> (2 * c)) & 1) << 4;
                u[64 * c + 32 + l] |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
            }
        }
    for (int j = 0; j < 8; j++) {
        scale_min_k4(j, b + 4, &t[2048 + 16 * j + r], &t[2176 + 16 * j + r]);
        for (int v = 0; v < 4; v++)
            for (int e = 0; e < 4; e++)
                t[256 * j + 64 * v + 4 * r + e] = (uint8_t)((u[32 * j + 8 * v + e] & 15) | (u[32 * j + 8 * v + 4 + e] & 15) << 4);
        if (five)
            for (int e = 0; e < 4; e++) {
                uint8_t x = 0;
                for (int g = 0; g < 8; g++) x |= (uint8_t)(((u[32 * j + 4 * g + e] >> 4) & 1) << g);
                t[TILE_Q4K + 64 * j + 4 * r + e] = x;
            }
    }
    memcpy(t + 2304 + 2 * r, b, 2);
    memcpy(t + 2336 + 2 * r, b + 2, 2);
}

static void pack_q6k_row(const uint8_t *b, int r, uint8_t *t) {
    const uint8_t *ql = b, *qh = b + 128;
    uint8_t u[256];  // the 6-bit values 0…63 in element order
    for (int h = 0; h < 2; h++)
        for (int l = 0; l < 32; l++) {
            const uint8_t *lo = ql + 64 * h, *hi = qh + 32 * h;
            u[128 * h + l] = (lo[l] & 15) | ((hi[l] & 3) << 4);
            u[128 * h + l + 32] = (lo[l + 32] & 15) | (((hi[l] >> 2) & 3) << 4);
            u[128 * h + l + 64] = (lo[l] >> 4) | (((hi[l] >> 4) & 3) << 4);
            u[128 * h + l + 96] = (lo[l + 32] >> 4) | (((hi[l] >> 6) & 3) << 4);
        }
    for (int v = 0; v < 32; v++)
        for (int e = 0; e < 4; e++) t[64 * v + 4 * r + e] = (uint8_t)((u[8 * v + e] & 15) | (u[8 * v + 4 + e] & 15) << 4);
    for (int h = 0; h < 16; h++)
        for (int e = 0; e < 4; e++) {
            uint8_t x = 0;
            for (int c = 0; c < 4; c++) x |= (uint8_t)((u[16 * h + 4 * c + e] >> 4) << (2 * c));
            t[2048 + 64 * h + 4 * r + e] = x;
        }
    for (int p = 0; p < 8; p++) { t[3072 + 32 * p + 2 * r] = b[192 + 2 * p]; t[3072 + 32 * p + 2 * r + 1] = b[193 + 2 * p]; }
    memcpy(t + 3328 + 2 * r, b + 208, 2);
}

// One row's 32-weight block b into tile t (row r).
static void pack_block32_row(uint32_t type, const uint8_t *b, int r, uint8_t *t) {
    uint8_t u[32];
    const int hasMin = type == 3 || type == 7;
    if (type == 8) {
        for (int l = 0; l < 32; l++) u[l] = (uint8_t)(b[2 + l] ^ 0x80);  // q + 128
        for (int g = 0; g < 8; g++) memcpy(t + 64 * g + 4 * r, u + 4 * g, 4);
        memcpy(t + 512 + 2 * r, b, 2);
        return;
    }
    const int five = type == 6 || type == 7;
    const uint8_t *qs = b + 2 + 2 * hasMin + 4 * five;
    uint32_t qh = 0;
    if (five) memcpy(&qh, b + 2 + 2 * hasMin, 4);
    for (int l = 0; l < 16; l++) {
        u[l] = (uint8_t)((qs[l] & 15) | (five ? ((qh >> l) & 1) << 4 : 0));
        u[l + 16] = (uint8_t)((qs[l] >> 4) | (five ? ((qh >> (l + 16)) & 1) << 4 : 0));
    }
    for (int v = 0; v < 4; v++)
        for (int e = 0; e < 4; e++) t[64 * v + 4 * r + e] = (uint8_t)((u[8 * v + e] & 15) | (u[8 * v + 4 + e] & 15) << 4);
    if (five)
        for (int e = 0; e < 4; e++) {
            uint8_t x = 0;
            for (int g = 0; g < 8; g++) x |= (uint8_t)(((u[4 * g + e] >> 4) & 1) << g);
            t[256 + 4 * r + e] = x;
        }
    const int scales = five ? 320 : 256;
    memcpy(t + scales + 2 * r, b, 2);
    if (hasMin) memcpy(t + scales + 32 + 2 * r, b + 2, 2);
}

int limbic_pack(uint32_t type, const void *w, int64_t rowBytes, int64_t cols, int64_t row0, int64_t row1, void *out) {
    const int64_t tile = limbic_packed_tile_bytes(type);
    if (tile == 0 || row0 % 16 != 0 || row1 % 16 != 0 || limbic_packed_bytes(type, 16, cols) == 0) return 0;
    if (type < 12) {
        const int64_t nb = cols / 32, bb = block32_bytes(type);
        for (int64_t g = row0 / 16; g < row1 / 16; g++)
            for (int64_t i = 0; i < nb; i++)
                for (int r = 0; r < 16; r++)
                    pack_block32_row(type, (const uint8_t *)w + (16 * g + r) * rowBytes + i * bb, r,
                                     (uint8_t *)out + (g * nb + i) * tile);
        return 1;
    }
    const int64_t nb = cols / 256, blockBytes = type == 12 ? 144 : type == 13 ? 176 : 210;
    for (int64_t g = row0 / 16; g < row1 / 16; g++)
        for (int64_t i = 0; i < nb; i++) {
            uint8_t *t = (uint8_t *)out + (g * nb + i) * tile;
            for (int r = 0; r < 16; r++) {
                const uint8_t *b = (const uint8_t *)w + (16 * g + r) * rowBytes + i * blockBytes;
                if (type == 14) pack_q6k_row(b, r, t);
                else pack_q45k_row(b, r, t, type == 13);
            }
        }
    return 1;
}
