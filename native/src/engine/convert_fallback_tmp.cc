// TEMPORARY until the converter lands on main: weak stand-ins so the addon links. The real
// definitions (native/src/convert) are strong symbols and replace these at link time.
#include <cstring>

#include "convert/nv12.h"

namespace mnv4 {

__attribute__((weak)) std::string ValidateSource(const SrcImage& src) {
  if (src.width <= 0 || src.height <= 0) return "zero size";
  if (src.format != PixelFormat::kNV12) return "only nv12 before the converter lands";
  if (src.stride < src.width) return "step smaller than a row";
  if (src.size < static_cast<size_t>(src.stride) * src.height * 3 / 2) return "data shorter than the frame";
  return "";
}

__attribute__((weak)) bool Nv12Converter::Convert(const SrcImage& src, const Nv12Image& dst, const ConvertParams&,
                                                  std::string* error) {
  if (src.format != PixelFormat::kNV12 || src.width != dst.width || src.height != dst.height) {
    *error = "only same-size nv12 before the converter lands";
    return false;
  }
  for (int r = 0; r < src.height; r++) std::memcpy(dst.y + r * dst.yStride, src.data + r * src.stride, src.width);
  const uint8_t* uv = src.data + static_cast<size_t>(src.stride) * src.height;
  for (int r = 0; r < src.height / 2; r++) std::memcpy(dst.uv + r * dst.uvStride, uv + r * src.stride, src.width);
  return true;
}

}  // namespace mnv4
