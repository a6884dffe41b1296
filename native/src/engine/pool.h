// The native worker pool: a bounded queue of frames with a drop policy, and worker threads that
// each own two backend sessions and one NV12 converter: a worker converts its next frame into one
// session's input while the other session's task runs on the core. Pure C++ (no N-API): the binding owns the JS
// side and calls the "owner" methods from the JS thread only.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "convert/nv12.h"
#include "engine/backend.h"

namespace mnv4 {

using Clock = std::chrono::steady_clock;

constexpr int kMaxThreads = 8;
constexpr int kMaxQueueSize = 1024;
constexpr int kSessionsPerWorker = 2;

enum class DropPolicy : int { kDropOldest = 0, kDropNewest = 1, kBlock = 2 };

// Numeric values are shared with src/engine/native.ts.
enum class FrameStatus : int {
  kOk = 0,
  kDropped = 1,
  kShutdown = 2,
  kInferenceFailed = 3,
  kTimeout = 4,
  kBadFrame = 5,
};

// A reusable job slot: the frame going in and its result coming out. Slots are allocated when the
// pool first needs that many at once and recycled afterwards, so steady state allocates nothing.
struct FrameJob {
  uint64_t seq = 0;
  SrcImage src;              // read in place; the owner keeps the memory alive until release()
  void* owner = nullptr;     // the binding's handle on the source buffer
  Clock::time_point submitted;
  FrameStatus status = FrameStatus::kOk;
  std::string message;       // failure reason
  int count = 0;             // top-k entries written
  std::vector<int32_t> classes;
  std::vector<float> scores;
  double queueMs = 0, preprocessMs = 0, inferenceMs = 0, postprocessMs = 0;
};

struct PoolOptions {
  int numThreads = 1;
  int queueSize = 4;
  DropPolicy policy = DropPolicy::kDropOldest;
  int topK = 5;
  ConvertParams convert;
};

// Worker threads alive in this process, across all pools (for tests that check shutdown).
int LiveWorkerThreads();

class WorkerPool {
 public:
  // `wake` is called from a worker thread when the owner has something to collect (results, an
  // exited worker, room in a full queue). It is not called again until the owner has collected.
  // initialSessions are handed out kSessionsPerWorker at a time; workers without them create their
  // own in their thread.
  WorkerPool(std::shared_ptr<Backend> backend, const PoolOptions& options,
             std::vector<std::unique_ptr<BackendSession>> initialSessions, std::function<void()> wake);
  ~WorkerPool();  // stops intake, joins every worker (blocking): the teardown path

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // --- owner thread only ---
  FrameJob* acquire();
  void release(FrameJob* job);

  enum class Admit { kQueued, kRefused, kClosed };
  // job->seq is the caller's. kQueued may evict the oldest waiting frame (drop_oldest) into *evicted;
  // kRefused: the queue is full under drop_newest; kClosed: close has begun.
  Admit submit(FrameJob* job, FrameJob** evicted);

  struct Collected {
    bool room = false;       // room was asked for and the queue can take a frame without dropping
    bool allExited = false;  // closing and every worker joined
  };
  // Moves finished jobs into *done (cleared first) and joins workers that have exited.
  Collected collect(std::vector<FrameJob*>* done);

  void setNumThreads(int n);  // 1..kMaxThreads; new workers create their sessions in their thread
  void setTopK(int k);        // 1..numClasses, from the next frame on
  void setWantRoom(bool want);  // ask for a wake when a full queue gets room (block policy)
  // Refuses new frames, hands back the waiting ones (to be resolved as shut down) and tells every
  // worker to exit once its frame in inference is done; a frame a worker has converted but not yet
  // submitted is resolved as shut down, like a waiting one.
  void beginClose(std::vector<FrameJob*>* queued);

  int numThreads() const;   // workers requested and not retiring
  int queueDepth() const;
  int busy() const;         // frames inside workers (up to two each: one in inference, one prepared)
  int slots() const { return static_cast<int>(slots_.size()); }  // job slots ever allocated
  std::string lastWorkerError() const;
  const ModelInfo& info() const { return backend_->info(); }
  Backend& backend() { return *backend_; }

 private:
  struct Worker;
  void spawn(std::unique_ptr<BackendSession> first, std::unique_ptr<BackendSession> second);
  void runWorker(Worker* w);
  void serve(Worker* w);
  FrameJob* takeLocked(bool* callWake);
  bool prepare(Worker* w, FrameJob* job, BackendSession* session);
  bool startInference(Worker* w, FrameJob* job, BackendSession* session, Clock::time_point* started);
  void finishInference(Worker* w, FrameJob* job, BackendSession* session, Clock::time_point started);
  void deliver(FrameJob* job);
  void wakeLocked(bool* callWake);

  // A ring of waiting jobs; grows only when the block policy overfills it.
  class Ring {
   public:
    explicit Ring(size_t capacity) : items_(capacity) {}
    bool empty() const { return size_ == 0; }
    size_t size() const { return size_; }
    void push(FrameJob* job);
    FrameJob* pop();

   private:
    std::vector<FrameJob*> items_;
    size_t head_ = 0, size_ = 0;
  };

  std::shared_ptr<Backend> backend_;
  const PoolOptions options_;
  const std::function<void()> wake_;
  std::atomic<int> topK_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Ring queue_;
  std::vector<FrameJob*> completed_;
  bool wakePending_ = false;
  bool wantRoom_ = false;
  bool closing_ = false;
  int busy_ = 0;
  int idle_ = 0;  // workers holding no frame (also while starting): a busy worker takes a second frame only beyond these
  std::string lastWorkerError_;

  // Owner thread only.
  std::vector<std::unique_ptr<Worker>> workers_;   // active
  std::vector<std::unique_ptr<Worker>> retiring_;  // told to stop, not yet joined
  std::vector<std::unique_ptr<FrameJob>> slots_;
  std::vector<FrameJob*> free_;
};

}  // namespace mnv4
