// N-API face of the worker pool (src/engine/native.ts is its only caller).
//   engineLoad(config) -> Promise<External>   loads the backend and the first sessions off the JS thread
//   new EngineHandle(external, options, callbacks)
//     .submit(data, width, height, step, format, seq) -> 0 queued | 1 dropped (queue full) | 2 closed;
//        the seq of a frame evicted to make room (-1: none) is written to .submitView[0]
//     .update({numThreads?, topK?}), .setWantRoom(bool), .stats(), .info(), .diagnostics(), .close()
//   engineLiveThreads() -> worker threads alive in this process
// Results arrive through one thread-safe function whose JS-side callback drains every finished job:
// callbacks.onResult(seq, status, count, message?) after writing timings and top-k to .resultView.
// Frame bytes are read in place: a reference to the typed array is held until the result is
// delivered and dropped on the JS thread.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/bpu_factory.h"
#include "engine/pool.h"
#include "engine/sim_probe.h"
#include "engine/synthetic_backend.h"

namespace mnv4 {
namespace {

struct LoadedModel {
  std::shared_ptr<Backend> backend;
  std::vector<std::unique_ptr<BackendSession>> sessions;
};

Napi::Object ModelInfoObject(Napi::Env env, const ModelInfo& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("inputWidth", m.inputWidth);
  o.Set("inputHeight", m.inputHeight);
  o.Set("numClasses", m.numClasses);
  o.Set("description", m.description);
  return o;
}

int IntProp(const Napi::Object& o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : fallback;
}

double DoubleProp(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

std::string StringProp(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

void HashList(const Napi::Object& o, const char* key, std::vector<uint32_t>* out) {
  Napi::Value v = o.Get(key);
  if (!v.IsArray()) return;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value h = a.Get(i);
    if (h.IsNumber()) out->push_back(static_cast<uint32_t>(h.As<Napi::Number>().Int64Value()));
  }
}

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, const Napi::Object& config)
      : Napi::AsyncWorker(env, "mnv4-engine-load"), deferred_(Napi::Promise::Deferred::New(env)) {
    kind_ = StringProp(config, "backend");
    sessions_ = IntProp(config, "numThreads", 1);
    bpu_.libPath = StringProp(config, "libPath");
    bpu_.modelPath = StringProp(config, "modelPath");
    bpu_.inferTimeoutMs = IntProp(config, "inferTimeoutMs", 1000);
    bpu_.expectedClasses = IntProp(config, "expectedClasses", 0);
    Napi::Value s = config.Get("synthetic");
    if (s.IsObject()) {
      Napi::Object so = s.As<Napi::Object>();
      synthetic_.inputWidth = IntProp(so, "inputWidth", 224);
      synthetic_.inputHeight = IntProp(so, "inputHeight", 224);
      synthetic_.numClasses = IntProp(so, "numClasses", 1000);
      synthetic_.latencyMs = DoubleProp(so, "latencyMs", 0);
      synthetic_.latencyByLuma = so.Get("latencyByLuma").ToBoolean().Value();
      synthetic_.logitOffset = static_cast<float>(DoubleProp(so, "logitOffset", 0));
      HashList(so, "failHashes", &synthetic_.failHashes);
      HashList(so, "failSubmitHashes", &synthetic_.failSubmitHashes);
    }
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::string error;
    auto model = std::make_unique<LoadedModel>();
    if (kind_ == "synthetic") {
      model->backend = CreateSyntheticBackend(synthetic_, &error);
    } else if (kind_ == "bpu") {
      model->backend = MakeBpuBackend(bpu_, &error);
    } else {
      error = "unknown native backend '" + kind_ + "'";
    }
    if (!model->backend) return SetError(error);
    // Two per worker: a worker prepares one frame while the other's task runs.
    for (int i = 0; i < kSessionsPerWorker * sessions_; i++) {
      auto session = model->backend->createSession(&error);
      if (!session) return SetError("cannot create an inference session: " + error);
      model->sessions.push_back(std::move(session));
    }
    model_ = std::move(model);
  }

