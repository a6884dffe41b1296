// Loads the BPU runtime (libdnn on the board, libhbdnn_sim.so off it) with dlopen and resolves the
// functions the backend uses into a table. Nothing here links against libdnn at build time.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "bpu/hb_dnn_decl.h"

namespace mnv4 {
namespace hb {

// Name of the simulator's accounting export (native/bpu_sim/include/hb_sim.h); absent on the board.
constexpr const char* kSimAccountingJsonSymbol = "hbSimGetAccountingJson";
typedef int32_t (*hbSimGetAccountingJson_fn)(char* buffer, uint32_t capacity);
constexpr const char* kSimTimingSymbol = "hbSimGetTiming";
typedef int32_t (*hbSimGetTiming_fn)(hbDNNHandle_t dnn, double* coreMs, double* submitOverheadMs,
                                     double* completeOverheadMs);

class DnnLibrary {
 public:
  // Null with *error naming the library or the missing symbol on failure.
  static std::shared_ptr<DnnLibrary> Open(const std::string& path, std::string* error);
  ~DnnLibrary();
  DnnLibrary(const DnnLibrary&) = delete;
  DnnLibrary& operator=(const DnnLibrary&) = delete;

  const std::string& path() const { return path_; }
  // The runtime's own description of a status code (hbDNNGetErrorDesc where exported, else the
  // documented table), always followed by the numeric code.
  std::string describe(int32_t code) const;
  // "<call> failed: <description> (<code>)"
  std::string failure(const char* call, int32_t code) const;
  std::string version() const;
  // The simulator's accounting as a JSON object, or "" when the library is not the simulator.
  std::string simulatorAccountingJson() const;

  hbDNNGetVersion_fn getVersion = nullptr;
  hbDNNGetErrorDesc_fn getErrorDesc = nullptr;  // optional
  hbDNNInitializeFromFiles_fn initializeFromFiles = nullptr;
  hbDNNRelease_fn release = nullptr;
  hbDNNGetModelNameList_fn getModelNameList = nullptr;
  hbDNNGetModelHandle_fn getModelHandle = nullptr;
  hbDNNGetCount_fn getInputCount = nullptr;
  hbDNNGetCount_fn getOutputCount = nullptr;
  hbDNNGetName_fn getInputName = nullptr;
  hbDNNGetName_fn getOutputName = nullptr;
  hbDNNGetTensorProperties_fn getInputTensorProperties = nullptr;
  hbDNNGetTensorProperties_fn getOutputTensorProperties = nullptr;
  hbDNNInfer_fn infer = nullptr;
  hbDNNWaitTaskDone_fn waitTaskDone = nullptr;
  hbDNNReleaseTask_fn releaseTask = nullptr;
  hbSysAllocCachedMem_fn allocCachedMem = nullptr;
  hbSysFlushMem_fn flushMem = nullptr;
  hbSysFreeMem_fn freeMem = nullptr;
  hbSimGetAccountingJson_fn simAccountingJson = nullptr;  // optional, simulator only
  hbSimGetTiming_fn simTiming = nullptr;                  // optional, simulator only

 private:
  DnnLibrary() = default;
  void* handle_ = nullptr;
  std::string path_;
};

}  // namespace hb
}  // namespace mnv4
