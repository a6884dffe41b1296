// Benchmark-only comparators for `mnv4 bench preprocess` (not used by the conversion itself):
// libyuv's best frame -> 224x224 NV12 sequences as measured in the project's anchors, and a
// read-only pass over a frame (the floor any non-aliasing down-scale pays).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "convert/nv12.h"

namespace mnv4 {

enum class LibyuvSequence : int {
  kBox = 0,       // averaging: bgr8/yuyv -> I420 -> I420Scale(kFilterBox) -> NV12; nv12: NV12Scale(kFilterBox)
  kBilinear = 1,  // fastest exact bilinear ("VFIRST": vertical ScalePlane on raw bytes first); nv12: NV12Scale(bilinear)
};

class LibyuvBench {
 public:
  // bgr8, yuyv and nv12 sources only; stretch to dst.
  bool Run(const SrcImage& src, const Nv12Image& dst, LibyuvSequence seq, std::string* error);

 private:
  std::vector<uint8_t> tmp_, y_, u_, v_, y2_, u2_, v2_;
};

// Sum of all bytes (AVX2-vectorised by the compiler); the result keeps the loop alive.
uint64_t ReadPass(const uint8_t* data, size_t size);

}  // namespace mnv4
