// Kernels of the fused area down-scale (one pass over the source, no intermediate frame):
//   1. VerticalSum: the source rows that cover one output row, weighted (Q8, summing to 256) and
//      summed per raw byte (any packed layout is linear per byte), halved to fit int16.
//   2. HorizontalDots: per output pixel and channel, a dot product of that row of column sums with
//      a zero-padded weight window (Q12), so that every layout (RGB, 4:2:2 pairs, NV12 planes) is
//      the same dense vector loop (vpmaddwd) instead of an index gather.
// Our own kernels: libyuv has no fused scale+convert; its best averaging sequence converts the full
// frame first and costs ~2.5x a read of the frame (bench/preprocess.ts measures both).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mnv4 {

// out[i] = (sum_k w[k] * rows[k][i]) >> 1 for i < len; sum of w is 256, so out <= 32640.
void VerticalSum(const uint8_t* const* rows, const uint16_t* w, int taps, int len, int16_t* out);

// Window dot product: sum_j acc[j] * w[j] for j < len (len a multiple of 16). acc holds values
// <= 32640 and w sums to 4096, so the result fits int32.
int32_t WindowDot(const int16_t* acc, const int16_t* w, int len);

// Three window dot products at once (the channels of one output pixel): out[c] for c < 3.
void WindowDot3(const int16_t* a0, const int16_t* a1, const int16_t* a2, const int16_t* w, int len, int32_t* out);

// Hints the cache to fetch [p, p + bytes) (software prefetch; no effect on results).
void PrefetchRange(const uint8_t* p, size_t bytes);

}  // namespace mnv4
