// The BPU backend: MobileNetV4 .bin models on the X5 BPU through libdnn, loaded at run time with
// dlopen so the addon builds and runs without it. The simulator (native/bpu_sim) exports the same
// C API, so the very same code is exercised off-board.
#pragma once
#include <memory>
#include <string>

#include "engine/backend.h"

namespace mnv4 {

struct BpuBackendOptions {
  std::string libPath = "libdnn.so";  // the board's runtime, or the simulator library
  std::string modelPath;              // .bin on the board, simulator model file off-board
  int inferTimeoutMs = 1000;          // hbDNNWaitTaskDone timeout; <= 0 waits forever
  int expectedClasses = 0;            // 0: accept what the model declares; else must match
};

// Loads the runtime and the model and validates the model's I/O (one NV12 input of even size,
// one output). Returns null with *error set to a user-facing reason on failure.
std::unique_ptr<Backend> CreateBpuBackend(const BpuBackendOptions& options, std::string* error);

}  // namespace mnv4
