// Drives the BPU backend (native/src/bpu) against a runtime library given on the command line, as
// the worker pool does: one session per thread, NV12 written into inputBuffer(), run(); with
// --double two sessions per thread, the next frame written into one while the other's task runs
// (submit(), then wait()), as the pool's workers do. Every frame's logits are compared with the
// simulator's hbSimExpectedLogits for the bytes that frame was given.
//
//   backend_driver --lib LIB --model FILE [--threads N] [--frames F] [--timeout MS] [--double]
//                  [--expected-classes N] [--fault KIND:NTH:CODE:EXTRA_MS:COUNT]... [--session-retries N] [--no-check]
// Prints one JSON object: {"ok", "error"?, "info"?, "frames_ok", "frames_failed", "session_failures", "mismatches",
// "max_abs_diff", "errors": [{"thread","frame","error"}], "diagnostics", "accounting_after_unload"}.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bpu/bpu_backend.h"
#include "hb_sim.h"
#include "test_util.h"

namespace {

typedef int32_t (*SetFaultFn)(int32_t, int32_t, int32_t, int32_t, int32_t);
typedef int32_t (*ExpectedFn)(void*, const uint8_t*, uint32_t, float*, int32_t);
typedef int32_t (*AccountingJsonFn)(char*, uint32_t);
typedef int32_t (*InitFn)(void**, const char**, int32_t);
typedef int32_t (*ReleaseFn)(void*);
typedef int32_t (*NamesFn)(const char***, int32_t*, void*);
typedef int32_t (*HandleFn)(void**, void*, const char*);

struct Fault {
  int kind, nth, code, extra, count;
};

int KindOf(const std::string& s) {
  if (s == "infer") return HB_SIM_FAULT_INFER;
  if (s == "wait") return HB_SIM_FAULT_WAIT;
  if (s == "timeout") return HB_SIM_FAULT_TIMEOUT;
  if (s == "alloc") return HB_SIM_FAULT_ALLOC;
  return 0;
}

std::string Accounting(AccountingJsonFn fn) {
  char buf[8192];
  int32_t n = fn(buf, sizeof buf);
  return n >= 0 && static_cast<size_t>(n) < sizeof buf ? std::string(buf, static_cast<size_t>(n)) : "null";
}

}  // namespace

