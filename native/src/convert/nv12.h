// Frame -> NV12 conversion: the contract between the kernels and their callers (the JS binding and
// the worker pool). Planes, strides and sizes are explicit, libyuv style.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mnv4 {

// Numeric values are shared with the TypeScript wrapper (src/image/nv12.ts).
enum class PixelFormat : int {
  kRGB8 = 0,
  kBGR8 = 1,
  kRGBA8 = 2,
  kBGRA8 = 3,
  kMono8 = 4,
  kUYVY = 5,  // ROS "yuv422" and "uyvy"
  kYUYV = 6,  // ROS "yuv422_yuy2" and "yuyv"
  kNV12 = 7,  // D-Robotics "nv12": Y plane, then interleaved U,V; both rows `stride` bytes
  kNV21 = 8,  // as NV12 with V,U
};

enum class ResizeMode : int { kStretch = 0, kCenterCrop = 1, kLetterbox = 2 };
enum class ResizeFilter : int { kArea = 0, kBilinear = 1 };

struct SrcImage {
  const uint8_t* data = nullptr;
  size_t size = 0;  // bytes readable at data
  int width = 0;
  int height = 0;
  int stride = 0;  // bytes per row (ROS `step`); for NV12/NV21 also the UV rows' stride
  PixelFormat format = PixelFormat::kBGR8;
};

struct Nv12Image {
  uint8_t* y = nullptr;
  int yStride = 0;
  uint8_t* uv = nullptr;
  int uvStride = 0;
  int width = 0;  // even
  int height = 0;  // even
};

struct ConvertParams {
  ResizeMode mode = ResizeMode::kStretch;
  ResizeFilter filter = ResizeFilter::kArea;
  double cropRatio = 1.0;  // center_crop: crop side / shorter side, (0, 1]
};

// Largest accepted source side in pixels; larger frames are refused before any work.
constexpr int kMaxSourceSide = 16384;

// Empty when `src` is readable as described, otherwise a reason a user understands. Mirrors the
// TypeScript validation so that the binding stays memory-safe even if called directly.
std::string ValidateSource(const SrcImage& src);

// One output index's source taps along an axis: first source index (crop-relative, may lie outside
// the crop for bilinear rows, which are then clamped), tap count, and where its weights start.
struct FilterTaps {
  int first = 0;
  int count = 0;
  int wOffset = 0;
};

// Where the resized picture lands: `crop` in source pixels, `inner` in output pixels (letterbox
// pads the rest). Shared by the kernels, the tests (via the binding) and the TypeScript reference.
struct Rect {
  int x = 0, y = 0, width = 0, height = 0;
};

// Converts with reusable scratch memory: after the first frame of a given geometry, Convert()
// allocates nothing. One instance per thread.
class Nv12Converter {
 public:
  bool Convert(const SrcImage& src, const Nv12Image& dst, const ConvertParams& params, std::string* error);

 private:
  std::vector<uint8_t> scratch_;  // resized channel planes of one output row
  std::vector<int32_t> rows_;     // bilinear: two horizontally resized source rows
  // Everything that depends only on format and geometry: filter taps, channel byte offsets, area
  // windows and column sums. One plan per filter, kept while the geometry stays the same, so a
  // steady stream of frames allocates nothing (vectors only grow).
  struct PlanKey {
    int format = -1, cx = 0, cy = 0, cw = 0, ch = 0, iw = 0, ih = 0;
    bool operator==(const PlanKey& o) const {
      return format == o.format && cx == o.cx && cy == o.cy && cw == o.cw && ch == o.ch && iw == o.iw && ih == o.ih;
    }
  };
  struct Plan {
    PlanKey key;
    std::vector<FilterTaps> xTaps, yTaps;
    std::vector<int32_t> xWeights, yWeights;
    std::vector<int32_t> offsets;  // per channel, byte offset of each crop column's sample in its row
    std::vector<int32_t> hStart, linX, linC, linW;
    std::vector<int16_t> hW, acc16;
    std::vector<const uint8_t*> rowPtrs;
    std::vector<uint16_t> rowW;
    int base[2] = {0, 0}, len[2] = {0, 0}, hLen = 16, linMax[2] = {0, 0};
    bool folded = false;  // area: colour conversion folded into the horizontal weights
  };
  Plan plans_[2];  // [0] area, [1] bilinear
  static void BuildPlan(Plan* plan, PixelFormat format, const Rect& crop, int iw, int ih, bool area);
};

struct Geometry {
  Rect crop;
  Rect inner;
};
Geometry ComputeGeometry(int srcWidth, int srcHeight, int dstWidth, int dstHeight, const ConvertParams& params);

// Empty when the destination and parameters are usable, otherwise the reason.
std::string ValidateTarget(const Nv12Image& dst, const ConvertParams& params);

// NV12 (BT.601 limited range) -> packed RGB (R,G,B bytes, `width*3` per row): OpenCV's
// COLOR_YUV2RGB_NV12 integer formula, i.e. what the BPU feeds the model after its on-chip conversion.
// Each U,V pair applies to its 2x2 block. width and height even.
void Nv12ToRgb(const uint8_t* y, int yStride, const uint8_t* uv, int uvStride, int width, int height,
               uint8_t* rgb, int rgbStride);

// Pad colour of letterbox, as NV12: RGB (127,127,127) through the BT.601 formula below.
constexpr uint8_t kPadY = 125;
constexpr uint8_t kPadU = 128;
constexpr uint8_t kPadV = 128;

}  // namespace mnv4
