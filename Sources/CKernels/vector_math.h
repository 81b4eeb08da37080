// vector_math.h — 8-float vectors (clang's vector extensions) and e^x on them, shared by attention.c and
// elementwise.c. The same source compiles to SSE2 (baseline) and to AVX2+FMA inside a target pragma. Not a public
// header.
#ifndef LIMBIC_VECTOR_MATH_H
#define LIMBIC_VECTOR_MATH_H
#include <stdint.h>

typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));

// EXP8(x): e^x, 8 at a time: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two parts, Cody-Waite), e^r by Cephes expf's
// polynomial, 2^n through the exponent bits. Within 2 ulp of expf for −87 ≤ x ≤ 88; below −87 (e^x < 2^-125) it
// returns 0 where expf returns a tiny or subnormal number, above 88 it returns e^88 (expf: up to inf). Scalar expf
// took about half of the attention time at a 550-token context.
// A macro (a statement expression), not a function: it is expanded inside both the baseline and the AVX2 bodies, and
// a function taking a v8 by value would have a different ABI in each.
#define EXP8(xin)                                                                                                   \
    ({                                                                                                              \
        v8 x_ = (xin);                                                                                              \
        const v8 lo_ = {-87.0f, -87.0f, -87.0f, -87.0f, -87.0f, -87.0f, -87.0f, -87.0f};                           \
        const v8 hi_ = {88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f, 88.0f};                                   \
        const v8i tiny_ = x_ < lo_, big_ = x_ > hi_;                                                                \
        x_ = (v8)(((v8i)lo_ & tiny_) | ((v8i)hi_ & big_) | ((v8i)x_ & ~(tiny_ | big_)));                           \
        const float magic_ = 12582912.0f; /* 1.5 · 2^23: adding it rounds to the nearest integer */               \
        const v8 n_ = (x_ * 1.44269504088896341f + magic_) - magic_;                                                \
        v8 r_ = x_ - n_ * 0.693359375f;                                                                             \
        r_ = r_ - n_ * -2.12194440e-4f;                                                                             \
        v8 p_ = r_ * 1.9875691500e-4f + 1.3981999507e-3f;                                                           \
        p_ = p_ * r_ + 8.3334519073e-3f;                                                                            \
        p_ = p_ * r_ + 4.1665795894e-2f;                                                                            \
        p_ = p_ * r_ + 1.6666665459e-1f;                                                                            \
        p_ = p_ * r_ + 5.0000001201e-1f;                                                                            \
        p_ = p_ * (r_ * r_) + r_ + 1.0f;                                                                            \
        const v8i bits_ = (__builtin_convertvector(n_, v8i) + 127) << 23;                                           \
        (v8)((v8i)(p_ * (v8)bits_) & ~tiny_);                                                                       \
    })

#endif
