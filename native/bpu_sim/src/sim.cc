// libhbdnn_sim.so: the RDK X5 BPU runtime's C API, simulated strictly (see include/hb_sim.h and
// README.md). Layouts and constants come from native/src/bpu/hb_dnn_decl.h (static_asserted against
// the documented X5 sizes and offsets).
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bpu/hb_dnn_decl.h"
#include "hb_sim.h"
#include "json.h"

#define SIM_EXPORT extern "C" __attribute__((visibility("default")))

using namespace mnv4::hb;  // NOLINT: the vendor API vocabulary
using Clock = std::chrono::steady_clock;

namespace bpusim {
namespace {

constexpr int kBlocks = 128;             // the NV12 bytes are cut into this many contiguous blocks
constexpr int kFeatures = 2 * kBlocks;   // per block: mean and a hashed-sign sum
constexpr int kMaxMisuseMessages = 200;  // stderr lines about misuse before going quiet
constexpr int32_t kCancelledStatus = HB_DNN_RUN_TASK_FAILED;
constexpr uint8_t kCpuInitByte = 0x00;     // fresh CPU view of cached memory
constexpr uint8_t kDeviceInitByte = 0x3C;  // fresh device copy: differs, so a missing CLEAN shows
constexpr uint8_t kPaddingByte = 0xA5;     // the core writes this into output padding

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
float Uniform(uint64_t key) {  // [-1, 1)
  return static_cast<float>(static_cast<double>(SplitMix64(key) >> 11) * (2.0 / 9007199254740992.0) - 1.0);
}

struct Block {
  uint8_t* cpu = nullptr;  // what the caller sees at virAddr (its cache)
  uint8_t* dev = nullptr;  // what the BPU sees (DDR); == cpu for uncached memory
  uint32_t size = 0;
  bool cached = true;
  uint64_t phy = 0;
  bool deviceWriteNotInvalidated = false;
  std::mutex mu;  // guards dev (and cpu during flushes)
  ~Block() {
    if (dev != cpu) std::free(dev);
    std::free(cpu);
  }
};

struct TensorSpec {
  std::string name;
  hbDNNTensorProperties props{};
  std::vector<uint8_t> shift;
  std::vector<float> scale;
  std::vector<int8_t> zeroPoint;
};

struct Model {
  std::string name;
  std::string path;
  TensorSpec input;
  TensorSpec output;
  double coreMs = 1.0;
  double submitOverheadMs = 0;
  double completeOverheadMs = 0;
  uint64_t seed = 1;
  int classes = 0;
  int outElemSize = 4;
  std::vector<int64_t> outOffset;  // per class: byte offset in the output
  std::vector<int32_t> outChannel; // per class: index along quantizeAxis
  std::vector<float> weights;      // classes x kFeatures
  std::vector<float> bias;
};

struct Packed {
  std::vector<std::shared_ptr<Model>> models;
  std::vector<const char*> names;
};

struct Task {
  void* handle = nullptr;
  std::shared_ptr<Model> model;
  std::shared_ptr<Block> in;
  std::shared_ptr<Block> out;
  enum State { Submitting, Queued, Running, Done } state = Submitting;
  int32_t status = 0;
  int32_t faultCode = 0;  // completes with this status (injected)
  int64_t extraNs = 0;    // injected slowness
  bool cancelled = false;
  bool overheadPaid = false;
  Clock::time_point enqueuedAt;
  Clock::time_point coreEnd{};  // modelled end of its core time (or of its cancellation)
  hbDNNTaskDoneCb cb = nullptr;
  void* cbUser = nullptr;
};

struct Fault {
  int32_t kind;
  int64_t first;  // call number (1-based) of the first affected call
  int64_t last;
  int32_t code;
  int32_t extraMs;
};

class Sim {
 public:
  ~Sim() { shutdown("unload"); }

  std::mutex mu;
  std::condition_variable doneCv;  // a task changed state
  std::condition_variable coreCv;  // work for the core / cancellation
  std::unordered_map<void*, std::shared_ptr<Block>> mem;
  std::unordered_set<void*> freedAddrs;
  std::unordered_map<void*, std::shared_ptr<Task>> tasks;  // live (unreleased)
  std::unordered_map<void*, std::shared_ptr<Packed>> packed;
  std::unordered_map<void*, std::shared_ptr<Model>> models;  // live models by handle
  std::deque<std::shared_ptr<Task>> fifo;
  std::thread core;
  // Each core thread has a generation; stopping marks every generation up to the current one. A
  // thread started while an old one is still winding down must not see (or clear) the old stop.
  uint64_t coreGen = 0;
  uint64_t stoppedGen = 0;
  Clock::time_point coreVirtualEnd{};
  uint64_t nextTaskId = 1;
  uint64_t nextPhy = 0x80000000ull;
  int64_t inferCalls = 0;
  int64_t allocCalls = 0;
  std::vector<Fault> faults;
  hbSimAccounting acc{};
  int misuseMessages = 0;

  void misuse(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    acc.api_misuse++;
    if (misuseMessages >= kMaxMisuseMessages) return;
    if (++misuseMessages == kMaxMisuseMessages) {
      fprintf(stderr, "bpu_sim: (further misuse messages suppressed)\n");
      return;
    }
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bpu_sim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
  }

  void startCoreLocked() {
    if (core.joinable()) return;
    coreVirtualEnd = Clock::now();
    const uint64_t gen = ++coreGen;
    core = std::thread([this, gen] { coreLoop(gen); });
  }

  // Joins the core thread; call without holding mu.
  void stopCore() {
    std::thread t;
    {
      std::lock_guard<std::mutex> lk(mu);
      if (!core.joinable()) return;
      stoppedGen = coreGen;
      coreCv.notify_all();
      t = std::move(core);
    }
    t.join();
  }

  void reportLeakedMemoryLocked(const char* when) {
    if (mem.empty()) return;
    uint64_t bytes = 0;
    for (auto& kv : mem) bytes += kv.second->size;
    fprintf(stderr,
            "bpu_sim: LEAK at %s: %zu hbSysMem block(s), %llu bytes, were never freed with hbSysFreeMem\n", when,
            mem.size(), static_cast<unsigned long long>(bytes));
    acc.leaked_mem_blocks_reported += static_cast<int64_t>(mem.size());
  }

  void shutdown(const char* when) {
    stopCore();
    std::lock_guard<std::mutex> lk(mu);
    if (!tasks.empty()) {
      fprintf(stderr, "bpu_sim: LEAK at %s: %zu task(s) were never released with hbDNNReleaseTask\n", when,
              tasks.size());
      acc.leaked_tasks_reported += static_cast<int64_t>(tasks.size());
      tasks.clear();
    }
    reportLeakedMemoryLocked(when);
    mem.clear();
    fifo.clear();
    models.clear();
    packed.clear();
  }

  // ---- the core ----------------------------------------------------------------------------------

