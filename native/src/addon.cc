// Module entry: each concern registers its own exports (convert, engine).
#include <napi.h>

namespace mnv4 {
void InitConvert(Napi::Env env, Napi::Object exports);
void InitEngine(Napi::Env env, Napi::Object exports);
}  // namespace mnv4

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  mnv4::InitConvert(env, exports);
  mnv4::InitEngine(env, exports);
  return exports;
}

NODE_API_MODULE(mnv4_native, Init)