int main(int argc, char** argv) {
  std::string lib, model;
  int threads = 1, frames = 10, timeout = 1000, expected = 0;
  int sessionRetries = 0;
  bool check = true;
  bool twoSessions = false;
  std::vector<Fault> faults;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--lib") lib = next();
    else if (a == "--model") model = next();
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--frames") frames = std::atoi(next().c_str());
    else if (a == "--timeout") timeout = std::atoi(next().c_str());
    else if (a == "--expected-classes") expected = std::atoi(next().c_str());
    else if (a == "--no-check") check = false;
    else if (a == "--double") twoSessions = true;
    else if (a == "--session-retries") sessionRetries = std::atoi(next().c_str());
    else if (a == "--fault") {
      std::string spec = next();
      Fault f{};
      char kind[16] = {0};
      if (std::sscanf(spec.c_str(), "%15[a-z]:%d:%d:%d:%d", kind, &f.nth, &f.code, &f.extra, &f.count) != 5 ||
          (f.kind = KindOf(kind)) == 0) {
        std::fprintf(stderr, "bad --fault %s (KIND:NTH:CODE:EXTRA_MS:COUNT)\n", spec.c_str());
        return 2;
      }
      faults.push_back(f);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }

  // Our own reference to the runtime keeps it loaded after the backend lets go, so the accounting
  // can be read after unload. It is null when the library does not load (tested error path).
  void* self = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  AccountingJsonFn accounting = self ? reinterpret_cast<AccountingJsonFn>(dlsym(self, "hbSimGetAccountingJson")) : nullptr;
  SetFaultFn setFault = self ? reinterpret_cast<SetFaultFn>(dlsym(self, "hbSimSetFault")) : nullptr;
  ExpectedFn expectedLogits = self ? reinterpret_cast<ExpectedFn>(dlsym(self, "hbSimExpectedLogits")) : nullptr;

  mnv4::BpuBackendOptions opt;
  opt.libPath = lib;
  opt.modelPath = model;
  opt.inferTimeoutMs = timeout;
  opt.expectedClasses = expected;
  std::string error;
  std::unique_ptr<mnv4::Backend> backend = mnv4::CreateBpuBackend(opt, &error);
  if (!backend) {
    std::printf("{\"ok\":false,\"error\":\"%s\"}\n", simtest::JsonEscape(error).c_str());
    if (self) dlclose(self);
    return 0;
  }
  const mnv4::ModelInfo info = backend->info();
  const int classes = info.numClasses;
  const size_t nv12Bytes = static_cast<size_t>(info.inputWidth) * info.inputHeight * 3 / 2;

  // A reference model handle of our own (same file) for hbSimExpectedLogits.
  void* refPacked = nullptr;
  void* refDnn = nullptr;
  if (self && expectedLogits && check) {
    auto init = reinterpret_cast<InitFn>(dlsym(self, "hbDNNInitializeFromFiles"));
    auto names = reinterpret_cast<NamesFn>(dlsym(self, "hbDNNGetModelNameList"));
    auto handle = reinterpret_cast<HandleFn>(dlsym(self, "hbDNNGetModelHandle"));
    const char* path = model.c_str();
    const char** list = nullptr;
    int32_t n = 0;
    if (init(&refPacked, &path, 1) != 0 || names(&list, &n, refPacked) != 0 || handle(&refDnn, refPacked, list[0]) != 0) {
      std::printf("{\"ok\":false,\"error\":\"reference model load failed\"}\n");
      return 1;
    }
  }
  for (const Fault& f : faults) {
    if (!setFault || setFault(f.kind, f.nth, f.code, f.extra, f.count) != 0) {
      std::printf("{\"ok\":false,\"error\":\"cannot arm fault\"}\n");
      return 1;
    }
  }

  std::atomic<int> ok{0}, failed{0}, mismatches{0}, sessionFailures{0};
  std::mutex mu;
  double maxDiff = 0;
  std::string errors;
  int errorCount = 0;
  std::atomic<int> nextFrame{0};
  auto report = [&](int t, int frame, const std::string& err) {
    std::lock_guard<std::mutex> lk(mu);
    if (frame >= 0) failed++;
    else sessionFailures++;
    if (errorCount++ < 50)
      errors += std::string(errors.empty() ? "" : ",") + "{\"thread\":" + std::to_string(t) +
                ",\"frame\":" + std::to_string(frame) + ",\"error\":\"" + simtest::JsonEscape(err) + "\"}";
  };
  // Compares a frame's logits with what the simulator computes from the bytes it was given (the
  // pattern FillNv12 wrote for it, regenerated here: the session's input may hold the next frame).
  auto verify = [&](int frame, const float* logits, std::vector<uint8_t>* bytes, std::vector<float>* want) {
    ok++;
    if (refDnn == nullptr) return;
    simtest::FillNv12(bytes->data(), nv12Bytes, static_cast<uint64_t>(frame) + 1);
    expectedLogits(refDnn, bytes->data(), static_cast<uint32_t>(bytes->size()), want->data(), classes);
    const double d = simtest::MaxAbsDiff(logits, want->data(), classes);
    if (d > 0) mismatches++;
    std::lock_guard<std::mutex> lk(mu);
    if (!(d <= maxDiff)) maxDiff = d;
  };
  auto worker = [&](int t) {
    std::string err;
    const int count = twoSessions ? 2 : 1;
    std::unique_ptr<mnv4::BackendSession> sessions[2];
    for (int s = 0; s < count; ++s) {
      for (int attempt = 0; attempt <= sessionRetries && !sessions[s]; ++attempt) {
        sessions[s] = backend->createSession(&err);
        if (!sessions[s]) report(t, -1, err);
      }
      if (!sessions[s]) return;
    }
    std::vector<float> logits(static_cast<size_t>(classes));
    std::vector<float> want(static_cast<size_t>(classes));
    std::vector<uint8_t> bytes(nv12Bytes);
    if (!twoSessions) {
      for (;;) {
        const int frame = nextFrame.fetch_add(1);
        if (frame >= frames) break;
        simtest::FillNv12(sessions[0]->inputBuffer(), nv12Bytes, static_cast<uint64_t>(frame) + 1);
        if (!sessions[0]->run(logits.data(), &err)) {
          report(t, frame, err);
          continue;
        }
        verify(frame, logits.data(), &bytes, &want);
      }
      return;
    }
    int running = -1;  // frame whose task runs on sessions[current]
    int current = 0;
    for (;;) {
      const int frame = nextFrame.fetch_add(1);
      const int spare = running >= 0 ? 1 - current : current;
      if (frame < frames) simtest::FillNv12(sessions[spare]->inputBuffer(), nv12Bytes, static_cast<uint64_t>(frame) + 1);
      if (running >= 0) {
        if (sessions[current]->wait(logits.data(), &err)) verify(running, logits.data(), &bytes, &want);
        else report(t, running, err);
        running = -1;
      }
      if (frame >= frames) break;
      if (sessions[spare]->submit(&err)) {
        running = frame;
        current = spare;
      } else {
        report(t, frame, err);
      }
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  for (auto& th : pool) th.join();
  const double elapsedMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  const std::string diagnostics = backend->diagnosticsJson();
  backend.reset();
  if (refPacked != nullptr) reinterpret_cast<ReleaseFn>(dlsym(self, "hbDNNRelease"))(refPacked);
  const std::string after = accounting ? Accounting(accounting) : "null";
  std::printf(
      "{\"ok\":true,\"info\":{\"width\":%d,\"height\":%d,\"classes\":%d,\"description\":\"%s\"},\"frames_ok\":%d,"
      "\"elapsed_ms\":%.3f,\"frames_failed\":%d,\"session_failures\":%d,\"mismatches\":%d,\"max_abs_diff\":%.9g,\"errors\":[%s],\"diagnostics\":%s,"
      "\"accounting_after_unload\":%s}\n",
      info.inputWidth, info.inputHeight, classes, simtest::JsonEscape(info.description).c_str(), ok.load(),
      elapsedMs, failed.load(), sessionFailures.load(), mismatches.load(), maxDiff, errors.c_str(), diagnostics.c_str(), after.c_str());
  if (self) dlclose(self);
  return 0;
}
