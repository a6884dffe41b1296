#include "bpu/hb_dnn_loader.h"

#include <dlfcn.h>

#include <vector>

namespace mnv4 {
namespace hb {

namespace {

template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* slot, bool required, const std::string& path,
             std::string* error) {
  dlerror();
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    if (required) {
      *error = "bpu: the BPU runtime library '" + path + "' does not export " + name +
               " (is it libdnn from the RDK X5 hobot-dnn package, or native/bpu_sim's libhbdnn_sim.so?)";
      return false;
    }
    *slot = nullptr;
    return true;
  }
  *slot = reinterpret_cast<Fn>(sym);
  return true;
}

}  // namespace

std::shared_ptr<DnnLibrary> DnnLibrary::Open(const std::string& path, std::string* error) {
  if (path.empty()) {
    *error = "bpu: no BPU runtime library path given";
    return nullptr;
  }
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    *error = "bpu: cannot load the BPU runtime library '" + path + "': " + (why ? why : "unknown dlopen error") +
             " (on an RDK X5 install the hobot-dnn package; elsewhere use the simulator native/bpu_sim)";
    return nullptr;
  }
  std::shared_ptr<DnnLibrary> lib(new DnnLibrary());
  lib->handle_ = handle;
  lib->path_ = path;
  bool ok = Resolve(handle, "hbDNNGetVersion", &lib->getVersion, true, path, error) &&
            Resolve(handle, "hbDNNGetErrorDesc", &lib->getErrorDesc, false, path, error) &&
            Resolve(handle, "hbDNNInitializeFromFiles", &lib->initializeFromFiles, true, path, error) &&
            Resolve(handle, "hbDNNRelease", &lib->release, true, path, error) &&
            Resolve(handle, "hbDNNGetModelNameList", &lib->getModelNameList, true, path, error) &&
            Resolve(handle, "hbDNNGetModelHandle", &lib->getModelHandle, true, path, error) &&
            Resolve(handle, "hbDNNGetInputCount", &lib->getInputCount, true, path, error) &&
            Resolve(handle, "hbDNNGetOutputCount", &lib->getOutputCount, true, path, error) &&
            Resolve(handle, "hbDNNGetInputName", &lib->getInputName, true, path, error) &&
            Resolve(handle, "hbDNNGetOutputName", &lib->getOutputName, true, path, error) &&
            Resolve(handle, "hbDNNGetInputTensorProperties", &lib->getInputTensorProperties, true, path, error) &&
            Resolve(handle, "hbDNNGetOutputTensorProperties", &lib->getOutputTensorProperties, true, path, error) &&
            Resolve(handle, "hbDNNInfer", &lib->infer, true, path, error) &&
            Resolve(handle, "hbDNNWaitTaskDone", &lib->waitTaskDone, true, path, error) &&
            Resolve(handle, "hbDNNReleaseTask", &lib->releaseTask, true, path, error) &&
            Resolve(handle, "hbSysAllocCachedMem", &lib->allocCachedMem, true, path, error) &&
            Resolve(handle, "hbSysFlushMem", &lib->flushMem, true, path, error) &&
            Resolve(handle, "hbSysFreeMem", &lib->freeMem, true, path, error) &&
            Resolve(handle, kSimAccountingJsonSymbol, &lib->simAccountingJson, false, path, error) &&
            Resolve(handle, kSimTimingSymbol, &lib->simTiming, false, path, error);
  if (!ok) return nullptr;  // the destructor closes the handle
  return lib;
}

DnnLibrary::~DnnLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

std::string DnnLibrary::describe(int32_t code) const {
  const char* desc = nullptr;
  if (getErrorDesc != nullptr) desc = getErrorDesc(code);
  if (desc == nullptr || *desc == '\0') desc = DocumentedStatusName(code);
  std::string out = desc != nullptr ? desc : "unknown status";
  out += " (" + std::to_string(code) + ")";
  return out;
}

std::string DnnLibrary::failure(const char* call, int32_t code) const {
  return std::string(call) + " failed: " + describe(code);
}

std::string DnnLibrary::version() const {
  const char* v = getVersion != nullptr ? getVersion() : nullptr;
  return v != nullptr ? v : "";
}

std::string DnnLibrary::simulatorAccountingJson() const {
  if (simAccountingJson == nullptr) return "";
  std::vector<char> buffer(4096);
  for (int attempt = 0; attempt < 4; ++attempt) {
    int32_t needed = simAccountingJson(buffer.data(), static_cast<uint32_t>(buffer.size()));
    if (needed < 0) return "";
    if (static_cast<size_t>(needed) < buffer.size()) return std::string(buffer.data(), static_cast<size_t>(needed));
    buffer.resize(static_cast<size_t>(needed) + 1);
  }
  return "";
}

}  // namespace hb
}  // namespace mnv4
