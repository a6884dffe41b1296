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
//                 rounding so that the weights of one output sum exactly to 128 (vertical) and 4096
//                 (horizontal): v = (sum_x wx * sum_y wy * p + 2^18) >> 19.
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
//  The area kernel folds step 3 into step 2 (no 8-bit rounding of R,G,B in between), so its output
//  may differ from this definition by 1; bilinear follows it exactly.
//
// libyuv versus our kernels (bench/preprocess.ts measures both in one run, cold 1080p frames,
// medians on this shared 2-core VM, 2026-11-28):
//  - area: our fused one-pass kernel (area_kernels.h) fetches each source byte from memory once
//    and converts colour only for the 224x224 output. libyuv's best averaging sequence
//    (RGB24ToI420/YUY2ToI420 + I420Scale(kFilterBox) + I420ToNV12) converts the whole frame first:
//    bgr8 ~0.70-0.76 vs 1.4-3.6 ms, yuyv ~0.51-0.55 vs ~1.0 ms. For nv12, NV12Scale(kFilterBox) is
//    slower (~0.55 vs ~0.45-0.48 ms) and filters chroma bilinearly. Ours everywhere.
//  - bilinear: the point is parity with OpenCV, whose fixed-point weights and rounding libyuv does
//    not reproduce (Y up to 2-3 levels off, chroma block-averaged); ours (linear_kernels.h) is also
//    faster than libyuv's fastest bilinear sequences: bgr8 ~0.42-0.45 vs ~0.7 ms, yuyv ~0.33 vs
//    ~0.43 ms, nv12 ~0.29 vs ~0.38 ms.
//  So the conversion does not call libyuv; bench_libyuv.cc keeps its sequences as comparators.
#include "convert/nv12.h"

#include "convert/area_kernels.h"
#include "convert/linear_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <climits>

namespace mnv4 {
namespace {

constexpr int kShift = 20;
constexpr int kHalf = 1 << (kShift - 1);
constexpr int kCRY = 269484, kCGY = 528482, kCBY = 102760;
constexpr int kCRU = -155188, kCGU = -305135, kCBU = 460324;
constexpr int kCGV = -385875, kCBV = -74448;  // and kCRV = kCBU

constexpr int kVertOne = 128;    // area: vertical weights of one output row sum to this (Q7)
constexpr int kHorzOne = 4096;   // area: horizontal weights of one output column sum to this
constexpr int kLinOne = 2048;    // OpenCV INTER_RESIZE_COEF_SCALE

inline uint8_t Clamp8(int v) { return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v)); }

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

