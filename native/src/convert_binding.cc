// Placeholder: the NV12 conversion bindings (owned by the convert work) replace this file.
#include <napi.h>
namespace mnv4 {
void InitConvert(Napi::Env, Napi::Object) {}
}  // namespace mnv4
