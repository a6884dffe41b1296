// Kernels of the fused area down-scale (one pass over the source, no intermediate frame):
//   1. VerticalSum: the source rows that cover one output row, weighted (Q7, summing to 128) and
//      summed per raw byte (any packed layout is linear per byte) into int16.
//   2. HorizontalNv12: per output pixel, dot products of that row of column sums with zero-padded
//      weight windows that already contain the colour conversion, giving Y (and U,V at the even
//      columns of even rows) directly; every layout (RGB, 4:2:2 pairs, NV12 planes) is the same
//      dense vector loop (vpmaddwd) instead of an index gather.
// Our own kernels: libyuv has no fused scale+convert; its best averaging sequence converts the full
// frame first and costs 2-6x a read of the frame (bench/preprocess.ts measures both).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mnv4 {

// out[i] = sum_k w[k] * rows[k][i] for from <= i < to; the weights sum to 128, so out <= 32640.
// Rows go in pairs through vpmaddubsw when every weight is below 128 and taps <= kMaxPairTaps.
constexpr int kMaxPairTaps = 64;
void VerticalSum(const uint8_t* const* rows, const uint16_t* w, int taps, int from, int to, int16_t* out);

// Window dot product: sum_j acc[j] * w[j] for j < len (len a multiple of 16). acc holds values
// <= 32640 and |w| sums to at most 4 * 4096, so the result fits int32.
int32_t WindowDot(const int16_t* acc, const int16_t* w, int len);

// Horizontal pass straight to NV12 for output columns [from, to) (from, to even): the weight
// windows at w + (3dx+k)*len already hold the colour conversion (k = 0: Y over a0; 1, 2: U, V over
// a12, both at the windows of starts[2dx], starts[2dx+1]) scaled so that
// value = (dot + (offset << 21) + 2^20) >> 21, clamped to 0..255. Y for every column; U,V (into
// uv, interleaved) for even columns only when uv is not null.
void HorizontalNv12(const int16_t* a0, const int16_t* a12, const int32_t* starts, const int16_t* w, int len,
                    int from, int to, int yOffset, int uvOffset, uint8_t* y, uint8_t* uv);

// Hints the cache to fetch [p, p + bytes) (software prefetch; no effect on results).
void PrefetchRange(const uint8_t* p, size_t bytes);

}  // namespace mnv4
