#include "engine/sim_probe.h"

#include <dlfcn.h>

namespace mnv4 {

namespace {

typedef int32_t (*InitFn)(void**, const char**, int32_t);
typedef int32_t (*ReleaseFn)(void*);
typedef int32_t (*NamesFn)(const char***, int32_t*, void*);
typedef int32_t (*HandleFn)(void**, void*, const char*);
typedef int32_t (*ExpectedFn)(void*, const uint8_t*, uint32_t, float*, int32_t);

}  // namespace

bool SimExpectedLogits(const std::string& libPath, const std::string& modelPath, const uint8_t* nv12, size_t size,
                       float* logits, int count, std::string* error) {
  void* lib = dlopen(libPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = dlerror();
    *error = "cannot load " + libPath + ": " + (why ? why : "unknown error");
    return false;
  }
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "hbDNNInitializeFromFiles"));
  auto release = reinterpret_cast<ReleaseFn>(dlsym(lib, "hbDNNRelease"));
  auto names = reinterpret_cast<NamesFn>(dlsym(lib, "hbDNNGetModelNameList"));
  auto handle = reinterpret_cast<HandleFn>(dlsym(lib, "hbDNNGetModelHandle"));
  auto expected = reinterpret_cast<ExpectedFn>(dlsym(lib, "hbSimExpectedLogits"));
  bool ok = false;
  if (!init || !release || !names || !handle || !expected) {
    *error = libPath + " is not the BPU simulator (hbSimExpectedLogits missing)";
  } else {
    void* packed = nullptr;
    const char* file = modelPath.c_str();
    int32_t rc = init(&packed, &file, 1);
    if (rc != 0) {
      *error = "hbDNNInitializeFromFiles(" + modelPath + ") returned " + std::to_string(rc);
    } else {
      const char** list = nullptr;
      int32_t n = 0;
      void* dnn = nullptr;
      rc = names(&list, &n, packed);
      if (rc == 0 && n > 0) rc = handle(&dnn, packed, list[0]);
      if (rc == 0 && dnn) rc = expected(dnn, nv12, static_cast<uint32_t>(size), logits, count);
      if (rc != 0 || !dnn) *error = "hbSimExpectedLogits failed with " + std::to_string(rc);
      else ok = true;
      release(packed);
    }
  }
  dlclose(lib);
  return ok;
}

}  // namespace mnv4
