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
  std::atomic<int> inFlight{0};  // submitted, not yet waited for: 0 when every task was waited on
};

class SyntheticSession final : public BackendSession {
 public:
  explicit SyntheticSession(std::shared_ptr<SharedState> state)
      : state_(std::move(state)),
        input_(static_cast<size_t>(state_->info.inputWidth) * state_->info.inputHeight * 3 / 2) {
    state_->liveSessions++;
  }
  ~SyntheticSession() override {
    if (inFlight_) state_->inFlight--;
    state_->liveSessions--;
  }

  uint8_t* inputBuffer() override { return input_.data(); }

  // The "task" runs from submit() for the latency; its result is fixed by the bytes at submit()
  // (as a device copy taken at the CLEAN flush would be).
  bool submit(std::string* error) override {
    if (inFlight_) {
      error->assign("synthetic backend: submit() while a task is in flight");
      return false;
    }
    state_->runs++;
    const SyntheticOptions& o = state_->options;
    hash_ = SyntheticHash(input_.data(), input_.size());
    if (std::find(o.failSubmitHashes.begin(), o.failSubmitHashes.end(), hash_) != o.failSubmitHashes.end()) {
      state_->faults++;
      error->assign("synthetic backend: injected submit fault for this frame");
      return false;
    }
    double latencyMs = o.latencyMs;
    if (o.latencyByLuma && latencyMs > 0) {
      const size_t lumaSize = static_cast<size_t>(state_->info.inputWidth) * state_->info.inputHeight;
      uint64_t sum = 0;
      for (size_t i = 0; i < lumaSize; i++) sum += input_[i];
      latencyMs *= static_cast<double>(sum) / static_cast<double>(lumaSize) / 128.0;
    }
    done_ = std::chrono::steady_clock::now() +
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double, std::milli>(latencyMs));
    inFlight_ = true;
    state_->inFlight++;
    return true;
  }

  bool wait(float* logits, std::string* error) override {
    if (!inFlight_) {
      error->assign("synthetic backend: wait() without a submitted task");
      return false;
    }
    std::this_thread::sleep_until(done_);
    inFlight_ = false;
    state_->inFlight--;
    const SyntheticOptions& o = state_->options;
    if (std::find(o.failHashes.begin(), o.failHashes.end(), hash_) != o.failHashes.end()) {
      state_->faults++;
      error->assign("synthetic backend: injected fault for this frame");
      return false;
    }
    SyntheticLogits(hash_, state_->info.numClasses, o.logitOffset, logits);
    return true;
  }

 private:
  std::shared_ptr<SharedState> state_;
  std::vector<uint8_t> input_;
  bool inFlight_ = false;
  uint32_t hash_ = 0;
  std::chrono::steady_clock::time_point done_;
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
           ",\"inFlight\":" + std::to_string(state_->inFlight.load()) + "}";
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
