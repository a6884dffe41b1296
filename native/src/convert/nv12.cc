// Frame -> NV12: validation, geometry, and the two filters.
//
// Definition (the TypeScript reference in src/image/reference/ implements the same, for clarity):
//  1. Geometry (ComputeGeometry): a crop rectangle of the source is resized into an inner rectangle
//     of the output; letterbox fills the rest with kPadY/kPadU/kPadV.
//  2. Each source pixel is seen as three channels: R,G,B for the RGB formats, one grey channel for
//     mono8, Y,U,V for the YUV formats (the U,V pair of a 4:2:2 pair or 4:2:0 block is repeated on
//     each of its pixels). Each channel is resized to 8 bits:
//       area:     every output pixel is the mean of the source area it covers. Per axis, a source
//                 pixel's weight is its overlap with the output footprint, quantised by cumulative
//                 rounding so that the weights of one output sum exactly to 256 (vertical) and 4096
//                 (horizontal): v = (sum_x wx * sum_y wy * p + 2^19) >> 20.
//       bilinear: OpenCV 4.6 resize(INTER_LINEAR) for 8-bit images: half-pixel centres, 11-bit
//                 weights rounded from float, horizontal pass exact in int32, vertical pass
//                 ((S0>>4)*b0>>16) + ((S1>>4)*b1>>16) + 2) >> 2 (its SIMD row kernel); an exact
//                 2x reduction in both axes is the 2x2 mean (OpenCV switches to INTER_AREA there).
//  3. Colour, for RGB sources (BT.601 limited range, OpenCV cvtColor BGR2YUV_I420, 20-bit fixed point):
//       Y = (269484 R + 528482 G + 102760 B + 2^19 + (16 << 20)) >> 20
//       U = (-155188 R - 305135 G + 460324 B + 2^19 + (128 << 20)) >> 20
//       V = (460324 R - 385875 G - 74448 B + 2^19 + (128 << 20)) >> 20
//     mono8 is R=G=B (so U=V=128); YUV sources pass through unchanged.
//  4. Chroma siting: the U,V of each 2x2 output block are those of its top-left pixel (OpenCV's
//     I420 conversion does exactly this; libyuv would average the block).
#include "convert/nv12.h"

