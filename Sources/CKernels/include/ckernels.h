// CKernels: the hot quantized dot-product kernels of the engine (DESIGN.md §8).
// Everything else in Limbic is Swift; each kernel here has a scalar Swift reference in Engine that tests compare with.
#ifndef LIMBIC_CKERNELS_H
#define LIMBIC_CKERNELS_H

#include <stdint.h>

/// Which instruction-set level the dispatcher picked on this CPU (0 scalar, 1 AVX2, 2 AVX-512 VNNI).
int limbic_cpu_level(void);

#endif