  void coreLoop(uint64_t gen) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // ns-precise sleeps for the modelled core time
    // Per thread: an old core thread still computing while a new one starts must not share it.
    std::vector<float> scratchLogits;
    auto stopped = [&] { return stoppedGen >= gen; };
    std::unique_lock<std::mutex> lk(mu);
    for (;;) {
      coreCv.wait(lk, [&] { return stopped() || !fifo.empty(); });
      if (stopped()) {
        for (auto& t : fifo) finishLocked(t, kCancelledStatus, true);
        fifo.clear();
        return;
      }
      std::shared_ptr<Task> t = fifo.front();
      fifo.pop_front();
      if (t->cancelled) {
        finishLocked(t, kCancelledStatus, true);
        continue;
      }
      t->state = Task::Running;
      // The core is a timeline of its own: a task starts when it was queued or when the previous one
      // ended, whichever is later, so the OS's wake-up jitter on this thread does not accumulate.
      const Clock::time_point start = std::max(t->enqueuedAt, coreVirtualEnd);
      const Clock::time_point end =
          start + std::chrono::nanoseconds(static_cast<int64_t>(t->model->coreMs * 1e6) + t->extraNs);
      t->coreEnd = end;
      lk.unlock();
      const bool compute = t->faultCode == 0;
      if (compute) computeLogits(*t->model, *t->in, &scratchLogits);
      lk.lock();
      coreCv.wait_until(lk, end, [&] { return t->cancelled || stopped(); });
      const Clock::time_point now = Clock::now();
      if (t->cancelled || stopped()) {
        const Clock::time_point stopAt = std::min(now, end);
        coreVirtualEnd = std::max(start, stopAt);
        t->coreEnd = coreVirtualEnd;
        acc.core_busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(coreVirtualEnd - start).count();
        finishLocked(t, kCancelledStatus, true);
        continue;
      }
      coreVirtualEnd = end;
      acc.core_busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
      if (compute) {
        std::lock_guard<std::mutex> blk(t->out->mu);
        writeOutput(*t->model, scratchLogits.data(), t->out->dev);
        if (t->out->cached) t->out->deviceWriteNotInvalidated = true;
      }
      finishLocked(t, t->faultCode, false);
      if (t->cb != nullptr) {
        hbDNNTaskDoneCb cb = t->cb;
        void* user = t->cbUser;
        int32_t status = t->status;
        lk.unlock();
        cb(t->handle, status, user);
        lk.lock();
      }
    }
  }

  void finishLocked(const std::shared_ptr<Task>& t, int32_t status, bool cancelled) {
    t->state = Task::Done;
    t->status = status;
    if (cancelled) {
      acc.tasks_cancelled++;
    } else {
      acc.tasks_completed++;
      if (status != 0) acc.tasks_failed++;
    }
    doneCv.notify_all();
  }

  // ---- the deterministic "network" -----------------------------------------------------------------

  static void features(const uint8_t* bytes, size_t n, float* f) {
    for (int j = 0; j < kBlocks; ++j) {
      const size_t lo = n * static_cast<size_t>(j) / kBlocks;
      const size_t hi = n * static_cast<size_t>(j + 1) / kBlocks;
      int64_t sum = 0;
      int64_t signedSum = 0;
      for (size_t i = lo; i < hi; ++i) {
        const int v = bytes[i];
        sum += v;
        // a fixed pseudo-random sign per byte position (Knuth's multiplicative hash, top bit)
        signedSum += ((static_cast<uint32_t>(i) * 2654435761u) >> 31) ? v : -v;
      }
      const double len = hi > lo ? static_cast<double>(hi - lo) : 1.0;
      f[2 * j] = static_cast<float>((static_cast<double>(sum) / len - 128.0) / 64.0);
      f[2 * j + 1] = static_cast<float>(static_cast<double>(signedSum) / (64.0 * std::sqrt(len)));
    }
  }

  static void logitsFromBytes(const Model& m, const uint8_t* bytes, size_t n, float* out) {
    float f[kFeatures];
    features(bytes, n, f);
    const float gain = 3.0f / std::sqrt(static_cast<float>(kFeatures));
    for (int c = 0; c < m.classes; ++c) {
      const float* w = &m.weights[static_cast<size_t>(c) * kFeatures];
      float acc = 0;
      for (int k = 0; k < kFeatures; ++k) acc += w[k] * f[k];
      out[c] = m.bias[static_cast<size_t>(c)] + gain * acc;
    }
  }

  static void computeLogits(const Model& m, Block& in, std::vector<float>* out) {
    if (out->size() < static_cast<size_t>(m.classes)) out->resize(static_cast<size_t>(m.classes));
    std::lock_guard<std::mutex> lk(in.mu);
    logitsFromBytes(m, in.dev, static_cast<size_t>(m.input.props.alignedByteSize), out->data());
  }

  static int64_t Quantise(const Model& m, int k, float logit) {
    const hbDNNTensorProperties& p = m.output.props;
    const int32_t c = m.outChannel[static_cast<size_t>(k)];
    double q;
    if (p.quantiType == SCALE) {
      const float s = m.output.scale[m.output.scale.size() == 1 ? 0 : static_cast<size_t>(c)];
      const int zp = m.output.zeroPoint.empty() ? 0
                                                : m.output.zeroPoint[m.output.zeroPoint.size() == 1 ? 0 : static_cast<size_t>(c)];
      q = std::nearbyint(static_cast<double>(logit) / s) + zp;
    } else if (p.quantiType == SHIFT) {
      const int s = m.output.shift[m.output.shift.size() == 1 ? 0 : static_cast<size_t>(c)];
      q = std::nearbyint(static_cast<double>(logit) * static_cast<double>(1u << s));
    } else {
      q = std::nearbyint(static_cast<double>(logit));
    }
    double lo = 0, hi = 0;
    switch (p.tensorType) {
      case HB_DNN_TENSOR_TYPE_S8: lo = -128; hi = 127; break;
      case HB_DNN_TENSOR_TYPE_U8: lo = 0; hi = 255; break;
      case HB_DNN_TENSOR_TYPE_S16: lo = -32768; hi = 32767; break;
      case HB_DNN_TENSOR_TYPE_U16: lo = 0; hi = 65535; break;
      case HB_DNN_TENSOR_TYPE_S32: lo = -2147483648.0; hi = 2147483647.0; break;
      default: lo = 0; hi = 4294967295.0; break;
    }
    return static_cast<int64_t>(std::min(hi, std::max(lo, q)));
  }

  static float Dequantise(const Model& m, int k, int64_t q) {
    const hbDNNTensorProperties& p = m.output.props;
    const int32_t c = m.outChannel[static_cast<size_t>(k)];
    if (p.quantiType == SCALE) {
      const float s = m.output.scale[m.output.scale.size() == 1 ? 0 : static_cast<size_t>(c)];
      const int zp = m.output.zeroPoint.empty() ? 0
                                                : m.output.zeroPoint[m.output.zeroPoint.size() == 1 ? 0 : static_cast<size_t>(c)];
      return static_cast<float>(q - zp) * s;
    }
    if (p.quantiType == SHIFT) {
      const int s = m.output.shift[m.output.shift.size() == 1 ? 0 : static_cast<size_t>(c)];
      return static_cast<float>(q) / static_cast<float>(1u << s);
    }
    return static_cast<float>(q);
  }

  static bool IsFloat(int32_t t) { return t == HB_DNN_TENSOR_TYPE_F32 || t == HB_DNN_TENSOR_TYPE_F64; }

  static void writeOutput(const Model& m, const float* logits, uint8_t* dst) {
    std::memset(dst, kPaddingByte, static_cast<size_t>(m.output.props.alignedByteSize));
    const int32_t type = m.output.props.tensorType;
    for (int k = 0; k < m.classes; ++k) {
      uint8_t* p = dst + m.outOffset[static_cast<size_t>(k)];
      if (type == HB_DNN_TENSOR_TYPE_F32) {
        std::memcpy(p, &logits[k], 4);
        continue;
      }
      if (type == HB_DNN_TENSOR_TYPE_F64) {
        double v = logits[k];
        std::memcpy(p, &v, 8);
        continue;
      }
      const int64_t q = Quantise(m, k, logits[k]);
      switch (type) {
        case HB_DNN_TENSOR_TYPE_S8: { int8_t v = static_cast<int8_t>(q); std::memcpy(p, &v, 1); break; }
        case HB_DNN_TENSOR_TYPE_U8: { uint8_t v = static_cast<uint8_t>(q); std::memcpy(p, &v, 1); break; }
        case HB_DNN_TENSOR_TYPE_S16: { int16_t v = static_cast<int16_t>(q); std::memcpy(p, &v, 2); break; }
        case HB_DNN_TENSOR_TYPE_U16: { uint16_t v = static_cast<uint16_t>(q); std::memcpy(p, &v, 2); break; }
        case HB_DNN_TENSOR_TYPE_S32: { int32_t v = static_cast<int32_t>(q); std::memcpy(p, &v, 4); break; }
        default: { uint32_t v = static_cast<uint32_t>(q); std::memcpy(p, &v, 4); break; }
      }
    }
  }

