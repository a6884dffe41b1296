// A stand-in model for testing the pool without a BPU: logits are a deterministic function of the
// NV12 bytes the session was given (so a test can tell whether the right frame reached it), with a
// configurable latency and injectable faults. The same function is reimplemented independently in
// test/engine/native.test.ts.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/backend.h"

namespace mnv4 {

struct SyntheticOptions {
  int inputWidth = 224;
  int inputHeight = 224;
  int numClasses = 1000;
  double latencyMs = 0;         // simulated inference time per frame
  bool latencyByLuma = false;   // scale latencyMs by mean Y / 128: dark frames finish first
  std::vector<uint32_t> failHashes;  // frames whose NV12 hash is listed fail in wait()
  std::vector<uint32_t> failSubmitHashes;  // ... fail in submit(): nothing starts
  float logitOffset = 0;        // added to every logit: a large one tests the softmax's stability
};

// FNV-1a, 32 bit, over `size` bytes.
uint32_t SyntheticHash(const uint8_t* data, size_t size);

// logits[c] = (((c + 1) * 0x9E3779B1 mod 2^32) XOR hash) >> 8 & 0xFFFF, divided by 4096: exact in
// float, spread over [0, 16), so softmax probabilities are neither flat nor one-hot; plus `offset`.
void SyntheticLogits(uint32_t hash, int numClasses, float offset, float* logits);

std::unique_ptr<Backend> CreateSyntheticBackend(const SyntheticOptions& options, std::string* error);

}  // namespace mnv4