// Writes one output row of the inner rectangle from the resized channel planes p0, p1, p2 (R,G,B;
// grey; or Y,U,V): Y always, U,V on even rows from each block's top-left pixel. Plain loops that
// the compiler vectorises (int32 lanes).
void EmitRow(Kind kind, const uint8_t* p0, const uint8_t* p1, const uint8_t* p2, int iw, const Nv12Image& dst,
             int row, int ox) {
  uint8_t* y = dst.y + static_cast<size_t>(row) * dst.yStride + ox;
  const bool chroma = (row & 1) == 0;
  uint8_t* uv = dst.uv + static_cast<size_t>(row / 2) * dst.uvStride + ox;
  if (kind == Kind::kYuv) {
    std::memcpy(y, p0, static_cast<size_t>(iw));
    if (chroma) {
      for (int x = 0; x < iw; x += 2) {
        uv[x] = p1[x];
        uv[x + 1] = p2[x];
      }
    }
    return;
  }
  if (kind == Kind::kGrey) p1 = p2 = p0;
  for (int x = 0; x < iw; x++)
    y[x] = static_cast<uint8_t>((kCRY * p0[x] + kCGY * p1[x] + kCBY * p2[x] + kHalf + (16 << kShift)) >> kShift);
  if (chroma) {
    // In range for any 8-bit R,G,B (16..240), so no clamping is needed.
    for (int x = 0; x < iw; x += 2) {
      uv[x] = static_cast<uint8_t>((kCRU * p0[x] + kCGU * p1[x] + kCBU * p2[x] + kHalf + (128 << kShift)) >> kShift);
      uv[x + 1] = static_cast<uint8_t>((kCBU * p0[x] + kCGV * p1[x] + kCBV * p2[x] + kHalf + (128 << kShift)) >> kShift);
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

void Nv12Converter::BuildPlan(Plan* plan, PixelFormat format, const Rect& crop, int iw, int ih, bool area) {
  Plan& pl = *plan;
  const Layout l = LayoutOf(format);
  const int C = l.channels, cw = crop.width, ch = crop.height;
  if (area) {
    AreaTaps(cw, iw, kHorzOne, &pl.xTaps, &pl.xWeights);
    AreaTaps(ch, ih, kVertOne, &pl.yTaps, &pl.yWeights);
  } else {
    LinearTaps(cw, iw, true, &pl.xTaps, &pl.xWeights);
    LinearTaps(ch, ih, false, &pl.yTaps, &pl.yWeights);
  }
  // pl.offsets: per channel, the byte offset of each crop column's sample within its row.
  pl.offsets.resize(static_cast<size_t>(C) * cw);
  int32_t* off = pl.offsets.data();
  for (int c = 0; c < C; c++)
    for (int x = 0; x < cw; x++) off[c * cw + x] = ChannelOffset(l, format, crop.x + x, c);
  // Per plane (0: packed rows or the Y plane; 1: the NV12 UV plane), the byte range of the crop.
  auto planeOf = [&](int c) { return l.semiPlanar && c > 0 ? 1 : 0; };
  int lo[2] = {INT32_MAX, INT32_MAX}, hi[2] = {0, 0};
  for (int c = 0; c < C; c++)
    for (int x = 0; x < cw; x++) {
      lo[planeOf(c)] = std::min(lo[planeOf(c)], off[c * cw + x]);
      hi[planeOf(c)] = std::max(hi[planeOf(c)], off[c * cw + x] + 1);
    }
  for (int p = 0; p < 2; p++) {
    pl.base[p] = lo[p] == INT32_MAX ? 0 : lo[p];
    pl.len[p] = lo[p] == INT32_MAX ? 0 : hi[p] - lo[p];
  }
  if (!area) {
    // Both taps' byte positions per output column: linX for packed RGB (pixel start; channels at
    // +l.off), linC per channel otherwise; each as [tap 0 for all columns][tap 1 for all columns].
    // linW likewise holds the 11-bit weights; linMax the largest position per plane.
    pl.linX.resize(static_cast<size_t>(iw) * 2);
    pl.linC.resize(static_cast<size_t>(iw) * 2 * C);
    pl.linW.resize(static_cast<size_t>(iw) * 2);
    pl.linMax[0] = pl.linMax[1] = 0;
    for (int dx = 0; dx < iw; dx++) {
      const int x0 = pl.xTaps[dx].first, x1 = std::min(x0 + 1, cw - 1);
      pl.linX[dx] = (crop.x + x0) * l.bpp;
      pl.linX[iw + dx] = (crop.x + x1) * l.bpp;
      pl.linW[dx] = pl.xWeights[2 * dx];
      pl.linW[iw + dx] = pl.xWeights[2 * dx + 1];
      for (int c = 0; c < C; c++) {
        int32_t* lc = pl.linC.data() + static_cast<size_t>(c) * iw * 2;
        lc[dx] = off[c * cw + x0];
        lc[iw + dx] = off[c * cw + x1];
        pl.linMax[planeOf(c)] = std::max({pl.linMax[planeOf(c)], lc[dx], lc[iw + dx]});
      }
      pl.linMax[0] = std::max(pl.linMax[0], pl.linX[iw + dx]);
    }
    return;
  }

  // Area: per output column and plane, one window of column sums shared by that plane's channels
  // (pl.hStart[2x+plane]), and per channel pl.hLen zero-padded Q12 weights at pl.hW[(3x+c)*pl.hLen].
  int span = 1;
  pl.hStart.assign(static_cast<size_t>(iw) * 2, 0);
  for (int dx = 0; dx < iw; dx++) {
    const FilterTaps& tx = pl.xTaps[dx];
    int wlo[2] = {INT32_MAX, INT32_MAX}, whi[2] = {0, 0};
    for (int c = 0; c < C; c++)
      for (int k = 0; k < tx.count; k++) {
        const int o = off[c * cw + tx.first + k];
        wlo[planeOf(c)] = std::min(wlo[planeOf(c)], o);
        whi[planeOf(c)] = std::max(whi[planeOf(c)], o);
      }
    for (int p = 0; p < 2; p++)
      if (wlo[p] != INT32_MAX) {
        pl.hStart[2 * dx + p] = wlo[p] - pl.base[p];
        span = std::max(span, whi[p] - wlo[p] + 1);
      }
    if (!l.semiPlanar) pl.hStart[2 * dx + 1] = pl.hStart[2 * dx];  // channels 1, 2 share plane 0's window
  }
  const int L = (span + 15) & ~15;
  pl.hLen = L;
  pl.hW.assign(static_cast<size_t>(iw) * 3 * L, 0);
  for (int dx = 0; dx < iw; dx++) {
    const FilterTaps& tx = pl.xTaps[dx];
    const int32_t* wx = pl.xWeights.data() + tx.wOffset;
    for (int c = 0; c < C; c++) {
      const int p = planeOf(c);
      int16_t* w = pl.hW.data() + static_cast<size_t>(3 * dx + c) * L;
      const int start = pl.hStart[2 * dx + (c == 0 ? 0 : 1)];
      for (int k = 0; k < tx.count; k++) w[off[c * cw + tx.first + k] - pl.base[p] - start] += static_cast<int16_t>(wx[k]);
    }
  }
  // Fold the colour conversion into the windows (everything up to the rounding is linear), so that
  // the horizontal pass computes Y, U, V directly: per output column, windows Y (over plane 0) and
  // U, V (over the chroma plane), weights scaled by 4 (dot = value * 2^21). RGB: the BT.601
  // coefficients times the R, G, B windows (disjoint supports); grey: Y only; YUV: as they are
  // (exact). Against rounding R,G,B to 8 bits first (the reference) the error is < 0.44 plus
  // 0.0078 per non-zero folded weight (rounding of the weights), so folding is used while a window
  // has at most 64 of them (horizontal reductions up to ~21x); wider ones keep R,G,B windows.
  int maxNonZero = 0;
  for (int i = 0; i < iw * 3; i++) {
    int n = 0;
    for (int j = 0; j < L; j++) n += pl.hW[static_cast<size_t>(i) * L + j] != 0;
    maxNonZero = std::max(maxNonZero, n);
  }
  pl.folded = l.kind == Kind::kYuv || (l.kind == Kind::kRgb ? 3 : 1) * maxNonZero <= 64;
  if (pl.folded) {
    const double cY[3] = {kCRY / 1048576.0, kCGY / 1048576.0, kCBY / 1048576.0};
    const double cU[3] = {kCRU / 1048576.0, kCGU / 1048576.0, kCBU / 1048576.0};
    const double cV[3] = {kCBU / 1048576.0, kCGV / 1048576.0, kCBV / 1048576.0};
    std::vector<int16_t>& hw = pl.hW;
    for (int dx = 0; dx < iw; dx++) {
      int16_t* w = hw.data() + static_cast<size_t>(3 * dx) * L;
      for (int j = 0; j < L; j++) {
        const double w0 = w[j], w1 = C > 1 ? w[L + j] : 0.0, w2 = C > 1 ? w[2 * L + j] : 0.0;
        double y, u, v;
        if (l.kind == Kind::kYuv) {
          y = w0, u = w1, v = w2;
        } else if (l.kind == Kind::kGrey) {
          y = (cY[0] + cY[1] + cY[2]) * w0, u = 0, v = 0;
        } else {
          y = cY[0] * w0 + cY[1] * w1 + cY[2] * w2;
          u = cU[0] * w0 + cU[1] * w1 + cU[2] * w2;
          v = cV[0] * w0 + cV[1] * w1 + cV[2] * w2;
        }
        w[j] = static_cast<int16_t>(std::lround(4 * y));
        w[L + j] = static_cast<int16_t>(std::lround(4 * u));
        w[2 * L + j] = static_cast<int16_t>(std::lround(4 * v));
      }
    }
  }
  // Column sums, each plane followed by L zeros so that every window can be read whole.
  // Two of them: the row being summed and the row being reduced horizontally.
  pl.acc16.assign(2 * (static_cast<size_t>(pl.len[0]) + pl.len[1] + 2 * static_cast<size_t>(L)), 0);
  size_t maxTaps = 1;
  for (const FilterTaps& t : pl.yTaps) maxTaps = std::max(maxTaps, static_cast<size_t>(t.count));
  pl.rowPtrs.resize(2 * maxTaps);  // plane 0 rows, then UV rows
  pl.rowW.resize(2 * maxTaps);
}

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

  const bool exact2x = cw == 2 * iw && ch == 2 * ih;
  const bool area = params.filter == ResizeFilter::kArea || exact2x;
  // Tables depend only on the format and geometry: a stream of same-sized frames reuses them.
  const PlanKey key{static_cast<int>(src.format), crop.x, crop.y, cw, ch, iw, ih};
  Plan& pl = plans_[area ? 0 : 1];
  if (!(key == pl.key)) {
    pl.key = PlanKey{};
    BuildPlan(&pl, src.format, crop, iw, ih, area);
    pl.key = key;
  }
  const int base0 = pl.base[0], base1 = pl.base[1];
  // Resized channel planes of one output row, `pitch` apart (bilinear, and area with wide windows).
  const int pitch = iw + 16;
  scratch_.resize(static_cast<size_t>(pitch) * 3);
  uint8_t* pix0 = scratch_.data();
  uint8_t* pix1 = pix0 + pitch;
  uint8_t* pix2 = pix1 + pitch;

  if (area) {
    // Fused one-pass area kernel (area_kernels.h): per output row, VerticalSum over the source
    // rows it covers, then window dot products per output pixel giving Y (and U,V) directly.
    // Software pipeline: output row dy's column sums are built chunk by chunk, and after each
    // chunk the next chunk of its rows is prefetched and the matching share of row dy-1's
    // horizontal pass runs, so loads (memory-bound) and dot products (ALU-bound) overlap.
    const int len0 = pl.len[0], len1 = pl.len[1], L = pl.hLen;
    const size_t accSize = static_cast<size_t>(len0) + len1 + 2 * static_cast<size_t>(L);
    int16_t* accs[2] = {pl.acc16.data(), pl.acc16.data() + accSize};
    const int32_t* hs = pl.hStart.data();
    const int16_t* hw = pl.hW.data();
    constexpr int kChunks = 8;  // 2..16 within noise at 1080p; fewer (longer chunks) was not better
    const int yOffset = l.kind == Kind::kYuv ? 0 : 16, uvOffset = l.kind == Kind::kYuv ? 0 : 128;
    auto horizontal = [&](int row, const int16_t* acc, int dxFrom, int dxTo) {
      const int oy = inner.y + row;
      uint8_t* yRow = dst.y + static_cast<size_t>(oy) * dst.yStride + inner.x;
      uint8_t* uvRow = (oy & 1) == 0 ? dst.uv + static_cast<size_t>(oy / 2) * dst.uvStride + inner.x : nullptr;
      const int16_t* acc12 = l.semiPlanar ? acc + len0 + L : acc;
      if (pl.folded) {
        HorizontalNv12(acc, acc12, hs, hw, L, dxFrom, dxTo, yOffset, uvOffset, yRow, uvRow);
        return;
      }
      // Wide windows (RGB/grey reduced > ~21x): R,G,B rounded to 8 bits, converted in EmitRow.
      for (int dx = dxFrom; dx < dxTo; dx++) {
        const int16_t* w = hw + static_cast<size_t>(3 * dx) * L;
        for (int c = 0; c < C; c++) {
          const int32_t t = WindowDot((c == 0 ? acc : acc12) + hs[2 * dx + (c == 0 ? 0 : 1)], w + c * L, L);
          pix0[static_cast<size_t>(c) * pitch + dx] = static_cast<uint8_t>((t + (1 << 18)) >> 19);
        }
      }
    };
    auto chunkEnd = [](int len, int j) { return j == kChunks ? len : ((len / kChunks) & ~31) * j; };
    for (int dy = 0; dy <= ih; dy++) {
      int16_t* acc = accs[dy & 1];
      const int16_t* prev = accs[(dy + 1) & 1];
      const bool vertical = dy < ih;
      bool uv = false;
      int uvTaps = 0;
      if (vertical) {
        const FilterTaps& ty = pl.yTaps[dy];
        const int32_t* wy = pl.yWeights.data() + ty.wOffset;
        uv = l.semiPlanar && ((inner.y + dy) & 1) == 0;
        uvTaps = 0;
        for (int k = 0; k < ty.count; k++) {
          pl.rowPtrs[k] = rowPtr(0, ty.first + k) + base0;
          pl.rowW[k] = static_cast<uint16_t>(wy[k]);
          if (!uv) continue;
          // Two luma rows share one chroma row: sum their weights instead of reading it twice.
          const uint8_t* r = rowPtr(1, ty.first + k) + base1;
          if (uvTaps > 0 && pl.rowPtrs[ty.count + uvTaps - 1] == r) {
            pl.rowW[ty.count + uvTaps - 1] = static_cast<uint16_t>(pl.rowW[ty.count + uvTaps - 1] + wy[k]);
          } else {
            pl.rowPtrs[ty.count + uvTaps] = r;
            pl.rowW[ty.count + uvTaps] = static_cast<uint16_t>(wy[k]);
            uvTaps++;
          }
        }
      }
      const int taps = vertical ? pl.yTaps[dy].count : 0;
      for (int j = 1; j <= kChunks; j++) {
        if (vertical) {
          VerticalSum(pl.rowPtrs.data(), pl.rowW.data(), taps, chunkEnd(len0, j - 1), chunkEnd(len0, j), acc);
          if (uv) {
            VerticalSum(pl.rowPtrs.data() + taps, pl.rowW.data() + taps, uvTaps, chunkEnd(len1, j - 1),
                        chunkEnd(len1, j), acc + len0 + L);
          }
        }
        if (vertical && j < kChunks) {
          // Ask for the next chunk of these rows before the ALU-bound horizontal share runs
          // (measured: 1080p bgr8 cold ~0.95 -> ~0.8 ms).
          const int a = chunkEnd(len0, j), b = chunkEnd(len0, j + 1);
          for (int k = 0; k < taps; k++) PrefetchRange(pl.rowPtrs[k] + a, static_cast<size_t>(b - a));
          if (uv) {
            const int ua = chunkEnd(len1, j), ub = chunkEnd(len1, j + 1);
            for (int k = 0; k < uvTaps; k++) PrefetchRange(pl.rowPtrs[taps + k] + ua, static_cast<size_t>(ub - ua));
          }
        }
        if (dy > 0) horizontal(dy - 1, prev, (iw * (j - 1) / kChunks) & ~1, (iw * j / kChunks) & ~1);
      }
      if (dy > 0 && !pl.folded) EmitRow(l.kind, pix0, pix1, pix2, iw, dst, inner.y + dy - 1, inner.x);
    }
    return true;
  }

  // Bilinear (OpenCV INTER_LINEAR): horizontal pass per needed source row into int32 (value*2048),
  // cached for the two most recent source rows, then OpenCV's vertical rounding.
  const int rowLen = iw * C;
  rows_.resize(static_cast<size_t>(rowLen) * 2);
  int cachedRow[2] = {-1, -1};
  const uint8_t* dataEnd = src.data + src.size;
  // YUV sources: chroma is needed only for even output rows (point chroma), so rows fetched for odd
  // ones skip it; cachedChroma says whether a cached row has it.
  bool cachedChroma[2] = {false, false};
  auto hresize = [&](int sy, int slot, bool chroma) {
    int32_t* out = rows_.data() + static_cast<size_t>(slot) * rowLen;
    const uint8_t* r0 = rowPtr(0, sy);
    const int32_t* a0 = pl.linW.data();
    const int32_t* a1 = a0 + iw;
    // The gathers read 4 bytes at each position: fine except possibly at the very end of the data.
    const bool safe0 = dataEnd - r0 >= static_cast<ptrdiff_t>(pl.linMax[0]) + 4;
    if (l.kind == Kind::kRgb) {
      LinearRowPacked(r0, pl.linX.data(), pl.linX.data() + iw, a0, a1, iw, l.off, safe0, out, out + iw, out + 2 * iw);
    } else {
      const uint8_t* r1 = l.semiPlanar ? rowPtr(1, sy) : r0;
      const bool safe1 = l.semiPlanar ? dataEnd - r1 >= static_cast<ptrdiff_t>(pl.linMax[1]) + 4 : safe0;
      for (int c = 0; c < (chroma ? C : 1); c++) {
        const int32_t* pos = pl.linC.data() + static_cast<size_t>(c) * iw * 2;
        LinearRowChannel(c > 0 ? r1 : r0, pos, pos + iw, a0, a1, iw, c > 0 ? safe1 : safe0,
                         out + static_cast<size_t>(c) * iw);
      }
    }
    cachedRow[slot] = sy;
    cachedChroma[slot] = chroma || l.kind != Kind::kYuv;
  };
  // The rows of the next output row are requested while this one is computed (bilinear touches
  // only ~2 rows per output row, at jumps the hardware prefetcher does not predict).
  auto prefetchRows = [&](int dy) {
    if (dy >= ih) return;
    const FilterTaps& t = pl.yTaps[dy];
    for (int k = 0; k < 2; k++) {
      const int sy = std::min(std::max(t.first + k, 0), ch - 1);
      if (sy == cachedRow[0] || sy == cachedRow[1]) continue;
      PrefetchRange(rowPtr(0, sy) + base0, static_cast<size_t>(pl.len[0]));
      if (l.semiPlanar) PrefetchRange(rowPtr(1, sy) + base1, static_cast<size_t>(pl.len[1]));
    }
  };
  auto fetch = [&](int sy, bool chroma) -> const int32_t* {
    for (int s = 0; s < 2; s++) {
      if (cachedRow[s] != sy) continue;
      if (chroma && !cachedChroma[s]) hresize(sy, s, true);
      return rows_.data() + static_cast<size_t>(s) * rowLen;
    }
    // Evict the slot not holding sy-1 (rows advance monotonically).
    const int slot = (cachedRow[0] == sy - 1) ? 1 : 0;
    hresize(sy, slot, chroma);
    return rows_.data() + static_cast<size_t>(slot) * rowLen;
  };
  for (int dy = 0; dy < ih; dy++) {
    const FilterTaps& ty = pl.yTaps[dy];
    const int sy0 = std::min(std::max(ty.first, 0), ch - 1);
    const int sy1 = std::min(std::max(ty.first + 1, 0), ch - 1);
    const int b0 = pl.yWeights[ty.wOffset], b1 = pl.yWeights[ty.wOffset + 1];
    prefetchRows(dy + 1);
    const bool chroma = ((inner.y + dy) & 1) == 0;
    const int32_t* s0 = fetch(sy0, chroma);
    const int32_t* s1 = fetch(sy1, chroma);
    for (int c = 0; c < (chroma || l.kind != Kind::kYuv ? C : 1); c++) {
      uint8_t* o = pix0 + static_cast<size_t>(c) * pitch;
      const int32_t* r0 = s0 + static_cast<size_t>(c) * iw;
      const int32_t* r1 = s1 + static_cast<size_t>(c) * iw;
      for (int i = 0; i < iw; i++) {
        const int v = (((r0[i] >> 4) * b0) >> 16) + (((r1[i] >> 4) * b1) >> 16);
        o[i] = Clamp8((v + 2) >> 2);
      }
    }
    EmitRow(l.kind, pix0, pix1, pix2, iw, dst, inner.y + dy, inner.x);
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