  static void expected(const Model& m, const uint8_t* bytes, float* out) {
    logitsFromBytes(m, bytes, static_cast<size_t>(m.input.props.alignedByteSize), out);
    if (IsFloat(m.output.props.tensorType)) return;
    for (int k = 0; k < m.classes; ++k) out[k] = Dequantise(m, k, Quantise(m, k, out[k]));
  }

  // ---- lookups (mu held) ---------------------------------------------------------------------------

  std::shared_ptr<Block> findBlockLocked(const hbSysMem* m, const char* call, const char* what) {
    if (m == nullptr) {
      misuse("%s: %s is null", call, what);
      return nullptr;
    }
    auto it = mem.find(m->virAddr);
    if (it == mem.end()) {
      if (freedAddrs.count(m->virAddr) != 0)
        misuse("%s: %s virAddr %p was already freed with hbSysFreeMem", call, what, m->virAddr);
      else
        misuse("%s: %s virAddr %p was not allocated with hbSysAllocMem/hbSysAllocCachedMem", call, what, m->virAddr);
      return nullptr;
    }
    if (it->second->phy != m->phyAddr) {
      misuse("%s: %s phyAddr 0x%llx does not match virAddr %p", call, what,
             static_cast<unsigned long long>(m->phyAddr), m->virAddr);
      return nullptr;
    }
    return it->second;
  }
};

Sim g_sim;

int32_t ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return HB_DNN_CAN_NOT_OPEN_FILE;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return 0;
}

int32_t TypeFromName(const std::string& s) {
  static const char* const kNames[] = {"Y",  "NV12", "NV12_SEPARATE", "YUV444", "RGB", "BGR", "S4",
                                       "U4", "S8",   "U8",            "F16",    "S16", "U16", "F32",
                                       "S32", "U32", "F64",           "S64",    "U64"};
  for (int i = 0; i < HB_DNN_TENSOR_TYPE_MAX; ++i)
    if (s == kNames[i]) return i;
  return -1;
}

int ElemSize(int32_t t) {
  switch (t) {
    case HB_DNN_TENSOR_TYPE_S8:
    case HB_DNN_TENSOR_TYPE_U8: return 1;
    case HB_DNN_TENSOR_TYPE_S16:
    case HB_DNN_TENSOR_TYPE_U16: return 2;
    case HB_DNN_TENSOR_TYPE_S32:
    case HB_DNN_TENSOR_TYPE_U32:
    case HB_DNN_TENSOR_TYPE_F32: return 4;
    case HB_DNN_TENSOR_TYPE_F64: return 8;
    default: return 0;
  }
}

bool ReadShape(const Json* j, hbDNNTensorShape* s, std::string* err, const char* what) {
  if (j == nullptr || j->kind != Json::Array || j->arr.empty() || j->arr.size() > kTensorMaxDimensions) {
    *err = std::string(what) + " must be an array of 1..8 dimensions";
    return false;
  }
  std::memset(s, 0, sizeof *s);
  s->numDimensions = static_cast<int32_t>(j->arr.size());
  for (size_t i = 0; i < j->arr.size(); ++i) {
    if (j->arr[i].kind != Json::Number || j->arr[i].num < 1 || j->arr[i].num > 1e6) {
      *err = std::string(what) + " dimensions must be positive integers";
      return false;
    }
    s->dimensionSize[i] = static_cast<int32_t>(j->arr[i].num);
  }
  return true;
}

double NumberOr(const Json* obj, const char* key, double dflt) {
  const Json* v = obj != nullptr ? obj->get(key) : nullptr;
  return v != nullptr && v->kind == Json::Number ? v->num : dflt;
}

bool ReadTensor(const Json* j, bool isInput, TensorSpec* t, std::string* err) {
  const char* which = isInput ? "input" : "output";
  if (j == nullptr || j->kind != Json::Object) {
    *err = std::string("missing object \"") + which + "\"";
    return false;
  }
  hbDNNTensorProperties& p = t->props;
  std::memset(&p, 0, sizeof p);
  const Json* name = j->get("name");
  t->name = name != nullptr && name->kind == Json::String ? name->str : which;
  const Json* type = j->get("tensor_type");
  p.tensorType = type != nullptr && type->kind == Json::String ? TypeFromName(type->str) : -1;
  if (p.tensorType < 0) {
    *err = std::string(which) + ".tensor_type must be one of Y, NV12, RGB, BGR, S8, U8, S16, U16, F32, S32, ...";
    return false;
  }
  const Json* layout = j->get("layout");
  std::string l = layout != nullptr && layout->kind == Json::String ? layout->str : "NCHW";
  p.tensorLayout = l == "NHWC" ? HB_DNN_LAYOUT_NHWC : l == "NCHW" ? HB_DNN_LAYOUT_NCHW : HB_DNN_LAYOUT_NONE;
  if (!ReadShape(j->get("valid_shape"), &p.validShape, err, "valid_shape")) return false;
  if (j->get("aligned_shape") != nullptr) {
    if (!ReadShape(j->get("aligned_shape"), &p.alignedShape, err, "aligned_shape")) return false;
  } else {
    p.alignedShape = p.validShape;
  }
  const int nd = p.validShape.numDimensions;
  if (p.alignedShape.numDimensions != nd) {
    *err = std::string(which) + ": aligned_shape and valid_shape differ in rank";
    return false;
  }
  for (int d = 0; d < nd; ++d) {
    if (p.alignedShape.dimensionSize[d] < p.validShape.dimensionSize[d]) {
      *err = std::string(which) + ": aligned_shape is smaller than valid_shape";
      return false;
    }
  }
  int64_t elems = 1;
  for (int d = 0; d < nd; ++d) elems *= p.alignedShape.dimensionSize[d];
  int64_t bytes;
  if (p.tensorType == HB_DNN_IMG_TYPE_NV12 || p.tensorType == HB_DNN_IMG_TYPE_NV12_SEPARATE) {
    // NCHW (1,3,H,W): Y plane H*W plus interleaved UV H/2*W (rounded up for odd sizes).
    const int64_t h = nd == 4 ? p.alignedShape.dimensionSize[2] : 1;
    const int64_t w = nd == 4 ? p.alignedShape.dimensionSize[3] : 1;
    bytes = h * w + ((h + 1) / 2) * ((w + 1) / 2) * 2;
  } else {
    const int es = std::max(ElemSize(p.tensorType), 1);
    bytes = elems * es;
    if (!isInput) {
      // dense byte strides over alignedShape, as the runtime reports them
      int64_t s = es;
      for (int d = nd - 1; d >= 0; --d) {
        p.stride[d] = static_cast<int32_t>(s);
        s *= p.alignedShape.dimensionSize[d];
      }
    }
  }
  const Json* stride = j->get("stride");
  if (stride != nullptr) {
    if (stride->kind != Json::Array || static_cast<int>(stride->arr.size()) != nd) {
      *err = std::string(which) + ".stride must have one entry per dimension";
      return false;
    }
    for (int d = 0; d < nd; ++d) p.stride[d] = static_cast<int32_t>(stride->arr[static_cast<size_t>(d)].num);
  }
  p.alignedByteSize = static_cast<int32_t>(NumberOr(j, "aligned_byte_size", static_cast<double>(bytes)));
  if (p.alignedByteSize <= 0 || p.alignedByteSize < bytes) {
    *err = std::string(which) + ".aligned_byte_size is smaller than the aligned shape needs";
    return false;
  }
  const Json* q = j->get("quanti_type");
  std::string qs = q != nullptr && q->kind == Json::String ? q->str : "NONE";
  p.quantiType = qs == "SCALE" ? SCALE : qs == "SHIFT" ? SHIFT : NONE;
  if (qs != "NONE" && qs != "SCALE" && qs != "SHIFT") {
    *err = std::string(which) + ".quanti_type must be NONE, SCALE or SHIFT";
    return false;
  }
  p.quantizeAxis = static_cast<int32_t>(NumberOr(j, "quantize_axis", 0));
  auto readList = [&](const char* key, auto* vec) -> bool {
    const Json* a = j->get(key);
    if (a == nullptr) return true;
    if (a->kind != Json::Array) {
      *err = std::string(which) + "." + key + " must be an array";
      return false;
    }
    for (const Json& v : a->arr) vec->push_back(static_cast<typename std::decay_t<decltype(*vec)>::value_type>(v.num));
    return true;
  };
  if (!readList("scale", &t->scale) || !readList("zero_point", &t->zeroPoint) || !readList("shift", &t->shift))
    return false;
  if (p.quantiType != NONE) {
    if (p.quantizeAxis < 0 || p.quantizeAxis >= nd) {
      *err = std::string(which) + ".quantize_axis is outside the shape";
      return false;
    }
    const size_t channels = static_cast<size_t>(p.validShape.dimensionSize[p.quantizeAxis]);
    if (p.quantiType == SCALE && (t->scale.empty() || (t->scale.size() != 1 && t->scale.size() != channels))) {
      *err = std::string(which) + ".scale needs 1 or " + std::to_string(channels) + " values";
      return false;
    }
    if (p.quantiType == SHIFT && (t->shift.empty() || (t->shift.size() != 1 && t->shift.size() != channels))) {
      *err = std::string(which) + ".shift needs 1 or " + std::to_string(channels) + " values";
      return false;
    }
    for (uint8_t s : t->shift) {
      if (s > 30) {
        *err = std::string(which) + ".shift values must be <= 30";
        return false;
      }
    }
  }
  p.scale.scaleLen = static_cast<int32_t>(t->scale.size());
  p.scale.scaleData = t->scale.empty() ? nullptr : t->scale.data();
  p.scale.zeroPointLen = static_cast<int32_t>(t->zeroPoint.size());
  p.scale.zeroPointData = t->zeroPoint.empty() ? nullptr : t->zeroPoint.data();
  p.shift.shiftLen = static_cast<int32_t>(t->shift.size());
  p.shift.shiftData = t->shift.empty() ? nullptr : t->shift.data();
  return true;
}

