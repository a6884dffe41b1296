#include "convert/bench_libyuv.h"

#include <immintrin.h>
#include <libyuv/convert.h>
#include <libyuv/convert_from.h>
#include <libyuv/planar_functions.h>
#include <libyuv/scale.h>
#include <libyuv/scale_uv.h>

namespace mnv4 {

bool LibyuvBench::Run(const SrcImage& src, const Nv12Image& dst, LibyuvSequence seq, std::string* error) {
  const int w = src.width, h = src.height, dw = dst.width, dh = dst.height;
  const int cw = (w + 1) / 2, dcw = dw / 2, dch = dh / 2;
  const bool box = seq == LibyuvSequence::kBox;
  const int rows = box ? h : dh;  // rows converted before the (horizontal) scale
  auto i420ToNv12 = [&]() {
    libyuv::I420ToNV12(y2_.data(), dw, u2_.data(), dcw, v2_.data(), dcw, dst.y, dst.yStride, dst.uv, dst.uvStride, dw, dh);
  };
  y2_.resize(static_cast<size_t>(dw) * dh);
  u2_.resize(static_cast<size_t>(dcw) * dch);
  v2_.resize(static_cast<size_t>(dcw) * dch);
  switch (src.format) {
    case PixelFormat::kBGR8:
    case PixelFormat::kYUYV: {
      const bool bgr = src.format == PixelFormat::kBGR8;
      const int rowBytes = w * (bgr ? 3 : 2);
      y_.resize(static_cast<size_t>(w) * rows);
      u_.resize(static_cast<size_t>(cw) * ((rows + 1) / 2));
      v_.resize(u_.size());
      const uint8_t* in = src.data;
      int inStride = src.stride;
      if (!box) {  // vertical bilinear on the raw bytes: only dh rows are converted
        tmp_.resize(static_cast<size_t>(rowBytes) * dh);
        libyuv::ScalePlane(src.data, src.stride, rowBytes, h, tmp_.data(), rowBytes, rowBytes, dh, libyuv::kFilterBilinear);
        in = tmp_.data();
        inStride = rowBytes;
      }
      if (bgr) {
        libyuv::RGB24ToI420(in, inStride, y_.data(), w, u_.data(), cw, v_.data(), cw, w, rows);
      } else {
        libyuv::YUY2ToI420(in, inStride, y_.data(), w, u_.data(), cw, v_.data(), cw, w, rows);
      }
      libyuv::I420Scale(y_.data(), w, u_.data(), cw, v_.data(), cw, w, rows, y2_.data(), dw, u2_.data(), dcw,
                        v2_.data(), dcw, dw, dh, box ? libyuv::kFilterBox : libyuv::kFilterBilinear);
      i420ToNv12();
      return true;
    }
    case PixelFormat::kNV12:
      libyuv::NV12Scale(src.data, src.stride, src.data + static_cast<size_t>(src.stride) * h, src.stride, w, h, dst.y,
                        dst.yStride, dst.uv, dst.uvStride, dw, dh, box ? libyuv::kFilterBox : libyuv::kFilterBilinear);
      return true;
    default:
      if (error) *error = "libyuv comparison only for bgr8, yuyv and nv12";
      return false;
  }
}

uint64_t ReadPass(const uint8_t* data, size_t size) {
  // Byte sum with vpsadbw, 128 bytes per step in four independent chains: bound by memory, not ALU.
  size_t i = 0;
  uint64_t total = 0;
#ifdef __AVX2__
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const __m256i z = _mm256_setzero_si256();
  for (; i + 128 <= size; i += 128) {
    const __m256i* p = reinterpret_cast<const __m256i*>(data + i);
    a0 = _mm256_add_epi64(a0, _mm256_sad_epu8(_mm256_loadu_si256(p), z));
    a1 = _mm256_add_epi64(a1, _mm256_sad_epu8(_mm256_loadu_si256(p + 1), z));
    a2 = _mm256_add_epi64(a2, _mm256_sad_epu8(_mm256_loadu_si256(p + 2), z));
    a3 = _mm256_add_epi64(a3, _mm256_sad_epu8(_mm256_loadu_si256(p + 3), z));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
#endif
  for (; i < size; i++) total += data[i];
  return total;
}

}  // namespace mnv4
