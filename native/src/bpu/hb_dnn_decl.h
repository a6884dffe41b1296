// Our own declarations of the RDK X5 libdnn C API (hb_dnn.h / hb_sys.h / hb_dnn_status.h, libdnn
// 1.23.10 = 1.24.5), written from the documented signatures, field orders and constants. They live in
// namespace mnv4::hb so that a translation unit can also include the vendor header (global names)
// and compare the two layouts (hb_dnn_vendor_check.cc). The simulator (native/bpu_sim) implements
// exactly these declarations with C linkage.
#pragma once
#include <cstddef>
#include <cstdint>

namespace mnv4 {
namespace hb {

constexpr int kTensorMaxDimensions = 8;  // HB_DNN_TENSOR_MAX_DIMENSIONS
constexpr int kSysMemMax = 4;            // hbDNNTensor::sysMem[4]
constexpr int kMaxLiveTasks = 32;        // documented: at most 32 model tasks may coexist

typedef void* hbPackedDNNHandle_t;
typedef void* hbDNNHandle_t;
typedef void* hbDNNTaskHandle_t;
typedef void (*hbDNNTaskDoneCb)(hbDNNTaskHandle_t taskHandle, int32_t status, void* userdata);

struct hbSysMem {
  uint64_t phyAddr;
  void* virAddr;
  uint32_t memSize;
};

struct hbDNNTensorShape {
  int32_t dimensionSize[kTensorMaxDimensions];
  int32_t numDimensions;
};

struct hbDNNQuantiShift {
  int32_t shiftLen;
  uint8_t* shiftData;
};

struct hbDNNQuantiScale {
  int32_t scaleLen;
  float* scaleData;
  int32_t zeroPointLen;
  int8_t* zeroPointData;
};

// The vendor enumerators are unprefixed (NONE, SHIFT, SCALE); same values.
enum hbDNNQuantiType { NONE = 0, SHIFT = 1, SCALE = 2 };

struct hbDNNTensorProperties {
  hbDNNTensorShape validShape;
  hbDNNTensorShape alignedShape;
  int32_t tensorLayout;
  int32_t tensorType;
  hbDNNQuantiShift shift;
  hbDNNQuantiScale scale;
  hbDNNQuantiType quantiType;
  int32_t quantizeAxis;
  int32_t alignedByteSize;
  int32_t stride[kTensorMaxDimensions];
};

struct hbDNNTensor {
  hbSysMem sysMem[kSysMemMax];
  hbDNNTensorProperties properties;
};

struct hbDNNRoi {
  int32_t left;
  int32_t top;
  int32_t right;
  int32_t bottom;
};

struct hbDNNInferCtrlParam {
  int32_t bpuCoreId;
  int32_t dspCoreId;
  int32_t priority;
  int32_t more;
  int64_t customId;
  int32_t reserved1;
  int32_t reserved2;
};

enum hbDNNTensorLayout { HB_DNN_LAYOUT_NHWC = 0, HB_DNN_LAYOUT_NCHW = 2, HB_DNN_LAYOUT_NONE = 255 };

enum hbDNNDataType {
  HB_DNN_IMG_TYPE_Y = 0,
  HB_DNN_IMG_TYPE_NV12 = 1,
  HB_DNN_IMG_TYPE_NV12_SEPARATE = 2,
  HB_DNN_IMG_TYPE_YUV444 = 3,
  HB_DNN_IMG_TYPE_RGB = 4,
  HB_DNN_IMG_TYPE_BGR = 5,
  HB_DNN_TENSOR_TYPE_S4 = 6,
  HB_DNN_TENSOR_TYPE_U4 = 7,
  HB_DNN_TENSOR_TYPE_S8 = 8,
  HB_DNN_TENSOR_TYPE_U8 = 9,
  HB_DNN_TENSOR_TYPE_F16 = 10,
  HB_DNN_TENSOR_TYPE_S16 = 11,
  HB_DNN_TENSOR_TYPE_U16 = 12,
  HB_DNN_TENSOR_TYPE_F32 = 13,
  HB_DNN_TENSOR_TYPE_S32 = 14,
  HB_DNN_TENSOR_TYPE_U32 = 15,
  HB_DNN_TENSOR_TYPE_F64 = 16,
  HB_DNN_TENSOR_TYPE_S64 = 17,
  HB_DNN_TENSOR_TYPE_U64 = 18,
  HB_DNN_TENSOR_TYPE_MAX = 19
};

enum hbDNNTaskPriority { HB_DNN_PRIORITY_LOWEST = 0, HB_DNN_PRIORITY_HIGHEST = 255 };
enum hbBPUCore { HB_BPU_CORE_ANY = 0, HB_BPU_CORE_0 = 1 << 0, HB_BPU_CORE_1 = 1 << 1 };
enum hbDSPCore { HB_DSP_CORE_ANY = 0, HB_DSP_CORE_0 = 1 << 0, HB_DSP_CORE_1 = 1 << 1 };
enum hbSysMemFlushFlag { HB_SYS_MEM_CACHE_INVALIDATE = 1, HB_SYS_MEM_CACHE_CLEAN = 2 };

enum hbSysStatus : int32_t {
  HB_SYS_SUCCESS = 0,
  HB_SYS_INVALID_ARGUMENT = -6000129,
  HB_SYS_OUT_OF_MEMORY = -6000130,
  HB_SYS_REGISTER_MEM_FAILED = -6000131
};

enum hbDNNStatus : int32_t {
  HB_DNN_SUCCESS = 0,
  HB_DNN_INVALID_ARGUMENT = -6000001,
  HB_DNN_INVALID_MODEL = -6000002,
  HB_DNN_MODEL_NUMBER_EXCEED_LIMIT = -6000003,
  HB_DNN_INVALID_PACKED_DNN_HANDLE = -6000004,
  HB_DNN_INVALID_DNN_HANDLE = -6000005,
  HB_DNN_CAN_NOT_OPEN_FILE = -6000006,
  HB_DNN_OUT_OF_MEMORY = -6000007,
  HB_DNN_TIMEOUT = -6000008,
  HB_DNN_TASK_NUM_EXCEED_LIMIT = -6000009,
  HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT = -6000010,
  HB_DNN_INVALID_TASK_HANDLE = -6000011,
  HB_DNN_RUN_TASK_FAILED = -6000012,
  HB_DNN_MODEL_IS_RUNNING = -6000013,
  HB_DNN_INCOMPATIBLE_MODEL = -6000014,
  HB_DNN_API_USE_ERROR = -6000015,
  HB_DNN_MULTI_PROGRESS_USE_ERROR = -6000016
};

// HB_DNN_INITIALIZE_INFER_CTRL_PARAM of the X5 header, as a function.
inline void InitializeInferCtrlParam(hbDNNInferCtrlParam* param) {
  param->bpuCoreId = HB_BPU_CORE_ANY;
  param->dspCoreId = HB_DSP_CORE_ANY;
  param->priority = HB_DNN_PRIORITY_LOWEST;
  param->more = 0;
  param->customId = 0;
  param->reserved1 = 0;
  param->reserved2 = 0;
}

// The documented status codes (hb_dnn_status.h and hb_sys.h), for runtimes that lack
// hbDNNGetErrorDesc (X3 / older images). Returns null for an unknown code.
inline const char* DocumentedStatusName(int32_t code) {
  switch (code) {
    case HB_DNN_SUCCESS: return "HB_DNN_SUCCESS: success";
    case HB_DNN_INVALID_ARGUMENT: return "HB_DNN_INVALID_ARGUMENT: invalid argument";
    case HB_DNN_INVALID_MODEL: return "HB_DNN_INVALID_MODEL: invalid model";
    case HB_DNN_MODEL_NUMBER_EXCEED_LIMIT: return "HB_DNN_MODEL_NUMBER_EXCEED_LIMIT: model number exceeds limit";
    case HB_DNN_INVALID_PACKED_DNN_HANDLE: return "HB_DNN_INVALID_PACKED_DNN_HANDLE: invalid packed DNN handle";
    case HB_DNN_INVALID_DNN_HANDLE: return "HB_DNN_INVALID_DNN_HANDLE: invalid DNN handle";
    case HB_DNN_CAN_NOT_OPEN_FILE: return "HB_DNN_CAN_NOT_OPEN_FILE: can not open file";
    case HB_DNN_OUT_OF_MEMORY: return "HB_DNN_OUT_OF_MEMORY: out of memory";
    case HB_DNN_TIMEOUT: return "HB_DNN_TIMEOUT: timeout";
    case HB_DNN_TASK_NUM_EXCEED_LIMIT: return "HB_DNN_TASK_NUM_EXCEED_LIMIT: task number exceeds limit";
    case HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT: return "HB_DNN_TASK_BATCH_SIZE_EXCEED_LIMIT: task batch size exceeds limit";
    case HB_DNN_INVALID_TASK_HANDLE: return "HB_DNN_INVALID_TASK_HANDLE: invalid task handle";
    case HB_DNN_RUN_TASK_FAILED: return "HB_DNN_RUN_TASK_FAILED: run task failed";
    case HB_DNN_MODEL_IS_RUNNING: return "HB_DNN_MODEL_IS_RUNNING: model is running";
    case HB_DNN_INCOMPATIBLE_MODEL: return "HB_DNN_INCOMPATIBLE_MODEL: incompatible model";
    case HB_DNN_API_USE_ERROR: return "HB_DNN_API_USE_ERROR: API use error";
    case HB_DNN_MULTI_PROGRESS_USE_ERROR: return "HB_DNN_MULTI_PROGRESS_USE_ERROR: multi-process use error";
    case HB_SYS_INVALID_ARGUMENT: return "HB_SYS_INVALID_ARGUMENT: invalid argument";
    case HB_SYS_OUT_OF_MEMORY: return "HB_SYS_OUT_OF_MEMORY: out of memory";
    case HB_SYS_REGISTER_MEM_FAILED: return "HB_SYS_REGISTER_MEM_FAILED: register memory failed";
    default: return nullptr;
  }
}

// Layout of the X5 header on LP64 (x86-64 and aarch64), measured by compiling the vendor header.
#if defined(__LP64__) || defined(_LP64)
static_assert(sizeof(hbSysMem) == 24, "hbSysMem size");
static_assert(offsetof(hbSysMem, phyAddr) == 0, "hbSysMem.phyAddr");
static_assert(offsetof(hbSysMem, virAddr) == 8, "hbSysMem.virAddr");
static_assert(offsetof(hbSysMem, memSize) == 16, "hbSysMem.memSize");
static_assert(sizeof(hbDNNTensorShape) == 36, "hbDNNTensorShape size");
static_assert(offsetof(hbDNNTensorShape, numDimensions) == 32, "hbDNNTensorShape.numDimensions");
static_assert(sizeof(hbDNNQuantiShift) == 16, "hbDNNQuantiShift size");
static_assert(offsetof(hbDNNQuantiShift, shiftData) == 8, "hbDNNQuantiShift.shiftData");
static_assert(sizeof(hbDNNQuantiScale) == 32, "hbDNNQuantiScale size");
static_assert(offsetof(hbDNNQuantiScale, scaleData) == 8, "hbDNNQuantiScale.scaleData");
static_assert(offsetof(hbDNNQuantiScale, zeroPointLen) == 16, "hbDNNQuantiScale.zeroPointLen");
static_assert(offsetof(hbDNNQuantiScale, zeroPointData) == 24, "hbDNNQuantiScale.zeroPointData");
static_assert(sizeof(hbDNNQuantiType) == 4, "hbDNNQuantiType size");
static_assert(sizeof(hbDNNTensorProperties) == 176, "hbDNNTensorProperties size");
static_assert(offsetof(hbDNNTensorProperties, validShape) == 0, "validShape");
static_assert(offsetof(hbDNNTensorProperties, alignedShape) == 36, "alignedShape");
static_assert(offsetof(hbDNNTensorProperties, tensorLayout) == 72, "tensorLayout");
static_assert(offsetof(hbDNNTensorProperties, tensorType) == 76, "tensorType");
static_assert(offsetof(hbDNNTensorProperties, shift) == 80, "shift");
static_assert(offsetof(hbDNNTensorProperties, scale) == 96, "scale");
static_assert(offsetof(hbDNNTensorProperties, quantiType) == 128, "quantiType");
static_assert(offsetof(hbDNNTensorProperties, quantizeAxis) == 132, "quantizeAxis");
static_assert(offsetof(hbDNNTensorProperties, alignedByteSize) == 136, "alignedByteSize");
static_assert(offsetof(hbDNNTensorProperties, stride) == 140, "stride");
static_assert(sizeof(hbDNNTensor) == 272, "hbDNNTensor size");
static_assert(offsetof(hbDNNTensor, sysMem) == 0, "hbDNNTensor.sysMem");
static_assert(offsetof(hbDNNTensor, properties) == 96, "hbDNNTensor.properties");
static_assert(sizeof(hbDNNInferCtrlParam) == 32, "hbDNNInferCtrlParam size");
static_assert(offsetof(hbDNNInferCtrlParam, more) == 12, "hbDNNInferCtrlParam.more");
static_assert(offsetof(hbDNNInferCtrlParam, customId) == 16, "hbDNNInferCtrlParam.customId");
static_assert(offsetof(hbDNNInferCtrlParam, reserved1) == 24, "hbDNNInferCtrlParam.reserved1");
static_assert(offsetof(hbDNNInferCtrlParam, reserved2) == 28, "hbDNNInferCtrlParam.reserved2");
static_assert(sizeof(hbDNNRoi) == 16, "hbDNNRoi size");
#else
#error "hb_dnn_decl.h: the layouts are asserted for LP64 targets (x86-64, aarch64) only"
#endif

// Function-pointer types of the symbols we resolve with dlsym.
typedef const char* (*hbDNNGetVersion_fn)();
typedef const char* (*hbDNNGetErrorDesc_fn)(int32_t errorCode);
typedef int32_t (*hbDNNInitializeFromFiles_fn)(hbPackedDNNHandle_t*, const char**, int32_t);
typedef int32_t (*hbDNNRelease_fn)(hbPackedDNNHandle_t);
typedef int32_t (*hbDNNGetModelNameList_fn)(const char***, int32_t*, hbPackedDNNHandle_t);
typedef int32_t (*hbDNNGetModelHandle_fn)(hbDNNHandle_t*, hbPackedDNNHandle_t, const char*);
typedef int32_t (*hbDNNGetCount_fn)(int32_t*, hbDNNHandle_t);
typedef int32_t (*hbDNNGetName_fn)(const char**, hbDNNHandle_t, int32_t);
typedef int32_t (*hbDNNGetTensorProperties_fn)(hbDNNTensorProperties*, hbDNNHandle_t, int32_t);
typedef int32_t (*hbDNNInfer_fn)(hbDNNTaskHandle_t*, hbDNNTensor**, const hbDNNTensor*, hbDNNHandle_t,
                                 hbDNNInferCtrlParam*);
typedef int32_t (*hbDNNWaitTaskDone_fn)(hbDNNTaskHandle_t, int32_t);
typedef int32_t (*hbDNNReleaseTask_fn)(hbDNNTaskHandle_t);
typedef int32_t (*hbSysAllocCachedMem_fn)(hbSysMem*, uint32_t);
typedef int32_t (*hbSysFlushMem_fn)(hbSysMem*, int32_t);
typedef int32_t (*hbSysFreeMem_fn)(hbSysMem*);

}  // namespace hb
}  // namespace mnv4
