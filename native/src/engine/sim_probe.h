// Test support: asks the BPU simulator library itself which logits a correct client must read for
// given NV12 bytes (hbSimExpectedLogits, native/bpu_sim/include/hb_sim.h), independently of the BPU
// backend under test. Loads its own handle of the model and releases it again.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace mnv4 {

bool SimExpectedLogits(const std::string& libPath, const std::string& modelPath, const uint8_t* nv12, size_t size,
                       float* logits, int count, std::string* error);

}  // namespace mnv4
