#include "engine/synthetic_backend.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace mnv4 {

uint32_t SyntheticHash(const uint8_t* data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++) {
    h ^= data[i];
    h *= 16777619u;
  }
  return h;
}

void SyntheticLogits(uint32_t hash, int numClasses, float offset, float* logits) {
  for (int c = 0; c < numClasses; c++) {
    const uint32_t mixed = (static_cast<uint32_t>(c + 1) * 0x9E3779B1u) ^ hash;
    logits[c] = static_cast<float>((mixed >> 8) & 0xFFFFu) / 4096.0f + offset;
  }
}

namespace {

struct SharedState {
  SyntheticOptions options;
  ModelInfo info;
  std::atomic<int> liveSessions{0};
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> faults{0};
};

class SyntheticSession final : public BackendSession {
 public:
  explicit SyntheticSession(std::shared_ptr<SharedState> state)
      : state_(std::move(state)),
        input_(static_cast<size_t>(state_->info.inputWidth) * state_->info.inputHeight * 3 / 2) {
    state_->liveSessions++;
  }
  ~SyntheticSession() override { state_->liveSessions--; }

  uint8_t* inputBuffer() override { return input_.data(); }

  bool run(float* logits, std::string* error) override {
    state_->runs++;
    const SyntheticOptions& o = state_->options;
    const uint32_t hash = SyntheticHash(input_.data(), input_.size());
    double latencyMs = o.latencyMs;
    if (o.latencyByLuma && latencyMs > 0) {
      const size_t lumaSize = static_cast<size_t>(state_->info.inputWidth) * state_->info.inputHeight;
      uint64_t sum = 0;
      for (size_t i = 0; i < lumaSize; i++) sum += input_[i];
      latencyMs *= static_cast<double>(sum) / static_cast<double>(lumaSize) / 128.0;
    }
    if (latencyMs > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(latencyMs));
    if (std::find(o.failHashes.begin(), o.failHashes.end(), hash) != o.failHashes.end()) {
      state_->faults++;
      error->assign("synthetic backend: injected fault for this frame");
      return false;
    }
    SyntheticLogits(hash, state_->info.numClasses, o.logitOffset, logits);
    return true;
  }

 private:
  std::shared_ptr<SharedState> state_;
  std::vector<uint8_t> input_;
};

class SyntheticBackend final : public Backend {
 public:
  explicit SyntheticBackend(std::shared_ptr<SharedState> state) : state_(std::move(state)) {}
  const ModelInfo& info() const override { return state_->info; }
  std::unique_ptr<BackendSession> createSession(std::string*) override {
    return std::make_unique<SyntheticSession>(state_);
  }
  std::string diagnosticsJson() const override {
    return "{\"kind\":\"synthetic\",\"liveSessions\":" + std::to_string(state_->liveSessions.load()) +
           ",\"runs\":" + std::to_string(state_->runs.load()) + ",\"faults\":" + std::to_string(state_->faults.load()) +
           "}";
  }

 private:
  std::shared_ptr<SharedState> state_;
};

}  // namespace

std::unique_ptr<Backend> CreateSyntheticBackend(const SyntheticOptions& options, std::string* error) {
  if (options.inputWidth <= 0 || options.inputHeight <= 0 || options.inputWidth % 2 || options.inputHeight % 2) {
    *error = "synthetic backend: input size must be positive and even";
    return nullptr;
  }
  if (options.numClasses < 1 || options.numClasses > 100000) {
    *error = "synthetic backend: numClasses must be 1..100000";
    return nullptr;
  }
  auto state = std::make_shared<SharedState>();
  state->options = options;
  state->info.inputWidth = options.inputWidth;
  state->info.inputHeight = options.inputHeight;
  state->info.numClasses = options.numClasses;
  state->info.description = "synthetic backend (deterministic logits from the NV12 bytes)";
  return std::make_unique<SyntheticBackend>(std::move(state));
}

}  // namespace mnv4