void ParseFaults(const Json* list, std::vector<Fault>* out, int64_t inferBase, int64_t allocBase);

// Parses a model file into *m (which must stay where it is: properties point into its vectors).
int32_t LoadModel(const std::string& path, Model* m, std::vector<Fault>* faults, int64_t inferBase,
                  int64_t allocBase) {
  std::string text;
  if (ReadFile(path, &text) != 0) {
    fprintf(stderr, "bpu_sim: cannot open model file '%s'\n", path.c_str());
    return HB_DNN_CAN_NOT_OPEN_FILE;
  }
  Json root;
  std::string err;
  JsonParser parser(text);
  auto bad = [&](const std::string& why) {
    fprintf(stderr, "bpu_sim: invalid model file '%s': %s\n", path.c_str(), why.c_str());
    return HB_DNN_INVALID_MODEL;
  };
  if (!parser.parse(&root, &err)) return bad(err);
  if (root.kind != Json::Object) return bad("not a JSON object");
  const Json* format = root.get("format");
  if (format == nullptr || format->kind != Json::String || format->str != "mnv4-bpu-sim-model/1")
    return bad("\"format\" must be \"mnv4-bpu-sim-model/1\"");
  m->path = path;
  const Json* name = root.get("model_name");
  m->name = name != nullptr && name->kind == Json::String ? name->str : "sim_model";
  if (!ReadTensor(root.get("input"), true, &m->input, &err)) return bad(err);
  if (!ReadTensor(root.get("output"), false, &m->output, &err)) return bad(err);
  const Json* timing = root.get("timing");
  m->coreMs = NumberOr(timing, "core_ms", 1.0);
  m->submitOverheadMs = NumberOr(timing, "submit_overhead_ms", 0.0);
  m->completeOverheadMs = NumberOr(timing, "complete_overhead_ms", 0.0);
  if (!(m->coreMs >= 0 && m->coreMs < 60000 && m->submitOverheadMs >= 0 && m->completeOverheadMs >= 0))
    return bad("timing values must be non-negative milliseconds");
  m->seed = static_cast<uint64_t>(NumberOr(&root, "seed", 1));

  const hbDNNTensorProperties& op = m->output.props;
  m->outElemSize = ElemSize(op.tensorType);
  if (m->outElemSize == 0) return bad("output.tensor_type must be S8, U8, S16, U16, S32, U32, F32 or F64");
  if (op.quantiType != NONE && Sim::IsFloat(op.tensorType)) return bad("a float output cannot be quantised");
  int64_t classes = 1;
  for (int d = 0; d < op.validShape.numDimensions; ++d) classes *= op.validShape.dimensionSize[d];
  if (classes > 100000) return bad("output has too many elements");
  m->classes = static_cast<int>(classes);
  // Element offsets from the byte strides (explicit or dense over alignedShape).
  const int nd = op.validShape.numDimensions;
  int32_t idx[kTensorMaxDimensions] = {0};
  m->outOffset.resize(static_cast<size_t>(classes));
  m->outChannel.resize(static_cast<size_t>(classes));
  for (int64_t k = 0; k < classes; ++k) {
    int64_t off = 0;
    for (int d = 0; d < nd; ++d) off += static_cast<int64_t>(idx[d]) * op.stride[d];
    if (off < 0 || off + m->outElemSize > op.alignedByteSize) return bad("output.stride reaches beyond aligned_byte_size");
    m->outOffset[static_cast<size_t>(k)] = off;
    m->outChannel[static_cast<size_t>(k)] = op.quantiType != NONE ? idx[op.quantizeAxis] : 0;
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < op.validShape.dimensionSize[d]) break;
      idx[d] = 0;
    }
  }
  m->weights.resize(static_cast<size_t>(classes) * kFeatures);
  m->bias.resize(static_cast<size_t>(classes));
  for (int64_t c = 0; c < classes; ++c) {
    m->bias[static_cast<size_t>(c)] = 0.5f * Uniform(m->seed * 0x100000001B3ull ^ (static_cast<uint64_t>(c) << 40));
    for (int k = 0; k < kFeatures; ++k)
      m->weights[static_cast<size_t>(c) * kFeatures + static_cast<size_t>(k)] =
          Uniform(m->seed ^ (static_cast<uint64_t>(c) * kFeatures + static_cast<uint64_t>(k) + 1) * 0x9E3779B1ull);
  }
  ParseFaults(root.get("faults"), faults, inferBase, allocBase);
  return 0;
}

int32_t KindFromName(const std::string& s) {
  if (s == "infer") return HB_SIM_FAULT_INFER;
  if (s == "wait") return HB_SIM_FAULT_WAIT;
  if (s == "timeout") return HB_SIM_FAULT_TIMEOUT;
  if (s == "alloc") return HB_SIM_FAULT_ALLOC;
  return 0;
}

