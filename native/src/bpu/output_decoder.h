// Turns a model output tensor into float logits according to its properties: element type,
// quantisation (NONE / SCALE with optional zero point / SHIFT, per channel along quantizeAxis) and
// memory layout (alignedShape padding or explicit byte strides). Everything is precomputed at load
// so decoding a frame is one pass with no allocation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bpu/hb_dnn_decl.h"

namespace mnv4 {
namespace hb {

class OutputDecoder {
 public:
  // Validates the properties; false with *error (what is unsupported or inconsistent) otherwise.
  bool init(const hbDNNTensorProperties& props, std::string* error);
  int count() const { return static_cast<int>(offsets_.size()); }
  // `data` holds alignedByteSize bytes; writes count() floats.
  void decode(const uint8_t* data, float* out) const;
  std::string describe() const;  // e.g. "S8 SCALE axis 1"

  static const char* TypeName(int32_t tensorType);
  static int ElementSize(int32_t tensorType);  // 0 when unsupported as an output

 private:
  int32_t type_ = 0;
  int32_t quanti_ = NONE;
  int32_t axis_ = 0;
  std::vector<int64_t> offsets_;   // byte offset of each logit, in validShape row-major order
  std::vector<float> scale_;       // per logit (SCALE), or 1 / (1 << shift) (SHIFT), else 1
  std::vector<int32_t> zeroPoint_; // per logit (SCALE), else 0
};

}  // namespace hb
}  // namespace mnv4
