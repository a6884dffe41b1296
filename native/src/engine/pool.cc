#include "engine/pool.h"

#include <algorithm>
#include <cctype>

#include "engine/postprocess.h"

namespace mnv4 {

namespace {

std::atomic<int> g_liveWorkerThreads{0};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The backend contract reports failures as text; a wait that ran out of time is told apart so that
// it is counted as a timeout rather than a model fault.
bool LooksLikeTimeout(const std::string& message) {
  std::string lower(message.size(), '\0');
  std::transform(message.begin(), message.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("timeout") != std::string::npos || lower.find("timed out") != std::string::npos;
}

}  // namespace

int LiveWorkerThreads() { return g_liveWorkerThreads.load(); }

struct WorkerPool::Worker {
  std::thread thread;
  bool stop = false;    // guarded by mu_
  bool exited = false;  // guarded by mu_
  std::unique_ptr<BackendSession> sessions[kSessionsPerWorker];
  Nv12Converter converter;
  std::vector<float> logits;
  std::vector<int32_t> order;
  std::string error;
};

void WorkerPool::Ring::push(FrameJob* job) {
  if (size_ == items_.size()) {
    std::vector<FrameJob*> grown(items_.size() * 2);
    for (size_t i = 0; i < size_; i++) grown[i] = items_[(head_ + i) % items_.size()];
    items_.swap(grown);
    head_ = 0;
  }
  items_[(head_ + size_) % items_.size()] = job;
  size_++;
}

FrameJob* WorkerPool::Ring::pop() {
  FrameJob* job = items_[head_];
  head_ = (head_ + 1) % items_.size();
  size_--;
  return job;
}

WorkerPool::WorkerPool(std::shared_ptr<Backend> backend, const PoolOptions& options,
                       std::vector<std::unique_ptr<BackendSession>> initialSessions, std::function<void()> wake)
    : backend_(std::move(backend)),
      options_(options),
      wake_(std::move(wake)),
      topK_(options.topK),
      queue_(static_cast<size_t>(options.queueSize)) {
  completed_.reserve(static_cast<size_t>(options.queueSize + kSessionsPerWorker * kMaxThreads) * 2);
  size_t given = 0;
  for (int i = 0; i < options.numThreads; i++) {
    std::unique_ptr<BackendSession> first, second;
    if (given + 1 < initialSessions.size()) {
      first = std::move(initialSessions[given++]);
      second = std::move(initialSessions[given++]);
    }
    spawn(std::move(first), std::move(second));
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    closing_ = true;
    for (auto& w : workers_) w->stop = true;
    for (auto& w : retiring_) w->stop = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w->thread.join();
  for (auto& w : retiring_) w->thread.join();
}

void WorkerPool::spawn(std::unique_ptr<BackendSession> first, std::unique_ptr<BackendSession> second) {
  auto w = std::make_unique<Worker>();
  const int n = backend_->info().numClasses;
  w->sessions[0] = std::move(first);
  w->sessions[1] = std::move(second);
  w->logits.resize(static_cast<size_t>(n));
  w->order.resize(static_cast<size_t>(n));
  w->error.reserve(256);
  Worker* raw = w.get();
  workers_.push_back(std::move(w));
  {
    // Counted as idle from now on, not from its first wait: a busy worker must not take, as its
    // second frame, one that this still-starting worker is about to take.
    std::lock_guard<std::mutex> lk(mu_);
    idle_++;
  }
  raw->thread = std::thread([this, raw] { runWorker(raw); });
}

FrameJob* WorkerPool::acquire() {
  if (free_.empty()) {
    auto job = std::make_unique<FrameJob>();
    const size_t n = static_cast<size_t>(backend_->info().numClasses);
    job->classes.resize(n);
    job->scores.resize(n);
    job->message.reserve(256);
    free_.reserve(slots_.size() + 1);
    free_.push_back(job.get());
    slots_.push_back(std::move(job));
  }
  FrameJob* job = free_.back();
  free_.pop_back();
  job->owner = nullptr;
  job->status = FrameStatus::kOk;
  job->message.clear();
  job->count = 0;
  job->queueMs = job->preprocessMs = job->inferenceMs = job->postprocessMs = 0;
  return job;
}

void WorkerPool::release(FrameJob* job) {
  job->owner = nullptr;
  job->src = SrcImage{};
  free_.push_back(job);
}

WorkerPool::Admit WorkerPool::submit(FrameJob* job, FrameJob** evicted) {
  *evicted = nullptr;
  job->submitted = Clock::now();
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closing_) return Admit::kClosed;
    if (queue_.size() >= static_cast<size_t>(options_.queueSize)) {
      switch (options_.policy) {
        case DropPolicy::kDropNewest:
          return Admit::kRefused;
        case DropPolicy::kDropOldest:
          *evicted = queue_.pop();
          break;
        case DropPolicy::kBlock:
          break;  // nothing is lost: the caller was told to wait on ready(); overfill rather than drop
      }
    }
    queue_.push(job);
  }
  cv_.notify_one();
  return Admit::kQueued;
}

WorkerPool::Collected WorkerPool::collect(std::vector<FrameJob*>* done) {
  done->clear();
  {
    std::lock_guard<std::mutex> lk(mu_);
    // From here on, anything a worker adds (a result, its exit) wakes the owner again.
    wakePending_ = false;
    // A worker whose session could not be created exits on its own: retire it here.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if ((*it)->exited) {
        retiring_.push_back(std::move(*it));
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    bool exited;
    {
      std::lock_guard<std::mutex> lk(mu_);
      exited = (*it)->exited;
    }
    if (exited) {
      (*it)->thread.join();
      it = retiring_.erase(it);
    } else {
      ++it;
    }
  }
  // Results are taken last: a worker pushes its last result before it exits, so once it has been
  // joined above, that result is in completed_ now. (Taking them first lost a frame when a worker
  // finished one and exited in between, and close then reported every worker gone.)
  Collected out;
  std::lock_guard<std::mutex> lk(mu_);
  done->swap(completed_);
  if (completed_.capacity() < done->capacity()) completed_.reserve(done->capacity());
  out.room = wantRoom_ && queue_.size() < static_cast<size_t>(options_.queueSize) && !closing_;
  out.allExited = closing_ && workers_.empty() && retiring_.empty();
  return out;
}

void WorkerPool::setNumThreads(int n) {
  n = std::max(1, std::min(kMaxThreads, n));
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closing_) return;
  }
  while (static_cast<int>(workers_.size()) < n) spawn(nullptr, nullptr);
  if (static_cast<int>(workers_.size()) > n) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      while (static_cast<int>(workers_.size()) > n) {
        workers_.back()->stop = true;
        retiring_.push_back(std::move(workers_.back()));
        workers_.pop_back();
      }
    }
    cv_.notify_all();
  }
}