// "faults": [{"kind": "infer"|"wait"|"timeout"|"alloc", "nth": N (1 = the first call after load),
//             "code": C, "extra_ms": X, "count": K}]
void ParseFaults(const Json* list, std::vector<Fault>* out, int64_t inferBase, int64_t allocBase) {
  if (list == nullptr || list->kind != Json::Array) return;
  for (const Json& f : list->arr) {
    const Json* kind = f.get("kind");
    const int32_t k = kind != nullptr && kind->kind == Json::String ? KindFromName(kind->str) : 0;
    const int64_t nth = static_cast<int64_t>(NumberOr(&f, "nth", 1));
    const int64_t count = static_cast<int64_t>(NumberOr(&f, "count", 1));
    if (k == 0 || nth < 1 || count < 1) {
      fprintf(stderr, "bpu_sim: ignoring an invalid fault entry (kind infer|wait|timeout|alloc, nth >= 1, count >= 1)\n");
      continue;
    }
    const int64_t base = k == HB_SIM_FAULT_ALLOC ? allocBase : inferBase;
    out->push_back(Fault{k, base + nth, base + nth + count - 1, static_cast<int32_t>(NumberOr(&f, "code", 0)),
                         static_cast<int32_t>(NumberOr(&f, "extra_ms", 0))});
  }
}

// Sleeps in the caller's thread until `deadline`, modelled CPU/driver time measured from an instant
// the model defines (not from now), so OS wake-up latency is absorbed rather than added. The thread's
// timer slack (default 50 us) is narrowed for the sleep and restored.
void SleepUntil(Clock::time_point deadline) {
  if (Clock::now() >= deadline) return;
  const int old = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  if (old > 1000) prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
  std::this_thread::sleep_until(deadline);
  if (old > 1000) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old), 0UL, 0UL, 0UL);
}

Clock::duration Ms(double ms) { return std::chrono::nanoseconds(static_cast<int64_t>(ms * 1e6)); }

int32_t AllocImpl(hbSysMem* out, uint32_t size, bool cached) {
  Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  const char* call = cached ? "hbSysAllocCachedMem" : "hbSysAllocMem";
  if (out == nullptr || size == 0) {
    s.misuse("%s: %s", call, out == nullptr ? "mem is null" : "size is 0");
    return HB_SYS_INVALID_ARGUMENT;
  }
  const int64_t call_no = ++s.allocCalls;
  for (const Fault& f : s.faults) {
    if (f.kind == HB_SIM_FAULT_ALLOC && call_no >= f.first && call_no <= f.last) {
      s.acc.faults_injected++;
      return f.code != 0 ? f.code : HB_SYS_OUT_OF_MEMORY;
    }
  }
  auto b = std::make_shared<Block>();
  const size_t rounded = (static_cast<size_t>(size) + 63) / 64 * 64;
  b->cpu = static_cast<uint8_t*>(std::aligned_alloc(64, rounded));
  b->dev = cached ? static_cast<uint8_t*>(std::aligned_alloc(64, rounded)) : b->cpu;
  if (b->cpu == nullptr || b->dev == nullptr) return HB_SYS_OUT_OF_MEMORY;
  std::memset(b->cpu, kCpuInitByte, rounded);
  if (cached) std::memset(b->dev, kDeviceInitByte, rounded);
  b->size = size;
  b->cached = cached;
  b->phy = s.nextPhy;
  s.nextPhy += rounded + 4096;
  s.mem[b->cpu] = b;
  s.freedAddrs.erase(b->cpu);
  s.acc.live_mem_blocks++;
  s.acc.live_mem_bytes += size;
  s.acc.mem_allocations++;
  out->phyAddr = b->phy;
  out->virAddr = b->cpu;
  out->memSize = size;
  return HB_SYS_SUCCESS;
}

std::shared_ptr<Model> FindModelLocked(void* handle, const char* call) {
  Sim& s = g_sim;
  auto it = s.models.find(handle);
  if (it == s.models.end()) {
    s.misuse("%s: %p is not the handle of a loaded model (released, or never obtained from hbDNNGetModelHandle)",
             call, handle);
    return nullptr;
  }
  return it->second;
}

bool TensorMemOk(const hbDNNTensor* t, const TensorSpec& spec, const std::string& modelName, const char* which,
                 std::shared_ptr<Block>* block) {
  Sim& s = g_sim;
  *block = s.findBlockLocked(&t->sysMem[0], "hbDNNInfer", which);
  if (!*block) return false;
  const uint32_t need = static_cast<uint32_t>(spec.props.alignedByteSize);
  if (t->sysMem[0].memSize < need || (*block)->size < need) {
    s.misuse("hbDNNInfer: %s memory of model %s is %u bytes, smaller than its alignedByteSize %u", which,
             modelName.c_str(), std::min(t->sysMem[0].memSize, (*block)->size), need);
    return false;
  }
  if (t->properties.tensorType != spec.props.tensorType) {
    s.misuse("hbDNNInfer: %s tensor type %d differs from the model's %d (copy the properties from "
             "hbDNNGet*TensorProperties)", which, t->properties.tensorType, spec.props.tensorType);
    return false;
  }
  return true;
}

}  // namespace
}  // namespace bpusim

using bpusim::g_sim;

// ============================== the libdnn API ==================================================

SIM_EXPORT const char* hbDNNGetVersion() { return "1.24.5_(bpu_sim mnv4 1.0)"; }

SIM_EXPORT const char* hbDNNGetErrorDesc(int32_t code) {
  // Descriptions of our own wording (marked), so a caller can tell they came from the runtime. Built
  // once; no thread_local (it would pin the library in memory until every caller thread exits).
  static const std::unordered_map<int32_t, std::string> table = [] {
    std::unordered_map<int32_t, std::string> t;
    for (int32_t c = -6000200; c <= 0; ++c) {
      const char* base = DocumentedStatusName(c);
      if (base != nullptr) t[c] = std::string("[bpu_sim] ") + base;
    }
    return t;
  }();
  auto it = table.find(code);
  return it != table.end() ? it->second.c_str() : "[bpu_sim] unknown status code";
}

SIM_EXPORT int32_t hbDNNInitializeFromFiles(hbPackedDNNHandle_t* packedHandle, const char** files, int32_t count) {
  bpusim::Sim& s = g_sim;
  if (packedHandle == nullptr || files == nullptr || count < 1) {
    std::lock_guard<std::mutex> lk(s.mu);
    s.misuse("hbDNNInitializeFromFiles: null handle pointer, null file list or count < 1");
    return HB_DNN_INVALID_ARGUMENT;
  }
  auto packed = std::make_shared<bpusim::Packed>();
  std::vector<bpusim::Fault> faults;
  int64_t inferBase, allocBase;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    inferBase = s.inferCalls;
    allocBase = s.allocCalls;
  }
  for (int32_t i = 0; i < count; ++i) {
    if (files[i] == nullptr) return HB_DNN_INVALID_ARGUMENT;
    auto m = std::make_shared<bpusim::Model>();
    int32_t rc = bpusim::LoadModel(files[i], m.get(), &faults, inferBase, allocBase);
    if (rc != 0) return rc;
    packed->models.push_back(m);
  }
  for (auto& m : packed->models) packed->names.push_back(m->name.c_str());
  std::lock_guard<std::mutex> lk(s.mu);
  for (auto& m : packed->models) {
    s.models[m.get()] = m;
    s.acc.loaded_models++;
  }
  s.faults.insert(s.faults.end(), faults.begin(), faults.end());
  s.packed[packed.get()] = packed;
  *packedHandle = packed.get();
  s.startCoreLocked();
  return HB_DNN_SUCCESS;
}

