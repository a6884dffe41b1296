// On the board (the vendor headers installed under /usr/include/dnn), checks at compile time that our
// declarations in hb_dnn_decl.h agree with the vendor's: sizes, field offsets and constants. Ours
// live in mnv4::hb and the vendor's are global, so both fit in this one translation unit. Off the
// board this file compiles to nothing.
#if defined(__has_include)
#if __has_include(<dnn/hb_dnn.h>) && __has_include(<dnn/hb_sys.h>)
#include <dnn/hb_dnn.h>
#include <dnn/hb_sys.h>

#include <cstddef>

#include "bpu/hb_dnn_decl.h"

namespace mnv4 {
namespace hb {
namespace vendor_check {

#define MNV4_SAME_SIZE(T) static_assert(sizeof(::T) == sizeof(hb::T), "vendor layout differs: sizeof " #T)
#define MNV4_SAME_FIELD(T, f) \
  static_assert(offsetof(::T, f) == offsetof(hb::T, f), "vendor layout differs: " #T "." #f)

MNV4_SAME_SIZE(hbSysMem);
MNV4_SAME_FIELD(hbSysMem, phyAddr);
MNV4_SAME_FIELD(hbSysMem, virAddr);
MNV4_SAME_FIELD(hbSysMem, memSize);
MNV4_SAME_SIZE(hbDNNTensorShape);
MNV4_SAME_FIELD(hbDNNTensorShape, numDimensions);
MNV4_SAME_SIZE(hbDNNQuantiShift);
MNV4_SAME_FIELD(hbDNNQuantiShift, shiftData);
MNV4_SAME_SIZE(hbDNNQuantiScale);
MNV4_SAME_FIELD(hbDNNQuantiScale, scaleData);
MNV4_SAME_FIELD(hbDNNQuantiScale, zeroPointLen);
MNV4_SAME_FIELD(hbDNNQuantiScale, zeroPointData);
MNV4_SAME_SIZE(hbDNNTensorProperties);
MNV4_SAME_FIELD(hbDNNTensorProperties, validShape);
MNV4_SAME_FIELD(hbDNNTensorProperties, alignedShape);
MNV4_SAME_FIELD(hbDNNTensorProperties, tensorLayout);
MNV4_SAME_FIELD(hbDNNTensorProperties, tensorType);
MNV4_SAME_FIELD(hbDNNTensorProperties, shift);
MNV4_SAME_FIELD(hbDNNTensorProperties, scale);
MNV4_SAME_FIELD(hbDNNTensorProperties, quantiType);
MNV4_SAME_FIELD(hbDNNTensorProperties, quantizeAxis);
MNV4_SAME_FIELD(hbDNNTensorProperties, alignedByteSize);
MNV4_SAME_FIELD(hbDNNTensorProperties, stride);
MNV4_SAME_SIZE(hbDNNTensor);
MNV4_SAME_FIELD(hbDNNTensor, sysMem);
MNV4_SAME_FIELD(hbDNNTensor, properties);
MNV4_SAME_SIZE(hbDNNInferCtrlParam);
MNV4_SAME_FIELD(hbDNNInferCtrlParam, bpuCoreId);
MNV4_SAME_FIELD(hbDNNInferCtrlParam, priority);
MNV4_SAME_FIELD(hbDNNInferCtrlParam, more);
MNV4_SAME_FIELD(hbDNNInferCtrlParam, customId);
MNV4_SAME_FIELD(hbDNNInferCtrlParam, reserved2);

static_assert(static_cast<int>(::HB_DNN_IMG_TYPE_NV12) == static_cast<int>(hb::HB_DNN_IMG_TYPE_NV12), "NV12");
static_assert(static_cast<int>(::HB_DNN_TENSOR_TYPE_F32) == static_cast<int>(hb::HB_DNN_TENSOR_TYPE_F32), "F32");
static_assert(static_cast<int>(::HB_DNN_TENSOR_TYPE_S32) == static_cast<int>(hb::HB_DNN_TENSOR_TYPE_S32), "S32");
static_assert(static_cast<int>(::HB_DNN_TENSOR_TYPE_S8) == static_cast<int>(hb::HB_DNN_TENSOR_TYPE_S8), "S8");
static_assert(static_cast<int>(::HB_DNN_LAYOUT_NCHW) == static_cast<int>(hb::HB_DNN_LAYOUT_NCHW), "NCHW");
static_assert(static_cast<int>(::SCALE) == static_cast<int>(hb::SCALE), "SCALE");
static_assert(static_cast<int>(::SHIFT) == static_cast<int>(hb::SHIFT), "SHIFT");
static_assert(static_cast<int>(::HB_SYS_MEM_CACHE_CLEAN) == static_cast<int>(hb::HB_SYS_MEM_CACHE_CLEAN), "CLEAN");
static_assert(static_cast<int>(::HB_SYS_MEM_CACHE_INVALIDATE) == static_cast<int>(hb::HB_SYS_MEM_CACHE_INVALIDATE),
              "INVALIDATE");

#undef MNV4_SAME_SIZE
#undef MNV4_SAME_FIELD

}  // namespace vendor_check
}  // namespace hb
}  // namespace mnv4
#endif
#endif
