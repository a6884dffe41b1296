// The seam between the worker pool and an inference backend (the BPU via libdnn, or the simulator
// behind the same C API). The pool owns threads and queues; a backend owns the model and its memory.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace mnv4 {

struct ModelInfo {
  int inputWidth = 0;   // NV12 input, even
  int inputHeight = 0;  // NV12 input, even
  int numClasses = 0;   // logits per frame
  std::string description;  // e.g. model name and runtime version, for diagnostics
};

// Owns one set of input/output buffers, allocated once; used by one thread at a time (a pool worker
// owns two, to prepare one frame while the other's task runs).
class BackendSession {
 public:
  virtual ~BackendSession() = default;
  // NV12 destination the pre-processor writes into directly (Y plane then interleaved UV, both with
  // stride = inputWidth). For the BPU this is the cached input tensor memory itself: no extra copy.
  // Ask for it for every frame: after a timed-out task the BPU session moves to fresh buffers.
  virtual uint8_t* inputBuffer() = 0;
  // Starts the model on what inputBuffer() holds (BPU: flush CLEAN, then hbDNNInfer) and returns
  // without waiting, so the caller can prepare another session's input meanwhile. Until the
  // matching wait() returns, inputBuffer() must not be written (the core may still read it).
  // Returns false with *error set (the runtime's own description) when nothing was started: then
  // wait() must not be called, and the session stays usable.
  virtual bool submit(std::string* error) = 0;
  // Waits for the task of the last successful submit(), always releases it (also after an error or
  // a timeout), and writes numClasses dequantised logits (BPU: after INVALIDATE). Returns false with
  // *error set on failure; the session stays usable.
  virtual bool wait(float* logits, std::string* error) = 0;
  // submit() then wait(): one frame, blocking.
  bool run(float* logits, std::string* error) { return submit(error) && wait(logits, error); }
};

// One per loaded model, shared by all workers; thread-safe createSession().
class Backend {
 public:
  virtual ~Backend() = default;
  virtual const ModelInfo& info() const = 0;
  virtual std::unique_ptr<BackendSession> createSession(std::string* error) = 0;
  // Backend-specific facts for diagnostics and tests as a JSON object (runtime version; for the
  // simulator its task and memory accounting). Thread-safe.
  virtual std::string diagnosticsJson() const { return "{}"; }
};

}  // namespace mnv4
