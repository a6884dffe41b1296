// Kernels of the fused area down-scale (one pass over the source, no intermediate frame):
//   1. VerticalSum: the source rows that cover one output row, weighted (Q7, summing to 128) and
//      summed per raw byte (any packed layout is linear per byte) into int16.
//   2. HorizontalDots: per output pixel and channel, a dot product of that row of column sums with
//      a zero-padded weight window (Q12), so that every layout (RGB, 4:2:2 pairs, NV12 planes) is
//      the same dense vector loop (vpmaddwd) instead of an index gather.
// Our own kernels: libyuv has no fused scale+convert; its best averaging sequence converts the full
// frame first and costs ~2.5x a read of the frame (bench/preprocess.ts measures both).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mnv4 {

// out[i] = sum_k w[k] * rows[k][i] for from <= i < to; the weights sum to 128, so out <= 32640. Rows go in
// pairs through vpmaddubsw when every weight is below 128 and there are at most kMaxPairTaps.
constexpr int kMaxPairTaps = 64;
void VerticalSum(const uint8_t* const* rows, const uint16_t* w, int taps, int from, int to, int16_t* out);

// Window dot product: sum_j acc[j] * w[j] for j < len (len a multiple of 16). acc holds values
// <= 32640 and w sums to 4096, so the result fits int32.
int32_t WindowDot(const int16_t* acc, const int16_t* w, int len);

// The three channels of one output pixel at once: channel 0 from window a0, channels 1 and 2 from
// a12 (the same window for packed formats, the UV plane's for NV12); weights w, w+len, w+2*len.
void WindowDot3(const int16_t* a0, const int16_t* a12, const int16_t* w, int len, int32_t* out);

// Horizontal pass of output pixels [from, to) of one row into channel planes p0, p1, p2: pixel
// dx's channel 0 is the window of a0 at starts[2dx] with weights w + 3dx*len, channels 1 and 2 the
// windows of a12 at starts[2dx+1] with weights w + (3dx+1)*len and w + (3dx+2)*len; each value is
// (dot + 2^18) >> 19. The planes need 4 spare bytes after `to`.
void HorizontalPass3(const int16_t* a0, const int16_t* a12, const int32_t* starts, const int16_t* w, int len,
                     int from, int to, uint8_t* p0, uint8_t* p1, uint8_t* p2);
// Channel 0 only.
void HorizontalPass1(const int16_t* a0, const int32_t* starts, const int16_t* w, int len, int from, int to,
                     uint8_t* p0);

// Hints the cache to fetch [p, p + bytes) (software prefetch; no effect on results).
void PrefetchRange(const uint8_t* p, size_t bytes);

}  // namespace mnv4