SIM_EXPORT int32_t hbDNNRelease(hbPackedDNNHandle_t packedHandle) {
  bpusim::Sim& s = g_sim;
  bool last = false;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    auto it = s.packed.find(packedHandle);
    if (it == s.packed.end()) {
      s.misuse("hbDNNRelease: %p is not a live packed handle (released twice?)", packedHandle);
      return HB_DNN_INVALID_PACKED_DNN_HANDLE;
    }
    std::shared_ptr<bpusim::Packed> p = it->second;
    size_t leaked = 0;
    for (auto t = s.tasks.begin(); t != s.tasks.end();) {
      bool ours = false;
      for (auto& m : p->models) ours = ours || t->second->model == m;
      if (ours) {
        t->second->cancelled = true;
        ++leaked;
        t = s.tasks.erase(t);
      } else {
        ++t;
      }
    }
    if (leaked > 0) {
      fprintf(stderr, "bpu_sim: LEAK at hbDNNRelease: %zu task(s) of model %s were never released with hbDNNReleaseTask\n",
              leaked, p->models[0]->name.c_str());
      s.acc.leaked_tasks_reported += static_cast<int64_t>(leaked);
      s.acc.live_tasks = static_cast<int64_t>(s.tasks.size());
      s.coreCv.notify_all();
    }
    for (auto& m : p->models) {
      s.models.erase(m.get());
      s.acc.loaded_models--;
    }
    s.packed.erase(it);
    last = s.packed.empty();
    if (last) s.reportLeakedMemoryLocked("the last hbDNNRelease");
  }
  if (last) s.stopCore();
  return HB_DNN_SUCCESS;
}

SIM_EXPORT int32_t hbDNNGetModelNameList(const char*** names, int32_t* count, hbPackedDNNHandle_t packedHandle) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto it = s.packed.find(packedHandle);
  if (it == s.packed.end()) {
    s.misuse("hbDNNGetModelNameList: %p is not a live packed handle", packedHandle);
    return HB_DNN_INVALID_PACKED_DNN_HANDLE;
  }
  if (names == nullptr || count == nullptr) return HB_DNN_INVALID_ARGUMENT;
  *names = it->second->names.data();
  *count = static_cast<int32_t>(it->second->names.size());
  return HB_DNN_SUCCESS;
}

SIM_EXPORT int32_t hbDNNGetModelHandle(hbDNNHandle_t* dnn, hbPackedDNNHandle_t packedHandle, const char* name) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto it = s.packed.find(packedHandle);
  if (it == s.packed.end()) {
    s.misuse("hbDNNGetModelHandle: %p is not a live packed handle", packedHandle);
    return HB_DNN_INVALID_PACKED_DNN_HANDLE;
  }
  if (dnn == nullptr || name == nullptr) return HB_DNN_INVALID_ARGUMENT;
  for (auto& m : it->second->models) {
    if (m->name == name) {
      *dnn = m.get();
      return HB_DNN_SUCCESS;
    }
  }
  s.misuse("hbDNNGetModelHandle: no model named '%s' in this packed handle", name);
  return HB_DNN_INVALID_ARGUMENT;
}

namespace {
int32_t CountImpl(int32_t* count, hbDNNHandle_t dnn, bool input, const char* call) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto m = bpusim::FindModelLocked(dnn, call);
  if (!m) return HB_DNN_INVALID_DNN_HANDLE;
  if (count == nullptr) return HB_DNN_INVALID_ARGUMENT;
  (void)input;
  *count = 1;  // simulator models have one input and one output
  return HB_DNN_SUCCESS;
}
int32_t NameImpl(const char** name, hbDNNHandle_t dnn, int32_t index, bool input, const char* call) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto m = bpusim::FindModelLocked(dnn, call);
  if (!m) return HB_DNN_INVALID_DNN_HANDLE;
  if (name == nullptr || index != 0) return HB_DNN_INVALID_ARGUMENT;
  *name = input ? m->input.name.c_str() : m->output.name.c_str();
  return HB_DNN_SUCCESS;
}
int32_t PropsImpl(hbDNNTensorProperties* props, hbDNNHandle_t dnn, int32_t index, bool input, const char* call) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto m = bpusim::FindModelLocked(dnn, call);
  if (!m) return HB_DNN_INVALID_DNN_HANDLE;
  if (props == nullptr || index != 0) return HB_DNN_INVALID_ARGUMENT;
  *props = input ? m->input.props : m->output.props;
  return HB_DNN_SUCCESS;
}
}  // namespace

SIM_EXPORT int32_t hbDNNGetInputCount(int32_t* count, hbDNNHandle_t dnn) {
  return CountImpl(count, dnn, true, "hbDNNGetInputCount");
}
SIM_EXPORT int32_t hbDNNGetOutputCount(int32_t* count, hbDNNHandle_t dnn) {
  return CountImpl(count, dnn, false, "hbDNNGetOutputCount");
}
SIM_EXPORT int32_t hbDNNGetInputName(const char** name, hbDNNHandle_t dnn, int32_t index) {
  return NameImpl(name, dnn, index, true, "hbDNNGetInputName");
}
SIM_EXPORT int32_t hbDNNGetOutputName(const char** name, hbDNNHandle_t dnn, int32_t index) {
  return NameImpl(name, dnn, index, false, "hbDNNGetOutputName");
}
SIM_EXPORT int32_t hbDNNGetInputTensorProperties(hbDNNTensorProperties* props, hbDNNHandle_t dnn, int32_t index) {
  return PropsImpl(props, dnn, index, true, "hbDNNGetInputTensorProperties");
}
SIM_EXPORT int32_t hbDNNGetOutputTensorProperties(hbDNNTensorProperties* props, hbDNNHandle_t dnn, int32_t index) {
  return PropsImpl(props, dnn, index, false, "hbDNNGetOutputTensorProperties");
}

