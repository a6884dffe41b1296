#include "engine/bpu_factory.h"

#include "bpu/bpu_backend.h"

namespace mnv4 {

std::unique_ptr<Backend> MakeBpuBackend(const BpuFactoryOptions& options, std::string* error) {
  BpuBackendOptions o;
  o.libPath = options.libPath;
  o.modelPath = options.modelPath;
  o.inferTimeoutMs = options.inferTimeoutMs;
  o.expectedClasses = options.expectedClasses;
  return CreateBpuBackend(o, error);
}

}  // namespace mnv4