void WorkerPool::setTopK(int k) { topK_ = std::max(1, std::min(k, backend_->info().numClasses)); }

void WorkerPool::setWantRoom(bool want) {
  std::lock_guard<std::mutex> lk(mu_);
  wantRoom_ = want;
}

void WorkerPool::beginClose(std::vector<FrameJob*>* queued) {
  queued->clear();
  {
    std::lock_guard<std::mutex> lk(mu_);
    closing_ = true;
    while (!queue_.empty()) queued->push_back(queue_.pop());
    for (auto& w : workers_) {
      w->stop = true;
      retiring_.push_back(std::move(w));
    }
    workers_.clear();
  }
  cv_.notify_all();
}

int WorkerPool::numThreads() const { return static_cast<int>(workers_.size()); }

int WorkerPool::queueDepth() const {
  std::lock_guard<std::mutex> lk(mu_);
  return static_cast<int>(queue_.size());
}

int WorkerPool::busy() const {
  std::lock_guard<std::mutex> lk(mu_);
  return busy_;
}

std::string WorkerPool::lastWorkerError() const {
  std::lock_guard<std::mutex> lk(mu_);
  return lastWorkerError_;
}

void WorkerPool::wakeLocked(bool* callWake) {
  if (!wakePending_) {
    wakePending_ = true;
    *callWake = true;
  }
}

void WorkerPool::runWorker(Worker* w) {
  g_liveWorkerThreads++;
  bool ready = true;
  for (auto& session : w->sessions) {
    if (!session) session = backend_->createSession(&w->error);
    if (!session) {
      ready = false;
      break;
    }
  }
  if (ready) {
    serve(w);
  } else {
    std::lock_guard<std::mutex> lk(mu_);
    idle_--;  // never serves
  }
  // Frees this worker's backend buffers on the thread that used them.
  for (auto& session : w->sessions) session.reset();
  bool callWake = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (!w->error.empty()) lastWorkerError_ = "worker could not start: " + w->error;
    g_liveWorkerThreads--;
    w->exited = true;
    wakeLocked(&callWake);
  }
  if (callWake) wake_();
}

FrameJob* WorkerPool::takeLocked(bool* callWake) {
  FrameJob* job = queue_.pop();
  busy_++;
  if (wantRoom_ && queue_.size() < static_cast<size_t>(options_.queueSize)) wakeLocked(callWake);
  return job;
}