SIM_EXPORT int32_t hbDNNInfer(hbDNNTaskHandle_t* taskHandle, hbDNNTensor** output, const hbDNNTensor* input,
                              hbDNNHandle_t dnn, hbDNNInferCtrlParam* ctrl) {
  const Clock::time_point entry = Clock::now();
  bpusim::Sim& s = g_sim;
  std::shared_ptr<bpusim::Task> task;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    auto reject = [&](int32_t code) {
      s.acc.infer_rejected++;
      return code;
    };
    auto m = bpusim::FindModelLocked(dnn, "hbDNNInfer");
    if (!m) return reject(HB_DNN_INVALID_DNN_HANDLE);
    if (taskHandle == nullptr || input == nullptr || output == nullptr || *output == nullptr || ctrl == nullptr) {
      s.misuse("hbDNNInfer: null task handle pointer, input, output or control parameter");
      return reject(HB_DNN_INVALID_ARGUMENT);
    }
    if (*taskHandle != nullptr) {
      s.misuse("hbDNNInfer: *taskHandle must be set to nullptr before submitting a new task");
      return reject(HB_DNN_INVALID_ARGUMENT);
    }
    if (ctrl->more != 0) {
      s.misuse("hbDNNInfer: batched submission (more=1) is not simulated");
      return reject(HB_DNN_API_USE_ERROR);
    }
    if (ctrl->bpuCoreId != HB_BPU_CORE_ANY && ctrl->bpuCoreId != HB_BPU_CORE_0) {
      s.misuse("hbDNNInfer: bpuCoreId %d does not exist on the single-core X5 BPU", ctrl->bpuCoreId);
      return reject(HB_DNN_INVALID_ARGUMENT);
    }
    std::shared_ptr<bpusim::Block> in, out;
    if (!bpusim::TensorMemOk(input, m->input, m->name, "input", &in)) return reject(HB_DNN_INVALID_ARGUMENT);
    if (!bpusim::TensorMemOk(*output, m->output, m->name, "output", &out)) return reject(HB_DNN_INVALID_ARGUMENT);
    const int64_t callNo = ++s.inferCalls;
    int32_t waitFault = 0;
    int64_t extraNs = 0;
    for (const bpusim::Fault& f : s.faults) {
      if (callNo < f.first || callNo > f.last) continue;
      if (f.kind == HB_SIM_FAULT_INFER) {
        s.acc.faults_injected++;
        return reject(f.code != 0 ? f.code : HB_DNN_RUN_TASK_FAILED);
      }
      if (f.kind == HB_SIM_FAULT_WAIT) {
        s.acc.faults_injected++;
        waitFault = f.code != 0 ? f.code : HB_DNN_RUN_TASK_FAILED;
      }
      if (f.kind == HB_SIM_FAULT_TIMEOUT) {
        s.acc.faults_injected++;
        extraNs += static_cast<int64_t>(f.extraMs) * 1000000;
      }
    }
    if (static_cast<int>(s.tasks.size()) >= kMaxLiveTasks) {
      s.misuse("hbDNNInfer: %zu tasks are live (not released with hbDNNReleaseTask); at most %d may coexist",
               s.tasks.size(), kMaxLiveTasks);
      return reject(HB_DNN_TASK_NUM_EXCEED_LIMIT);
    }
    if (in->cached) {
      std::lock_guard<std::mutex> blk(in->mu);
      if (std::memcmp(in->cpu, in->dev, static_cast<size_t>(m->input.props.alignedByteSize)) != 0)
        s.acc.stale_input_submits++;
    }
    if (out->deviceWriteNotInvalidated) s.acc.uninvalidated_outputs++;
    task = std::make_shared<bpusim::Task>();
    task->handle = reinterpret_cast<void*>(static_cast<uintptr_t>(0x7A5C00000000ull + (s.nextTaskId++ << 4)));
    task->model = m;
    task->in = in;
    task->out = out;
    task->faultCode = waitFault;
    task->extraNs = extraNs;
    s.tasks[task->handle] = task;
    s.acc.tasks_submitted++;
    s.acc.live_tasks = static_cast<int64_t>(s.tasks.size());
    s.acc.max_live_tasks = std::max(s.acc.max_live_tasks, s.acc.live_tasks);
    *taskHandle = task->handle;
  }
  // CPU/driver time of the submission, in the caller's thread (overlaps other tasks on the core).
  bpusim::SleepUntil(entry + bpusim::Ms(task->model->submitOverheadMs));
  std::lock_guard<std::mutex> lk(s.mu);
  if (task->cancelled) {
    task->state = bpusim::Task::Done;
    task->status = bpusim::kCancelledStatus;
    s.acc.tasks_cancelled++;
    s.doneCv.notify_all();
    return HB_DNN_SUCCESS;
  }
  task->state = bpusim::Task::Queued;
  task->enqueuedAt = Clock::now();
  s.fifo.push_back(task);
  s.acc.max_queue_depth = std::max(s.acc.max_queue_depth, static_cast<int64_t>(s.fifo.size()));
  s.coreCv.notify_all();
  return HB_DNN_SUCCESS;
}

SIM_EXPORT int32_t hbDNNRoiInfer(hbDNNTaskHandle_t*, hbDNNTensor**, const hbDNNTensor*, hbDNNRoi*, int32_t,
                                 hbDNNHandle_t, hbDNNInferCtrlParam*) {
  std::lock_guard<std::mutex> lk(g_sim.mu);
  g_sim.misuse("hbDNNRoiInfer is not simulated");
  return HB_DNN_API_USE_ERROR;
}

SIM_EXPORT int32_t hbDNNSetTaskDoneCb(hbDNNTaskHandle_t taskHandle, hbDNNTaskDoneCb cb, void* userdata) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto it = s.tasks.find(taskHandle);
  if (it == s.tasks.end()) {
    s.misuse("hbDNNSetTaskDoneCb: %p is not a live task (released, or never submitted)", taskHandle);
    return HB_DNN_INVALID_TASK_HANDLE;
  }
  if (it->second->state == bpusim::Task::Done) {
    s.misuse("hbDNNSetTaskDoneCb: the task already finished");
    return HB_DNN_API_USE_ERROR;
  }
  it->second->cb = cb;
  it->second->cbUser = userdata;
  return HB_DNN_SUCCESS;
}

SIM_EXPORT int32_t hbDNNWaitTaskDone(hbDNNTaskHandle_t taskHandle, int32_t timeoutMs) {
  bpusim::Sim& s = g_sim;
  std::unique_lock<std::mutex> lk(s.mu);
  auto it = s.tasks.find(taskHandle);
  if (it == s.tasks.end()) {
    s.misuse("hbDNNWaitTaskDone: %p is not a live task (released, or never submitted)", taskHandle);
    return HB_DNN_INVALID_TASK_HANDLE;
  }
  std::shared_ptr<bpusim::Task> t = it->second;
  auto done = [&] { return t->state == bpusim::Task::Done; };
  if (timeoutMs > 0) {
    if (!s.doneCv.wait_for(lk, std::chrono::milliseconds(timeoutMs), done)) {
      s.acc.wait_timeouts++;
      return HB_DNN_TIMEOUT;
    }
  } else {
    s.doneCv.wait(lk, done);
  }
  const bool pay = !t->overheadPaid;
  t->overheadPaid = true;
  const int32_t status = t->status;
  // CPU/driver time of the completion, in the caller's thread, counted from the end of the core time.
  const Clock::time_point until = t->coreEnd + bpusim::Ms(t->model->completeOverheadMs);
  lk.unlock();
  if (pay) bpusim::SleepUntil(until);
  return status;
}

SIM_EXPORT int32_t hbDNNReleaseTask(hbDNNTaskHandle_t taskHandle) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  auto it = s.tasks.find(taskHandle);
  if (it == s.tasks.end()) {
    s.misuse("hbDNNReleaseTask: %p is not a live task (released twice, or never submitted)", taskHandle);
    return HB_DNN_INVALID_TASK_HANDLE;
  }
  std::shared_ptr<bpusim::Task> t = it->second;
  s.tasks.erase(it);
  s.acc.live_tasks = static_cast<int64_t>(s.tasks.size());
  if (t->state != bpusim::Task::Done) {
    t->cancelled = true;  // the core drops it if queued and stops it if running
    s.coreCv.notify_all();
  }
  return HB_DNN_SUCCESS;
}

// ============================== hb_sys ==========================================================

SIM_EXPORT int32_t hbSysAllocMem(hbSysMem* mem, uint32_t size) { return bpusim::AllocImpl(mem, size, false); }
SIM_EXPORT int32_t hbSysAllocCachedMem(hbSysMem* mem, uint32_t size) { return bpusim::AllocImpl(mem, size, true); }

SIM_EXPORT int32_t hbSysFlushMem(hbSysMem* mem, int32_t flag) {
  bpusim::Sim& s = g_sim;
  std::shared_ptr<bpusim::Block> b;
  {
    std::lock_guard<std::mutex> lk(s.mu);
    b = s.findBlockLocked(mem, "hbSysFlushMem", "mem");
    if (!b) return HB_SYS_INVALID_ARGUMENT;
    if (flag != HB_SYS_MEM_CACHE_CLEAN && flag != HB_SYS_MEM_CACHE_INVALIDATE) {
      s.misuse("hbSysFlushMem: flag %d is neither HB_SYS_MEM_CACHE_CLEAN (2) nor HB_SYS_MEM_CACHE_INVALIDATE (1)",
               flag);
      return HB_SYS_INVALID_ARGUMENT;
    }
    if (mem->memSize > b->size) {
      s.misuse("hbSysFlushMem: memSize %u exceeds the allocation of %u bytes", mem->memSize, b->size);
      return HB_SYS_INVALID_ARGUMENT;
    }
  }
  if (!b->cached) return HB_SYS_SUCCESS;
  std::lock_guard<std::mutex> blk(b->mu);
  const size_t n = mem->memSize;  // flush what the caller names
  if (flag == HB_SYS_MEM_CACHE_CLEAN) {
    std::memcpy(b->dev, b->cpu, n);
  } else {
    std::memcpy(b->cpu, b->dev, n);
    b->deviceWriteNotInvalidated = false;
  }
  return HB_SYS_SUCCESS;
}

