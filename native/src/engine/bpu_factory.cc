#include "engine/bpu_factory.h"

namespace mnv4 {

std::unique_ptr<Backend> MakeBpuBackend(const BpuFactoryOptions&, std::string* error) {
  *error = "the BPU backend is not built into this addon yet";
  return nullptr;
}

}  // namespace mnv4
