// Placeholder: the worker-pool engine bindings (owned by the engine work) replace this file.
#include <napi.h>
namespace mnv4 {
void InitEngine(Napi::Env, Napi::Object) {}
}  // namespace mnv4