SIM_EXPORT int32_t hbSysFreeMem(hbSysMem* mem) {
  bpusim::Sim& s = g_sim;
  std::lock_guard<std::mutex> lk(s.mu);
  std::shared_ptr<bpusim::Block> b = s.findBlockLocked(mem, "hbSysFreeMem", "mem");
  if (!b) return HB_SYS_INVALID_ARGUMENT;
  for (auto& kv : s.tasks) {
    const auto& t = kv.second;
    if ((t->in == b || t->out == b) && t->state != bpusim::Task::Done)
      s.misuse("hbSysFreeMem: %p is still used by unfinished task %p", mem->virAddr, t->handle);
  }
  s.mem.erase(mem->virAddr);
  s.freedAddrs.insert(mem->virAddr);
  s.acc.live_mem_blocks--;
  s.acc.live_mem_bytes -= b->size;
  return HB_SYS_SUCCESS;
}

// ============================== sim-only ========================================================

SIM_EXPORT int32_t hbSimGetAccounting(hbSimAccounting* out) {
  if (out == nullptr) return HB_DNN_INVALID_ARGUMENT;
  std::lock_guard<std::mutex> lk(g_sim.mu);
  *out = g_sim.acc;
  return 0;
}

SIM_EXPORT int32_t hbSimResetCounters(void) {
  std::lock_guard<std::mutex> lk(g_sim.mu);
  hbSimAccounting& a = g_sim.acc;
  const hbSimAccounting live = a;
  a = hbSimAccounting{};
  a.live_tasks = live.live_tasks;
  a.live_mem_blocks = live.live_mem_blocks;
  a.live_mem_bytes = live.live_mem_bytes;
  a.loaded_models = live.loaded_models;
  return 0;
}

SIM_EXPORT int32_t hbSimGetAccountingJson(char* buffer, uint32_t capacity) {
  std::string j;
  {
    std::lock_guard<std::mutex> lk(g_sim.mu);
    const hbSimAccounting& a = g_sim.acc;
    char buf[1536];
    snprintf(buf, sizeof buf,
             "{\"live_tasks\":%lld,\"live_mem_blocks\":%lld,\"live_mem_bytes\":%lld,\"loaded_models\":%lld,\"mem_allocations\":%lld,"
             "\"tasks_submitted\":%lld,\"tasks_completed\":%lld,\"tasks_failed\":%lld,\"tasks_cancelled\":%lld,"
             "\"infer_rejected\":%lld,\"wait_timeouts\":%lld,\"faults_injected\":%lld,\"stale_input_submits\":%lld,"
             "\"uninvalidated_outputs\":%lld,\"api_misuse\":%lld,\"leaked_tasks_reported\":%lld,"
             "\"leaked_mem_blocks_reported\":%lld,\"core_busy_ms\":%.3f,\"max_live_tasks\":%lld,"
             "\"max_queue_depth\":%lld,\"models\":[",
             (long long)a.live_tasks, (long long)a.live_mem_blocks, (long long)a.live_mem_bytes,
             (long long)a.loaded_models, (long long)a.mem_allocations, (long long)a.tasks_submitted, (long long)a.tasks_completed,
             (long long)a.tasks_failed, (long long)a.tasks_cancelled, (long long)a.infer_rejected,
             (long long)a.wait_timeouts, (long long)a.faults_injected, (long long)a.stale_input_submits,
             (long long)a.uninvalidated_outputs, (long long)a.api_misuse, (long long)a.leaked_tasks_reported,
             (long long)a.leaked_mem_blocks_reported, static_cast<double>(a.core_busy_ns) / 1e6,
             (long long)a.max_live_tasks, (long long)a.max_queue_depth);
    j = buf;
    bool first = true;
    for (auto& kv : g_sim.models) {
      const bpusim::Model& m = *kv.second;
      std::string name;
      for (char c : m.name) {
        if (c == '"' || c == '\\') name += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) name += c;
      }
      snprintf(buf, sizeof buf,
               "%s{\"name\":\"%s\",\"core_ms\":%.6g,\"submit_overhead_ms\":%.6g,\"complete_overhead_ms\":%.6g,"
               "\"ideal_fps\":%.6g}",
               first ? "" : ",", name.c_str(), m.coreMs, m.submitOverheadMs, m.completeOverheadMs,
               m.coreMs > 0 ? 1000.0 / m.coreMs : 0.0);
      j += buf;
      first = false;
    }
    j += "]}";
  }
  if (buffer != nullptr && capacity > 0) {
    const size_t n = std::min(static_cast<size_t>(capacity) - 1, j.size());
    std::memcpy(buffer, j.data(), n);
    buffer[n] = '\0';
  }
  return static_cast<int32_t>(j.size());
}

SIM_EXPORT int32_t hbSimSetFault(int32_t kind, int32_t nth, int32_t code, int32_t extraMs, int32_t count) {
  if (kind < HB_SIM_FAULT_INFER || kind > HB_SIM_FAULT_ALLOC || nth < 1 || count < 1 || extraMs < 0)
    return HB_DNN_INVALID_ARGUMENT;
  std::lock_guard<std::mutex> lk(g_sim.mu);
  const int64_t base = kind == HB_SIM_FAULT_ALLOC ? g_sim.allocCalls : g_sim.inferCalls;
  g_sim.faults.push_back(bpusim::Fault{kind, base + nth, base + nth + count - 1, code, extraMs});
  return 0;
}

SIM_EXPORT int32_t hbSimClearFaults(void) {
  std::lock_guard<std::mutex> lk(g_sim.mu);
  g_sim.faults.clear();
  return 0;
}

SIM_EXPORT int32_t hbSimExpectedLogits(void* dnn, const uint8_t* nv12, uint32_t size, float* out, int32_t count) {
  std::shared_ptr<bpusim::Model> m;
  {
    std::lock_guard<std::mutex> lk(g_sim.mu);
    m = bpusim::FindModelLocked(dnn, "hbSimExpectedLogits");
  }
  if (!m) return HB_DNN_INVALID_DNN_HANDLE;
  if (nv12 == nullptr || out == nullptr || size < static_cast<uint32_t>(m->input.props.alignedByteSize) ||
      count != m->classes)
    return HB_DNN_INVALID_ARGUMENT;
  bpusim::Sim::expected(*m, nv12, out);
  return 0;
}

SIM_EXPORT int32_t hbSimGetTiming(void* dnn, double* coreMs, double* submitOverheadMs, double* completeOverheadMs) {
  std::lock_guard<std::mutex> lk(g_sim.mu);
  auto m = bpusim::FindModelLocked(dnn, "hbSimGetTiming");
  if (!m) return HB_DNN_INVALID_DNN_HANDLE;
  if (coreMs) *coreMs = m->coreMs;
  if (submitOverheadMs) *submitOverheadMs = m->submitOverheadMs;
  if (completeOverheadMs) *completeOverheadMs = m->completeOverheadMs;
  return 0;
}
