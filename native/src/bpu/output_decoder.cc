#include "bpu/output_decoder.h"

#include <cstring>

namespace mnv4 {
namespace hb {

const char* OutputDecoder::TypeName(int32_t t) {
  static const char* const kNames[] = {"Y",  "NV12", "NV12_SEPARATE", "YUV444", "RGB", "BGR", "S4",
                                       "U4", "S8",   "U8",            "F16",    "S16", "U16", "F32",
                                       "S32", "U32", "F64",           "S64",    "U64"};
  if (t < 0 || t >= HB_DNN_TENSOR_TYPE_MAX) return "unknown";
  return kNames[t];
}

int OutputDecoder::ElementSize(int32_t t) {
  switch (t) {
    case HB_DNN_TENSOR_TYPE_S8:
    case HB_DNN_TENSOR_TYPE_U8: return 1;
    case HB_DNN_TENSOR_TYPE_S16:
    case HB_DNN_TENSOR_TYPE_U16: return 2;
    case HB_DNN_TENSOR_TYPE_S32:
    case HB_DNN_TENSOR_TYPE_U32:
    case HB_DNN_TENSOR_TYPE_F32: return 4;
    case HB_DNN_TENSOR_TYPE_F64: return 8;
    default: return 0;
  }
}

bool OutputDecoder::init(const hbDNNTensorProperties& p, std::string* error) {
  type_ = p.tensorType;
  quanti_ = p.quantiType;
  axis_ = p.quantizeAxis;
  const int esize = ElementSize(type_);
  if (esize == 0) {
    *error = std::string("output tensor type ") + TypeName(type_) + " (" + std::to_string(type_) +
             ") is not supported (expected F32, F64, S8/U8, S16/U16 or S32/U32)";
    return false;
  }
  const int nd = p.validShape.numDimensions;
  if (nd < 1 || nd > kTensorMaxDimensions || p.alignedShape.numDimensions != nd) {
    *error = "output shape has " + std::to_string(nd) + " valid and " +
             std::to_string(p.alignedShape.numDimensions) + " aligned dimensions";
    return false;
  }
  int64_t count = 1;
  for (int d = 0; d < nd; ++d) {
    const int32_t v = p.validShape.dimensionSize[d];
    const int32_t a = p.alignedShape.dimensionSize[d];
    if (v <= 0 || a < v) {
      *error = "output dimension " + std::to_string(d) + " has valid size " + std::to_string(v) +
               " and aligned size " + std::to_string(a);
      return false;
    }
    count *= v;
    if (count > (1 << 24)) {
      *error = "output has too many elements";
      return false;
    }
  }
  // Byte strides: the runtime's stride[] when it fills them, else dense over alignedShape.
  int64_t stride[kTensorMaxDimensions];
  bool given = true;
  for (int d = 0; d < nd; ++d) given = given && p.stride[d] > 0;
  if (given) {
    for (int d = 0; d < nd; ++d) stride[d] = p.stride[d];
  } else {
    int64_t s = esize;
    for (int d = nd - 1; d >= 0; --d) {
      stride[d] = s;
      s *= p.alignedShape.dimensionSize[d];
    }
  }
  if (quanti_ != NONE && (axis_ < 0 || axis_ >= nd)) {
    *error = "output quantizeAxis " + std::to_string(axis_) + " is outside its " + std::to_string(nd) + " dimensions";
    return false;
  }
  if (quanti_ != NONE && (type_ == HB_DNN_TENSOR_TYPE_F32 || type_ == HB_DNN_TENSOR_TYPE_F64)) {
    *error = "output is floating point but declares quantisation";
    return false;
  }
  const int32_t channels = quanti_ != NONE ? p.validShape.dimensionSize[axis_] : 1;
  if (quanti_ == SCALE) {
    if (p.scale.scaleData == nullptr || (p.scale.scaleLen != channels && p.scale.scaleLen != 1)) {
      *error = "output SCALE quantisation has " + std::to_string(p.scale.scaleLen) + " scales for " +
               std::to_string(channels) + " channels on axis " + std::to_string(axis_);
      return false;
    }
    if (p.scale.zeroPointLen > 0 &&
        (p.scale.zeroPointData == nullptr || (p.scale.zeroPointLen != channels && p.scale.zeroPointLen != 1))) {
      *error = "output SCALE quantisation has " + std::to_string(p.scale.zeroPointLen) + " zero points for " +
               std::to_string(channels) + " channels";
      return false;
    }
  } else if (quanti_ == SHIFT) {
    if (p.shift.shiftData == nullptr || (p.shift.shiftLen != channels && p.shift.shiftLen != 1)) {
      *error = "output SHIFT quantisation has " + std::to_string(p.shift.shiftLen) + " shifts for " +
               std::to_string(channels) + " channels";
      return false;
    }
    for (int32_t i = 0; i < p.shift.shiftLen; ++i) {
      if (p.shift.shiftData[i] > 31) {
        *error = "output SHIFT value " + std::to_string(p.shift.shiftData[i]) + " is out of range";
        return false;
      }
    }
  } else if (quanti_ != NONE) {
    *error = "output quantiType " + std::to_string(quanti_) + " is unknown (expected NONE, SHIFT or SCALE)";
    return false;
  }

  offsets_.assign(static_cast<size_t>(count), 0);
  scale_.assign(static_cast<size_t>(count), 1.0f);
  zeroPoint_.assign(static_cast<size_t>(count), 0);
  int32_t idx[kTensorMaxDimensions] = {0};
  for (int64_t k = 0; k < count; ++k) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) off += idx[d] * stride[d];
    if (off < 0 || off + esize > p.alignedByteSize) {
      *error = "output element " + std::to_string(k) + " lies at byte " + std::to_string(off) +
               ", beyond alignedByteSize " + std::to_string(p.alignedByteSize);
      return false;
    }
    offsets_[static_cast<size_t>(k)] = off;
    if (quanti_ != NONE) {
      const int32_t c = idx[axis_];
      if (quanti_ == SCALE) {
        scale_[static_cast<size_t>(k)] = p.scale.scaleData[p.scale.scaleLen == 1 ? 0 : c];
        if (p.scale.zeroPointLen > 0)
          zeroPoint_[static_cast<size_t>(k)] = p.scale.zeroPointData[p.scale.zeroPointLen == 1 ? 0 : c];
      } else {
        const int s = p.shift.shiftData[p.shift.shiftLen == 1 ? 0 : c];
        scale_[static_cast<size_t>(k)] = 1.0f / static_cast<float>(1u << s);
      }
    }
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < p.validShape.dimensionSize[d]) break;
      idx[d] = 0;
    }
  }
  return true;
}