  void OnOK() override {
    Napi::Env env = Env();
    deferred_.Resolve(Napi::External<LoadedModel>::New(env, model_.release(),
                                                       [](Napi::Env, LoadedModel* m) { delete m; }));
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string kind_;
  int sessions_ = 1;
  BpuFactoryOptions bpu_;
  SyntheticOptions synthetic_;
  std::unique_ptr<LoadedModel> model_;
};

Napi::Value EngineLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "engineLoad(config): config must be an object");
  auto* worker = new LoadWorker(env, info[0].As<Napi::Object>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

class EngineHandle : public Napi::ObjectWrap<EngineHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "EngineHandle",
                       {
                           InstanceMethod<&EngineHandle::Submit>("submit"),
                           InstanceMethod<&EngineHandle::Update>("update"),
                           InstanceMethod<&EngineHandle::SetWantRoom>("setWantRoom"),
                           InstanceMethod<&EngineHandle::Stats>("stats"),
                           InstanceMethod<&EngineHandle::HasRoom>("hasRoom"),
                           InstanceMethod<&EngineHandle::Info>("info"),
                           InstanceMethod<&EngineHandle::Diagnostics>("diagnostics"),
                           InstanceMethod<&EngineHandle::Close>("close"),
                       });
  }

  explicit EngineHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineHandle>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsExternal() || !info[1].IsObject() || !info[2].IsObject()) {
      throw Napi::TypeError::New(env, "EngineHandle(model, options, callbacks)");
    }
    LoadedModel* model = info[0].As<Napi::External<LoadedModel>>().Data();
    if (!model || !model->backend) throw Napi::Error::New(env, "EngineHandle: this model was already used");
    Napi::Object o = info[1].As<Napi::Object>();
    Napi::Object cb = info[2].As<Napi::Object>();
    PoolOptions options;
    options.numThreads = IntProp(o, "numThreads", 1);
    options.queueSize = IntProp(o, "queueSize", 4);
    options.policy = static_cast<DropPolicy>(IntProp(o, "dropPolicy", 0));
    options.topK = IntProp(o, "topK", 5);
    options.convert.mode = static_cast<ResizeMode>(IntProp(o, "resizeMode", 0));
    options.convert.filter = static_cast<ResizeFilter>(IntProp(o, "filter", 0));
    options.convert.cropRatio = DoubleProp(o, "cropRatio", 1.0);
    const int numClasses = model->backend->info().numClasses;
    if (options.numThreads < 1 || options.numThreads > kMaxThreads || options.queueSize < 1 ||
        options.queueSize > kMaxQueueSize || options.topK < 1 || options.topK > numClasses ||
        IntProp(o, "dropPolicy", -1) < 0 || IntProp(o, "dropPolicy", -1) > 2 || IntProp(o, "resizeMode", 0) < 0 ||
        IntProp(o, "resizeMode", 0) > 2 || IntProp(o, "filter", 0) < 0 || IntProp(o, "filter", 0) > 1 ||
        !(options.convert.cropRatio > 0 && options.convert.cropRatio <= 1)) {
      throw Napi::RangeError::New(env, "EngineHandle: option out of range");
    }
    for (const char* name : {"onResult", "onRoom", "onClosed"}) {
      if (!cb.Get(name).IsFunction()) throw Napi::TypeError::New(env, std::string("callbacks.") + name + " must be a function");
    }
    onResult_ = Napi::Persistent(cb.Get("onResult").As<Napi::Function>());
    onRoom_ = Napi::Persistent(cb.Get("onRoom").As<Napi::Function>());
    onClosed_ = Napi::Persistent(cb.Get("onClosed").As<Napi::Function>());

    Napi::Float64Array submitView = Napi::Float64Array::New(env, 1);
    Napi::Float64Array resultView = Napi::Float64Array::New(env, 4 + 2 * static_cast<size_t>(numClasses));
    info.This().As<Napi::Object>().Set("submitView", submitView);
    info.This().As<Napi::Object>().Set("resultView", resultView);
    submitView_ = Napi::Persistent(submitView);
    resultView_ = Napi::Persistent(resultView);

    napi_value name = Napi::String::New(env, "mnv4-engine-results");
    link_ = new TsfnLink{this};
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, link_, &TsfnFinalized, link_, &CallJs,
                                        &tsfn_) != napi_ok) {
      delete link_;
      link_ = nullptr;
      throw Napi::Error::New(env, "cannot create the result channel");
    }
    // The thread-safe function calls into this object until it is finalized: stay alive till then.
    Ref();
    NAPI_THROW_IF_FAILED_VOID(env, napi_unref_threadsafe_function(env, tsfn_));
    NAPI_THROW_IF_FAILED_VOID(env, napi_add_env_cleanup_hook(env, &Teardown, this));
    hookInstalled_ = true;
    queueSize_ = options.queueSize;
    done_.reserve(static_cast<size_t>(options.queueSize + kMaxThreads) * 2);
    queued_.reserve(static_cast<size_t>(options.queueSize));

    std::shared_ptr<Backend> backend = std::move(model->backend);
    napi_threadsafe_function tsfn = tsfn_;
    pool_ = std::make_unique<WorkerPool>(backend, options, std::move(model->sessions),
                                         [tsfn] { napi_call_threadsafe_function(tsfn, nullptr, napi_tsfn_nonblocking); });
  }

  ~EngineHandle() override {
    if (link_) link_->handle = nullptr;
    if (hookInstalled_) napi_remove_env_cleanup_hook(Env(), &Teardown, this);
    Shutdown();
  }

 private:
  // Context of the thread-safe function; outlives the handle if the handle goes first (teardown).
  struct TsfnLink {
    EngineHandle* handle;
  };

  // Runs once the thread-safe function is released and every queued call has been dispatched.
  static void TsfnFinalized(napi_env, void* data, void*) {
    auto* link = static_cast<TsfnLink*>(data);
    if (link->handle) link->handle->OnTsfnGone();
    delete link;
  }

  // Drops what kept the handle and its JS owner alive, so a closed engine can be collected.
  void OnTsfnGone() {
    link_ = nullptr;
    if (tearingDown_) return;
    onResult_.Reset();
    onRoom_.Reset();
    onClosed_.Reset();
    Unref();
  }

  // The environment ends (process exit, or the end of a worker thread) without close(): stop and
  // join the workers (blocking is acceptable here), then let go of the thread-safe function.
  static void Teardown(void* arg) {
    auto* self = static_cast<EngineHandle*>(arg);
    self->hookInstalled_ = false;
    self->tearingDown_ = true;
    self->Shutdown();
  }

  void Shutdown() {
    pool_.reset();
    if (tsfn_) {
      napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
      tsfn_ = nullptr;
    }
  }

  // Keeps the event loop alive only while frames are pending or a close is under way, so an idle
  // engine does not hold the process open.
  void UpdateRef(Napi::Env env) {
    if (!tsfn_) return;
    const bool want = outstanding_ > 0 || closing_;
    if (want == refed_) return;
    refed_ = want;
    if (want) napi_ref_threadsafe_function(env, tsfn_);
    else napi_unref_threadsafe_function(env, tsfn_);
  }

  void Unhold(FrameJob* job) {
    if (job->owner) napi_delete_reference(Env(), static_cast<napi_ref>(job->owner));
    pool_->release(job);
  }

  double* ViewData(Napi::Reference<Napi::Float64Array>& ref, size_t need) {
    Napi::Float64Array a = ref.Value();
    return a.ElementLength() >= need ? a.Data() : nullptr;  // a detached view reads as empty
  }

  Napi::Value Submit(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!pool_) throw Napi::Error::New(env, "the engine is closed");
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "frame data must be a Uint8Array");
    }
    for (size_t i = 1; i <= 5; i++) {
      if (!info[i].IsNumber()) throw Napi::TypeError::New(env, "width, height, step, format and seq must be numbers");
    }
    Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
    SrcImage src;
    src.data = data.Data();
    src.size = data.ByteLength();
    src.width = info[1].As<Napi::Number>().Int32Value();
    src.height = info[2].As<Napi::Number>().Int32Value();
    src.stride = info[3].As<Napi::Number>().Int32Value();
    const int format = info[4].As<Napi::Number>().Int32Value();
    if (format < static_cast<int>(PixelFormat::kRGB8) || format > static_cast<int>(PixelFormat::kNV21)) {
      throw Napi::RangeError::New(env, "unknown pixel format " + std::to_string(format));
    }
    src.format = static_cast<PixelFormat>(format);
    const std::string invalid = ValidateSource(src);
    if (!invalid.empty()) throw Napi::RangeError::New(env, invalid);
    const double seq = info[5].As<Napi::Number>().DoubleValue();
    if (!(seq >= 0 && seq <= 9007199254740991.0)) throw Napi::RangeError::New(env, "seq must be a safe non-negative integer");
    double* out = ViewData(submitView_, 1);
    if (!out) throw Napi::Error::New(env, "submitView was detached");

    FrameJob* job = pool_->acquire();
    job->src = src;
    job->seq = static_cast<uint64_t>(seq);
    napi_ref ref = nullptr;
    if (napi_create_reference(env, data, 1, &ref) != napi_ok) {
      pool_->release(job);
      throw Napi::Error::New(env, "cannot hold the frame buffer");
    }
    job->owner = ref;
    FrameJob* evicted = nullptr;
    const WorkerPool::Admit admit = pool_->submit(job, &evicted);
    out[0] = evicted ? static_cast<double>(evicted->seq) : -1.0;
    int status = 0;
    if (admit == WorkerPool::Admit::kQueued) {
      outstanding_++;
    } else {
      Unhold(job);
      status = admit == WorkerPool::Admit::kRefused ? 1 : 2;
    }
    if (evicted) {
      outstanding_--;
      Unhold(evicted);
    }
    UpdateRef(env);
    return Napi::Number::New(env, status);
  }

  Napi::Value Update(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "update(changes)");
    if (!pool_ || closing_) return env.Undefined();
    Napi::Object o = info[0].As<Napi::Object>();
    const int threads = IntProp(o, "numThreads", 0);
    if (threads) {
      if (threads < 1 || threads > kMaxThreads) throw Napi::RangeError::New(env, "numThreads must be 1..8");
      pool_->setNumThreads(threads);
    }
    const int topK = IntProp(o, "topK", 0);
    if (topK) {
      if (topK < 1 || topK > pool_->info().numClasses) throw Napi::RangeError::New(env, "topK out of range");
      pool_->setTopK(topK);
    }
    return env.Undefined();
  }

  Napi::Value SetWantRoom(const Napi::CallbackInfo& info) {
    if (pool_) pool_->setWantRoom(info[0].ToBoolean().Value());
    return info.Env().Undefined();
  }

  // The question ready() asks on every call: may the producer submit without anything being dropped
  // or piling up? Counting results not yet handed over as well keeps a producer that never yields
  // to the event loop from outrunning the hand-over (and the job slots bounded by queue + threads).
  Napi::Value HasRoom(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), RoomNow()); }

  bool RoomNow() const {
    return pool_ && !closing_ && pool_->queueDepth() < queueSize_ &&
           outstanding_ < static_cast<int64_t>(queueSize_) + pool_->numThreads();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("queueDepth", pool_ ? pool_->queueDepth() : 0);
    o.Set("busy", pool_ ? pool_->busy() : 0);
    o.Set("numThreads", pool_ ? pool_->numThreads() : 0);
    o.Set("outstanding", outstanding_);
    o.Set("slots", pool_ ? pool_->slots() : 0);
    o.Set("workerError", pool_ ? pool_->lastWorkerError() : std::string());
    return o;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!pool_) throw Napi::Error::New(env, "the engine is closed");
    const ModelInfo& m = pool_->info();
    return ModelInfoObject(env, m);
  }

  Napi::Value Diagnostics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Napi::String::New(env, pool_ ? pool_->backend().diagnosticsJson() : finalDiagnostics_);
  }

  // Returns the seqs of frames that were still waiting (they resolve as shut down); in-flight frames
  // finish and are delivered, then callbacks.onClosed() fires once every worker has been joined.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array seqs = Napi::Array::New(env);
    if (!pool_ || closing_) return seqs;
    closing_ = true;
    pool_->beginClose(&queued_);
    for (size_t i = 0; i < queued_.size(); i++) {
      seqs.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(queued_[i]->seq)));
      outstanding_--;
      Unhold(queued_[i]);
    }
    UpdateRef(env);
    // Workers that already exited will not wake us: look once from the event loop.
    napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking);
    return seqs;
  }

  static void CallJs(napi_env rawEnv, napi_value, void* context, void*) {
    if (!rawEnv) return;  // the thread-safe function is being torn down
    EngineHandle* self = static_cast<TsfnLink*>(context)->handle;
    if (!self) return;
    Napi::Env env(rawEnv);
    Napi::HandleScope scope(env);
    try {
      self->Deliver(env);
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    }
  }

  void Deliver(Napi::Env env) {
    if (!pool_ || !tsfn_) return;
    const WorkerPool::Collected c = pool_->collect(&done_);
    // A throwing callback must not strand the remaining jobs: finish the batch, then rethrow.
    Napi::Value firstError;
    for (FrameJob* job : done_) {
      double* view = ViewData(resultView_, 4 + 2 * static_cast<size_t>(job->count));
      if (view) {
        view[0] = job->queueMs;
        view[1] = job->preprocessMs;
        view[2] = job->inferenceMs;
        view[3] = job->postprocessMs;
        for (int i = 0; i < job->count; i++) {
          view[4 + i] = job->classes[static_cast<size_t>(i)];
          view[4 + job->count + i] = job->scores[static_cast<size_t>(i)];
        }
      }
      Napi::Value message = job->status == FrameStatus::kOk ? env.Undefined() : Napi::String::New(env, job->message);
      const double seq = static_cast<double>(job->seq);
      const int status = static_cast<int>(job->status);
      const int count = job->count;
      outstanding_--;
      Unhold(job);
      CallGuarded(env, onResult_, {Napi::Number::New(env, seq), Napi::Number::New(env, status),
                                   Napi::Number::New(env, count), message}, &firstError);
    }
    done_.clear();
    // A worker taking a frame frees queue room, but with two frames per worker the unanswered bound
    // may still be reached: then the next delivered result wakes the producer (onResult).
    if (c.room && RoomNow()) CallGuarded(env, onRoom_, {}, &firstError);
    if (c.allExited && closing_ && tsfn_) {
      // Every session is gone; release the model now rather than at garbage collection (BPU memory),
      // keeping the backend's last word for backendDiagnostics().
      finalDiagnostics_ = pool_->backend().diagnosticsJson();
      pool_.reset();
      napi_release_threadsafe_function(tsfn_, napi_tsfn_release);
      tsfn_ = nullptr;
      if (hookInstalled_) {
        napi_remove_env_cleanup_hook(env, &Teardown, this);
        hookInstalled_ = false;
      }
      CallGuarded(env, onClosed_, {}, &firstError);
    } else {
      UpdateRef(env);
    }
    if (!firstError.IsEmpty()) throw Napi::Error(env, firstError);
  }

  static void CallGuarded(Napi::Env env, Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args,
                          Napi::Value* firstError) {
    try {
      fn.Call(args);
    } catch (const Napi::Error& e) {
      if (firstError->IsEmpty()) *firstError = e.Value();
    }
    (void)env;
  }

  std::unique_ptr<WorkerPool> pool_;
  napi_threadsafe_function tsfn_ = nullptr;
  TsfnLink* link_ = nullptr;
  bool hookInstalled_ = false;
  bool tearingDown_ = false;
  bool refed_ = false;
  bool closing_ = false;
  int64_t outstanding_ = 0;  // queued or in workers or finished but not yet delivered
  int queueSize_ = 0;
  std::vector<FrameJob*> done_;
  std::vector<FrameJob*> queued_;
  std::string finalDiagnostics_ = "{}";  // taken when close completes, before the model is released
  Napi::FunctionReference onResult_, onRoom_, onClosed_;
  Napi::Reference<Napi::Float64Array> submitView_, resultView_;
};