// Per frame N: convert N+1 into the idle session while N's task runs, wait for N and deliver it,
// then submit N+1. With nothing queued the worker waits on N alone: a result never waits for a
// next frame.
void WorkerPool::serve(Worker* w) {
  FrameJob* running = nullptr;  // submitted to sessions[current], not yet waited for
  int current = 0;
  Clock::time_point inferStarted;
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    FrameJob* next = nullptr;
    bool callWake = false;
    if (running == nullptr) {
      // Counted in idle_ while it holds no frame (see spawn and the end of this loop).
      cv_.wait(lk, [&] { return w->stop || !queue_.empty(); });
      if (w->stop) break;
      idle_--;
      next = takeLocked(&callWake);
    } else if (!w->stop && queue_.size() > static_cast<size_t>(idle_)) {
      // Only frames no idle worker is about to take: a second frame here must not wait behind
      // this worker's task while another worker sits idle.
      next = takeLocked(&callWake);
    }
    lk.unlock();
    if (callWake) wake_();
    const int spare = running != nullptr ? 1 - current : current;
    const bool prepared = next != nullptr && prepare(w, next, w->sessions[spare].get());
    if (next != nullptr && !prepared) deliver(next);  // a bad frame: its result needs no inference
    if (running != nullptr) {
      finishInference(w, running, w->sessions[current].get(), inferStarted);
      deliver(running);
      running = nullptr;
    }
    if (prepared) {
      lk.lock();
      const bool closing = closing_;
      lk.unlock();
      if (closing) {
        next->status = FrameStatus::kShutdown;
        next->message.assign("the engine closed before this frame was processed");
        deliver(next);
      } else if (startInference(w, next, w->sessions[spare].get(), &inferStarted)) {
        running = next;
        current = spare;
      } else {
        deliver(next);
      }
    }
    lk.lock();
    // Every round ends uncounted (the wait branch took a frame; a busy worker is never counted):
    // holding no frame now, it is idle again.
    if (running == nullptr) idle_++;
  }
  idle_--;  // leaves holding no frame (it only stops from the wait above)
}

void WorkerPool::deliver(FrameJob* job) {
  bool callWake = false;
  {
    std::lock_guard<std::mutex> lk(mu_);
    busy_--;
    completed_.push_back(job);
    wakeLocked(&callWake);
  }
  if (callWake) wake_();
}

bool WorkerPool::prepare(Worker* w, FrameJob* job, BackendSession* session) {
  const ModelInfo& info = backend_->info();
  const Clock::time_point started = Clock::now();
  job->queueMs = Ms(started - job->submitted);
  uint8_t* input = session->inputBuffer();
  Nv12Image dst;
  dst.width = info.inputWidth;
  dst.height = info.inputHeight;
  dst.y = input;
  dst.yStride = info.inputWidth;
  dst.uv = input + static_cast<size_t>(info.inputWidth) * info.inputHeight;
  dst.uvStride = info.inputWidth;
  w->error.clear();
  const bool ok = w->converter.Convert(job->src, dst, options_.convert, &w->error);
  job->preprocessMs = Ms(Clock::now() - started);
  if (!ok) {
    job->status = FrameStatus::kBadFrame;
    job->message.assign(w->error);
  }
  return ok;
}

// A prepared frame may wait for its predecessor between prepare() and here; that wait is in none
// of its stages (the end-to-end latency shows it).
bool WorkerPool::startInference(Worker* w, FrameJob* job, BackendSession* session, Clock::time_point* started) {
  *started = Clock::now();
  w->error.clear();
  if (session->submit(&w->error)) return true;
  job->status = LooksLikeTimeout(w->error) ? FrameStatus::kTimeout : FrameStatus::kInferenceFailed;
  job->message.assign(w->error);
  job->inferenceMs = Ms(Clock::now() - *started);
  return false;
}

void WorkerPool::finishInference(Worker* w, FrameJob* job, BackendSession* session, Clock::time_point started) {
  const ModelInfo& info = backend_->info();
  w->error.clear();
  const bool ok = session->wait(w->logits.data(), &w->error);
  const Clock::time_point inferred = Clock::now();
  job->inferenceMs = Ms(inferred - started);
  if (!ok) {
    job->status = LooksLikeTimeout(w->error) ? FrameStatus::kTimeout : FrameStatus::kInferenceFailed;
    job->message.assign(w->error);
    return;
  }
  const int k = std::min(topK_.load(), info.numClasses);
  if (!SoftmaxTopK(w->logits.data(), info.numClasses, k, w->order.data(), job->classes.data(), job->scores.data())) {
    job->status = FrameStatus::kInferenceFailed;
    job->message.assign("the model produced a NaN or infinite logit");
  } else {
    job->status = FrameStatus::kOk;
    job->count = k;
  }
  job->postprocessMs = Ms(Clock::now() - inferred);
}

}  // namespace mnv4