namespace {
template <typename T>
inline T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
}  // namespace

void OutputDecoder::decode(const uint8_t* data, float* out) const {
  const size_t n = offsets_.size();
  switch (type_) {
    case HB_DNN_TENSOR_TYPE_F32:
      for (size_t k = 0; k < n; ++k) out[k] = Load<float>(data + offsets_[k]);
      return;
    case HB_DNN_TENSOR_TYPE_F64:
      for (size_t k = 0; k < n; ++k) out[k] = static_cast<float>(Load<double>(data + offsets_[k]));
      return;
    default: break;
  }
  for (size_t k = 0; k < n; ++k) {
    const uint8_t* p = data + offsets_[k];
    int64_t q = 0;
    switch (type_) {
      case HB_DNN_TENSOR_TYPE_S8: q = Load<int8_t>(p); break;
      case HB_DNN_TENSOR_TYPE_U8: q = Load<uint8_t>(p); break;
      case HB_DNN_TENSOR_TYPE_S16: q = Load<int16_t>(p); break;
      case HB_DNN_TENSOR_TYPE_U16: q = Load<uint16_t>(p); break;
      case HB_DNN_TENSOR_TYPE_S32: q = Load<int32_t>(p); break;
      case HB_DNN_TENSOR_TYPE_U32: q = Load<uint32_t>(p); break;
      default: break;
    }
    // SCALE: (x - zp) * scale; SHIFT: x * 2^-shift (== x / (1 << shift), exact in float); NONE: x.
    out[k] = static_cast<float>(q - zeroPoint_[k]) * scale_[k];
  }
}

std::string OutputDecoder::describe() const {
  std::string q = quanti_ == SCALE ? "SCALE" : quanti_ == SHIFT ? "SHIFT" : "NONE";
  std::string s = std::string(TypeName(type_)) + " " + q;
  if (quanti_ != NONE) s += " axis " + std::to_string(axis_);
  return s;
}

}  // namespace hb
}  // namespace mnv4