// The loaded model's geometry, before a handle (and its threads) exists.
Napi::Value EngineModelInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) throw Napi::TypeError::New(env, "engineModelInfo(model)");
  LoadedModel* model = info[0].As<Napi::External<LoadedModel>>().Data();
  if (!model || !model->backend) throw Napi::Error::New(env, "this model was already used");
  const ModelInfo& m = model->backend->info();
  return ModelInfoObject(env, m);
}

// Test support: engineSimExpectedLogits(libPath, modelPath, nv12, numClasses) -> Float32Array.
Napi::Value EngineSimExpectedLogits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsTypedArray() || !info[3].IsNumber() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "engineSimExpectedLogits(libPath, modelPath, nv12: Uint8Array, numClasses)");
  }
  const int count = info[3].As<Napi::Number>().Int32Value();
  if (count < 1 || count > 100000) throw Napi::RangeError::New(env, "numClasses out of range");
  Napi::Uint8Array nv12 = info[2].As<Napi::Uint8Array>();
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(count));
  std::string error;
  if (!SimExpectedLogits(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), nv12.Data(),
                         nv12.ByteLength(), out.Data(), count, &error)) {
    throw Napi::Error::New(env, error);
  }
  return out;
}

Napi::Value EngineLiveThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), LiveWorkerThreads());
}

}  // namespace

void InitEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("engineLoad", Napi::Function::New<EngineLoad>(env, "engineLoad"));
  exports.Set("engineModelInfo", Napi::Function::New<EngineModelInfo>(env, "engineModelInfo"));
  exports.Set("engineSimExpectedLogits", Napi::Function::New<EngineSimExpectedLogits>(env, "engineSimExpectedLogits"));
  exports.Set("engineLiveThreads", Napi::Function::New<EngineLiveThreads>(env, "engineLiveThreads"));
  exports.Set("EngineHandle", EngineHandle::Define(env));
}

}  // namespace mnv4
