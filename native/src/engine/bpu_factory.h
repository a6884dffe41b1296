// The one place the engine reaches the BPU backend, so the pool builds before that backend lands.
#pragma once
#include <memory>
#include <string>

#include "engine/backend.h"

namespace mnv4 {

struct BpuFactoryOptions {
  std::string libPath;
  std::string modelPath;
  int inferTimeoutMs = 1000;
  int expectedClasses = 0;
};

std::unique_ptr<Backend> MakeBpuBackend(const BpuFactoryOptions& options, std::string* error);

}  // namespace mnv4