#include "convert/area_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mnv4 {
namespace {

constexpr int kShift = 20;
constexpr int kHalf = 1 << (kShift - 1);
constexpr int kCRY = 269484, kCGY = 528482, kCBY = 102760;
constexpr int kCRU = -155188, kCGU = -305135, kCBU = 460324;
constexpr int kCGV = -385875, kCBV = -74448;  // and kCRV = kCBU

constexpr int kVertOne = 256;    // area: vertical weights of one output row sum to this
constexpr int kHorzOne = 4096;   // area: horizontal weights of one output column sum to this
constexpr int kLinOne = 2048;    // OpenCV INTER_RESIZE_COEF_SCALE

inline uint8_t Clamp8(int v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

inline uint8_t RgbToY(int r, int g, int b) {
  return Clamp8((kCRY * r + kCGY * g + kCBY * b + kHalf + (16 << kShift)) >> kShift);
}
inline uint8_t RgbToU(int r, int g, int b) {
  return Clamp8((kCRU * r + kCGU * g + kCBU * b + kHalf + (128 << kShift)) >> kShift);
}
inline uint8_t RgbToV(int r, int g, int b) {
  return Clamp8((kCBU * r + kCGV * g + kCBV * b + kHalf + (128 << kShift)) >> kShift);
}

enum class Kind { kRgb, kGrey, kYuv };

// Byte layout of a format: for each channel, which plane it lives in and where in the row.
struct Layout {
  Kind kind;
  int channels;    // 1 (grey) or 3
  int bpp;         // bytes per pixel in plane 0 rows (2 for the 4:2:2 packed formats)
  bool semiPlanar; // NV12/NV21: channels 1,2 come from the half-height UV plane
  int off[3];      // offset of the channel in its pixel (packed RGB), or in the pair/block
};

Layout LayoutOf(PixelFormat f) {
  switch (f) {
    case PixelFormat::kRGB8: return {Kind::kRgb, 3, 3, false, {0, 1, 2}};
    case PixelFormat::kBGR8: return {Kind::kRgb, 3, 3, false, {2, 1, 0}};
    case PixelFormat::kRGBA8: return {Kind::kRgb, 3, 4, false, {0, 1, 2}};
    case PixelFormat::kBGRA8: return {Kind::kRgb, 3, 4, false, {2, 1, 0}};
    case PixelFormat::kMono8: return {Kind::kGrey, 1, 1, false, {0, 0, 0}};
    case PixelFormat::kUYVY: return {Kind::kYuv, 3, 2, false, {1, 0, 2}};
    case PixelFormat::kYUYV: return {Kind::kYuv, 3, 2, false, {0, 1, 3}};
    case PixelFormat::kNV12: return {Kind::kYuv, 3, 1, true, {0, 0, 1}};
    case PixelFormat::kNV21: return {Kind::kYuv, 3, 1, true, {0, 1, 0}};
  }
  return {Kind::kRgb, 3, 3, false, {0, 1, 2}};
}

bool KnownFormat(int f) { return f >= 0 && f <= static_cast<int>(PixelFormat::kNV21); }

// Byte offset, within its row, of channel c of source pixel x.
inline int ChannelOffset(const Layout& l, PixelFormat f, int x, int c) {
  switch (f) {
    case PixelFormat::kUYVY:
    case PixelFormat::kYUYV:
      return c == 0 ? 2 * x + l.off[0] : (x >> 1) * 4 + l.off[c];
    case PixelFormat::kNV12:
    case PixelFormat::kNV21:
      return c == 0 ? x : (x & ~1) + l.off[c];
    default:
      return x * l.bpp + l.off[c];
  }
}

bool Needs422Width(PixelFormat f) {
  return f == PixelFormat::kUYVY || f == PixelFormat::kYUYV || f == PixelFormat::kNV12 || f == PixelFormat::kNV21;
}
bool Needs420Height(PixelFormat f) { return f == PixelFormat::kNV12 || f == PixelFormat::kNV21; }

// Area weights along one axis (n source -> m output); see the file comment.
void AreaTaps(int n, int m, int one, std::vector<FilterTaps>* taps, std::vector<int32_t>* weights) {
  taps->clear();
  weights->clear();
  for (int d = 0; d < m; d++) {
    // Footprint [d*n, (d+1)*n) in units of 1/m source pixel.
    const int64_t start = static_cast<int64_t>(d) * n, end = start + n;
    const int first = static_cast<int>(start / m);
    const int last = static_cast<int>((end - 1) / m);
    FilterTaps t{first, last - first + 1, static_cast<int>(weights->size())};
    int64_t cum = 0;
    int prev = 0;
    for (int i = first; i <= last; i++) {
      const int64_t lo = std::max<int64_t>(start, static_cast<int64_t>(i) * m);
      const int64_t hi = std::min<int64_t>(end, static_cast<int64_t>(i + 1) * m);
      cum += hi - lo;
      const int rounded = static_cast<int>((cum * one * 2 + n) / (2 * static_cast<int64_t>(n)));
      weights->push_back(rounded - prev);
      prev = rounded;
    }
    taps->push_back(t);
  }
}

// OpenCV INTER_LINEAR coordinates and 11-bit weights along one axis (resize.cpp, resize()): the
// horizontal axis clamps index and weight at the borders, the vertical one only clamps row indices
// when reading (clampWeights false), exactly as OpenCV does.
void LinearTaps(int n, int m, bool clampWeights, std::vector<FilterTaps>* taps, std::vector<int32_t>* weights) {
  taps->clear();
  weights->clear();
  const double scale = 1.0 / (static_cast<double>(m) / n);
  for (int d = 0; d < m; d++) {
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    if (clampWeights && s < 0) {
      s = 0;
      f = 0.f;
    }
    if (clampWeights && s >= n - 1) {
      s = n - 1;
      f = 0.f;
    }
    const int a0 = static_cast<int>(std::nearbyint((1.f - f) * kLinOne));
    const int a1 = static_cast<int>(std::nearbyint(f * kLinOne));
    taps->push_back(FilterTaps{s, 2, static_cast<int>(weights->size())});
    weights->push_back(a0);
    weights->push_back(a1);
  }
}

}  // namespace

std::string ValidateSource(const SrcImage& src) {
  if (!KnownFormat(static_cast<int>(src.format))) return "unknown pixel format " + std::to_string(static_cast<int>(src.format));
  if (src.width <= 0 || src.height <= 0)
    return "frame has zero size (" + std::to_string(src.width) + "x" + std::to_string(src.height) + ")";
  if (src.width > kMaxSourceSide || src.height > kMaxSourceSide)
    return "frame " + std::to_string(src.width) + "x" + std::to_string(src.height) + " exceeds the limit of " +
           std::to_string(kMaxSourceSide) + " pixels per side";
  const Layout l = LayoutOf(src.format);
  if (Needs422Width(src.format) && (src.width % 2) != 0)
    return "width " + std::to_string(src.width) + " is odd; this 4:2:x format needs an even width";
  if (Needs420Height(src.format) && (src.height % 2) != 0)
    return "height " + std::to_string(src.height) + " is odd; this 4:2:0 format needs an even height";
  const int64_t rowBytes = static_cast<int64_t>(src.width) * l.bpp;
  if (src.stride < rowBytes)
    return "step " + std::to_string(src.stride) + " is smaller than one row of " + std::to_string(rowBytes) + " bytes";
  int64_t need = static_cast<int64_t>(src.stride) * src.height;
  if (l.semiPlanar) need += static_cast<int64_t>(src.stride) * (src.height / 2);
  if (src.data == nullptr || static_cast<int64_t>(src.size) < need)
    return "data has " + std::to_string(src.size) + " bytes, the frame needs " + std::to_string(need);
  return std::string();
}

std::string ValidateTarget(const Nv12Image& dst, const ConvertParams& params) {
  if (dst.width <= 0 || dst.height <= 0 || (dst.width % 2) != 0 || (dst.height % 2) != 0)
    return "output size " + std::to_string(dst.width) + "x" + std::to_string(dst.height) + " must be positive and even";
  if (dst.width > kMaxSourceSide || dst.height > kMaxSourceSide) return "output size exceeds the limit";
  if (dst.y == nullptr || dst.uv == nullptr || dst.yStride < dst.width || dst.uvStride < dst.width)
    return "output planes are missing or their strides are too small";
  const int mode = static_cast<int>(params.mode), filter = static_cast<int>(params.filter);
  if (mode < 0 || mode > 2) return "unknown resize mode " + std::to_string(mode);
  if (filter < 0 || filter > 1) return "unknown resize filter " + std::to_string(filter);
  if (!(params.cropRatio > 0.0 && params.cropRatio <= 1.0)) return "crop ratio must be in (0, 1]";
  return std::string();
}

Geometry ComputeGeometry(int w, int h, int dw, int dh, const ConvertParams& params) {
  Geometry g;
  g.crop = Rect{0, 0, w, h};
  g.inner = Rect{0, 0, dw, dh};
  const int64_t W = w, H = h, DW = dw, DH = dh;
  if (params.mode == ResizeMode::kCenterCrop) {
    // Largest centred rectangle of the output's aspect ratio, scaled by cropRatio.
    int64_t fw, fh;
    if (W * DH >= H * DW) {
      fh = H;
      fw = std::min<int64_t>(W, (H * DW + DH / 2) / DH);
    } else {
      fw = W;
      fh = std::min<int64_t>(H, (W * DH + DW / 2) / DW);
    }
    const int cw = std::max(1, static_cast<int>(std::floor(static_cast<double>(fw) * params.cropRatio + 0.5)));
    const int ch = std::max(1, static_cast<int>(std::floor(static_cast<double>(fh) * params.cropRatio + 0.5)));
    g.crop = Rect{(w - cw) / 2, (h - ch) / 2, cw, ch};
  } else if (params.mode == ResizeMode::kLetterbox) {
    // Whole frame, aspect kept; inner size and offset even so that no 2x2 chroma block straddles
    // picture and padding.
    int iw, ih;
    if (W * DH >= H * DW) {
      iw = dw;
      ih = static_cast<int>(2 * ((H * DW + W) / (2 * W)));
    } else {
      ih = dh;
      iw = static_cast<int>(2 * ((W * DH + H) / (2 * H)));
    }
    iw = std::min(dw, std::max(2, iw));
    ih = std::min(dh, std::max(2, ih));
    g.inner = Rect{((dw - iw) / 2) & ~1, ((dh - ih) / 2) & ~1, iw, ih};
  }
  return g;
}

namespace {

// Writes one output row of the inner rectangle from resized channel values `pix` (3 bytes per
// pixel, or 1 for grey): Y always, U,V on even rows from each block's top-left pixel.
void EmitRow(Kind kind, const uint8_t* pix, int iw, const Nv12Image& dst, int row, int ox) {
  uint8_t* y = dst.y + static_cast<size_t>(row) * dst.yStride + ox;
  const bool chroma = (row & 1) == 0;
  uint8_t* uv = dst.uv + static_cast<size_t>(row / 2) * dst.uvStride + ox;
  if (kind == Kind::kGrey) {
    for (int x = 0; x < iw; x++) y[x] = RgbToY(pix[x], pix[x], pix[x]);
    if (chroma) {
      for (int x = 0; x < iw; x += 2) {
        uv[x] = RgbToU(pix[x], pix[x], pix[x]);
        uv[x + 1] = RgbToV(pix[x], pix[x], pix[x]);
      }
    }
    return;
  }
  if (kind == Kind::kYuv) {
    for (int x = 0; x < iw; x++) y[x] = pix[3 * x];
    if (chroma) {
      for (int x = 0; x < iw; x += 2) {
        uv[x] = pix[3 * x + 1];
        uv[x + 1] = pix[3 * x + 2];
      }
    }
    return;
  }
  for (int x = 0; x < iw; x++) y[x] = RgbToY(pix[3 * x], pix[3 * x + 1], pix[3 * x + 2]);
  if (chroma) {
    for (int x = 0; x < iw; x += 2) {
      const uint8_t* p = pix + 3 * x;
      uv[x] = RgbToU(p[0], p[1], p[2]);
      uv[x + 1] = RgbToV(p[0], p[1], p[2]);
    }
  }
}

void FillPad(const Nv12Image& dst, const Rect& inner) {
  for (int r = 0; r < dst.height; r++) {
    uint8_t* y = dst.y + static_cast<size_t>(r) * dst.yStride;
    if (r < inner.y || r >= inner.y + inner.height) {
      std::memset(y, kPadY, dst.width);
    } else {
      std::memset(y, kPadY, inner.x);
      std::memset(y + inner.x + inner.width, kPadY, dst.width - inner.x - inner.width);
    }
  }
  for (int r = 0; r < dst.height / 2; r++) {
    uint8_t* uv = dst.uv + static_cast<size_t>(r) * dst.uvStride;
    const bool inside = 2 * r >= inner.y && 2 * r < inner.y + inner.height;
    for (int x = 0; x < dst.width; x += 2) {
      if (inside && x >= inner.x && x < inner.x + inner.width) continue;
      uv[x] = kPadU;
      uv[x + 1] = kPadV;
    }
  }
}

}  // namespace

bool Nv12Converter::Convert(const SrcImage& src, const Nv12Image& dst, const ConvertParams& params,
                            std::string* error) {
  std::string why = ValidateSource(src);
  if (why.empty()) why = ValidateTarget(dst, params);
  if (!why.empty()) {
    if (error) *error = why;
    return false;
  }
  const Geometry g = ComputeGeometry(src.width, src.height, dst.width, dst.height, params);
  const Rect& crop = g.crop;
  const Rect& inner = g.inner;
  if (inner.width != dst.width || inner.height != dst.height) FillPad(dst, inner);

  const Layout l = LayoutOf(src.format);
  const int C = l.channels;
  const int iw = inner.width, ih = inner.height;
  const int cw = crop.width, ch = crop.height;
  const uint8_t* uvPlane = src.data + static_cast<size_t>(src.stride) * src.height;
  auto rowPtr = [&](int plane, int y) -> const uint8_t* {
    return plane == 0 ? src.data + static_cast<size_t>(src.stride) * (crop.y + y)
                      : uvPlane + static_cast<size_t>(src.stride) * ((crop.y + y) >> 1);
  };

  // Per channel: byte offsets of crop column x within its row, relative to the row base used.
  // table_ layout: [offsets C*cw][x taps weights][y taps weights] (weights appended separately).
  std::vector<FilterTaps> xt, yt;  // small; reserved below
  thread_local std::vector<FilterTaps> xTaps_, yTaps_;
  thread_local std::vector<int32_t> xWeights_, yWeights_;
  const bool exact2x = cw == 2 * iw && ch == 2 * ih;
  const bool area = params.filter == ResizeFilter::kArea || exact2x;
  if (area) {
    AreaTaps(cw, iw, kHorzOne, &xTaps_, &xWeights_);
    AreaTaps(ch, ih, kVertOne, &yTaps_, &yWeights_);
  } else {
    LinearTaps(cw, iw, true, &xTaps_, &xWeights_);
    LinearTaps(ch, ih, false, &yTaps_, &yWeights_);
  }
  // table_: per channel, the byte offset of each crop column's sample within its row.
  table_.resize(static_cast<size_t>(C) * cw);
  int32_t* off = table_.data();
  for (int c = 0; c < C; c++)
    for (int x = 0; x < cw; x++) off[c * cw + x] = ChannelOffset(l, src.format, crop.x + x, c);
  // Row base: the smallest offset used, so that column-sum buffers cover only the crop.
  int base0 = off[0], base1 = off[0], end0 = 0, end1 = 0;
  for (int c = 0; c < C; c++) {
    const bool p1 = l.semiPlanar && c > 0;
    int& base = p1 ? base1 : base0;
    int& end = p1 ? end1 : end0;
    if (c == 1 && p1) base = off[cw];
    for (int x = 0; x < cw; x++) {
      base = std::min(base, off[c * cw + x]);
      end = std::max(end, off[c * cw + x] + 1);
    }
  }
  scratch_.resize(static_cast<size_t>(iw) * 3);
  uint8_t* pix = scratch_.data();

  if (area) {
    // Fused one-pass area kernel (area_kernels.h): per output row, VerticalSum over the source
    // rows it covers, then one window dot product per output pixel and channel.
    const int len0 = end0 - base0, len1 = l.semiPlanar ? end1 - base1 : 0;
    // Horizontal windows: for output column x and channel c, start hStart_[3x+c] (in the column
    // sums of the channel's plane) and hLen_ Q12 weights at hW_[(3x+c)*hLen_].
    int maxSpan = 1;
    hStart_.resize(static_cast<size_t>(iw) * 3);
    for (int dx = 0; dx < iw; dx++) {
      const FilterTaps& tx = xTaps_[dx];
      for (int c = 0; c < C; c++) {
        const int base = (l.semiPlanar && c > 0) ? base1 : base0;
        int lo = off[c * cw + tx.first], hi = lo;
        for (int k = 0; k < tx.count; k++) {
          lo = std::min(lo, off[c * cw + tx.first + k]);
          hi = std::max(hi, off[c * cw + tx.first + k]);
        }
        hStart_[3 * dx + c] = lo - base;
        maxSpan = std::max(maxSpan, hi - lo + 1);
      }
    }
    const int L = (maxSpan + 15) & ~15;
    hW_.assign(static_cast<size_t>(iw) * 3 * L, 0);
    for (int dx = 0; dx < iw; dx++) {
      const FilterTaps& tx = xTaps_[dx];
      const int32_t* wx = xWeights_.data() + tx.wOffset;
      for (int c = 0; c < C; c++) {
        const int base = (l.semiPlanar && c > 0) ? base1 : base0;
        int16_t* w = hW_.data() + static_cast<size_t>(3 * dx + c) * L;
        for (int k = 0; k < tx.count; k++) {
          w[off[c * cw + tx.first + k] - base - hStart_[3 * dx + c]] += static_cast<int16_t>(wx[k]);
        }
      }
    }
    // Column sums, zero-padded by L so that every window can be read whole.
    const size_t pad = static_cast<size_t>(L);
    acc16_.assign(static_cast<size_t>(len0) + len1 + 2 * pad, 0);
    int16_t* acc0 = acc16_.data();
    int16_t* acc1 = acc0 + len0 + pad;
    size_t maxTaps = 1;
    for (int dy = 0; dy < ih; dy++) maxTaps = std::max(maxTaps, static_cast<size_t>(yTaps_[dy].count));
    rowPtrs_.resize(maxTaps);
    rowW_.resize(maxTaps);
    const int32_t* hs = hStart_.data();
    for (int dy = 0; dy < ih; dy++) {
      const FilterTaps& ty = yTaps_[dy];
      const int32_t* wy = yWeights_.data() + ty.wOffset;
      const bool needUv = ((inner.y + dy) & 1) == 0;
      for (int k = 0; k < ty.count; k++) {
        rowPtrs_[k] = rowPtr(0, ty.first + k) + base0;
        rowW_[k] = static_cast<uint16_t>(wy[k]);
      }
      VerticalSum(rowPtrs_.data(), rowW_.data(), ty.count, len0, acc0);
      if (l.semiPlanar && needUv) {
        for (int k = 0; k < ty.count; k++) rowPtrs_[k] = rowPtr(1, ty.first + k) + base1;
        VerticalSum(rowPtrs_.data(), rowW_.data(), ty.count, len1, acc1);
      }
      // While the horizontal pass computes, let the memory system fetch the next rows.
      if (dy + 1 < ih) {
        const FilterTaps& next = yTaps_[dy + 1];
        const uint8_t* from = rowPtr(0, std::max(next.first, ty.first + ty.count)) + base0;
        const uint8_t* to = rowPtr(0, next.first + next.count - 1) + base0 + len0;
        if (to > from) PrefetchRange(from, static_cast<size_t>(to - from));
      }
      if (C == 1) {
        for (int dx = 0; dx < iw; dx++) {
          const int32_t t = WindowDot(acc0 + hs[3 * dx], hW_.data() + static_cast<size_t>(3 * dx) * L, L);
          pix[dx] = static_cast<uint8_t>((t + (1 << 18)) >> 19);
        }
      } else if (l.kind == Kind::kYuv && !needUv) {
        for (int dx = 0; dx < iw; dx++) {
          const int32_t t = WindowDot(acc0 + hs[3 * dx], hW_.data() + static_cast<size_t>(3 * dx) * L, L);
          pix[3 * dx] = static_cast<uint8_t>((t + (1 << 18)) >> 19);
        }
      } else {
        const int16_t* a1 = l.semiPlanar ? acc1 : acc0;
        int32_t t[3];
        for (int dx = 0; dx < iw; dx++) {
          WindowDot3(acc0 + hs[3 * dx], a1 + hs[3 * dx + 1], a1 + hs[3 * dx + 2],
                     hW_.data() + static_cast<size_t>(3 * dx) * L, L, t);
          pix[3 * dx] = static_cast<uint8_t>((t[0] + (1 << 18)) >> 19);
          pix[3 * dx + 1] = static_cast<uint8_t>((t[1] + (1 << 18)) >> 19);
          pix[3 * dx + 2] = static_cast<uint8_t>((t[2] + (1 << 18)) >> 19);
        }
      }
      EmitRow(l.kind, pix, iw, dst, inner.y + dy, inner.x);
    }
    return true;
  }

  // Bilinear (OpenCV INTER_LINEAR): horizontal pass per needed source row into int32 (value*2048),
  // cached for the two most recent source rows, then OpenCV's vertical rounding.
  const int rowLen = iw * C;
  rows_.resize(static_cast<size_t>(rowLen) * 2);
  int cachedRow[2] = {-1, -1};
  auto hresize = [&](int sy, int slot) {
    int32_t* out = rows_.data() + static_cast<size_t>(slot) * rowLen;
    const uint8_t* r0 = rowPtr(0, sy);
    const uint8_t* r1 = l.semiPlanar ? rowPtr(1, sy) : nullptr;
    for (int dx = 0; dx < iw; dx++) {
      const FilterTaps& tx = xTaps_[dx];
      const int32_t a0 = xWeights_[tx.wOffset], a1 = xWeights_[tx.wOffset + 1];
      const int x1 = std::min(tx.first + 1, cw - 1);
      for (int c = 0; c < C; c++) {
        const uint8_t* r = (l.semiPlanar && c > 0) ? r1 : r0;
        out[dx * C + c] = r[off[c * cw + tx.first]] * a0 + r[off[c * cw + x1]] * a1;
      }
    }
    cachedRow[slot] = sy;
  };
  auto fetch = [&](int sy) -> const int32_t* {
    for (int s = 0; s < 2; s++)
      if (cachedRow[s] == sy) return rows_.data() + static_cast<size_t>(s) * rowLen;
    // Evict the slot not holding sy-1 (rows advance monotonically).
    const int slot = (cachedRow[0] == sy - 1) ? 1 : 0;
    hresize(sy, slot);
    return rows_.data() + static_cast<size_t>(slot) * rowLen;
  };
  for (int dy = 0; dy < ih; dy++) {
    const FilterTaps& ty = yTaps_[dy];
    const int sy0 = std::min(std::max(ty.first, 0), ch - 1);
    const int sy1 = std::min(std::max(ty.first + 1, 0), ch - 1);
    const int b0 = yWeights_[ty.wOffset], b1 = yWeights_[ty.wOffset + 1];
    const int32_t* s0 = fetch(sy0);
    const int32_t* s1 = fetch(sy1);
    for (int i = 0; i < rowLen; i++) {
      const int v = (((s0[i] >> 4) * b0) >> 16) + (((s1[i] >> 4) * b1) >> 16);
      pix[i] = Clamp8((v + 2) >> 2);
    }
    EmitRow(l.kind, pix, iw, dst, inner.y + dy, inner.x);
  }
  return true;
}

void Nv12ToRgb(const uint8_t* y, int yStride, const uint8_t* uv, int uvStride, int width, int height,
               uint8_t* rgb, int rgbStride) {
  // OpenCV YUV420sp2RGB: 1.164(Y-16), 1.596 V, -0.391 U - 0.813 V, 2.018 U in 20-bit fixed point.
  constexpr int kCY = 1220542, kCUB = 2116026, kCUG = -409993, kCVG = -852492, kCVR = 1673527;
  for (int r = 0; r < height; r++) {
    const uint8_t* yr = y + static_cast<size_t>(r) * yStride;
    const uint8_t* uvr = uv + static_cast<size_t>(r / 2) * uvStride;
    uint8_t* o = rgb + static_cast<size_t>(r) * rgbStride;
    for (int x = 0; x < width; x++) {
      const int u = uvr[x & ~1] - 128, v = uvr[(x & ~1) + 1] - 128;
      const int yy = std::max(0, yr[x] - 16) * kCY;
      o[3 * x] = Clamp8((yy + kHalf + kCVR * v) >> kShift);
      o[3 * x + 1] = Clamp8((yy + kHalf + kCVG * v + kCUG * u) >> kShift);
      o[3 * x + 2] = Clamp8((yy + kHalf + kCUB * u) >> kShift);
    }
  }
}

}  // namespace mnv4
