// Calls the simulator's libdnn C API directly, once correctly and once per contract violation a
// user can make (the pitfalls of the vendor's own samples), and reports what the "device" and the
// CPU saw. The mocha test test/bpu/sim_contract.test.ts asserts on the output.
//
//   raw_contract MODEL_FILE SCENARIO     (SCENARIO: see the table in main)
// Prints one JSON object per run.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bpu/hb_dnn_decl.h"
#include "hb_sim.h"
#include "test_util.h"

using namespace mnv4::hb;  // NOLINT

extern "C" {
int32_t hbDNNInitializeFromFiles(hbPackedDNNHandle_t*, const char**, int32_t);
int32_t hbDNNRelease(hbPackedDNNHandle_t);
int32_t hbDNNGetModelNameList(const char***, int32_t*, hbPackedDNNHandle_t);
int32_t hbDNNGetModelHandle(hbDNNHandle_t*, hbPackedDNNHandle_t, const char*);
int32_t hbDNNGetInputTensorProperties(hbDNNTensorProperties*, hbDNNHandle_t, int32_t);
int32_t hbDNNGetOutputTensorProperties(hbDNNTensorProperties*, hbDNNHandle_t, int32_t);
int32_t hbDNNInfer(hbDNNTaskHandle_t*, hbDNNTensor**, const hbDNNTensor*, hbDNNHandle_t, hbDNNInferCtrlParam*);
int32_t hbDNNWaitTaskDone(hbDNNTaskHandle_t, int32_t);
int32_t hbDNNReleaseTask(hbDNNTaskHandle_t);
int32_t hbSysAllocCachedMem(hbSysMem*, uint32_t);
int32_t hbSysFlushMem(hbSysMem*, int32_t);
int32_t hbSysFreeMem(hbSysMem*);
}

namespace {

struct Ctx {
  hbPackedDNNHandle_t packed = nullptr;
  hbDNNHandle_t dnn = nullptr;
  hbDNNTensor in{};
  hbDNNTensor out{};
  int classes = 0;
  size_t inBytes = 0;
  std::vector<float> got, wantA, wantB;
  std::vector<uint8_t> frameA, frameB;
};

int Check(int32_t rc, const char* what) {
  if (rc != 0) std::fprintf(stderr, "raw_contract: %s returned %d\n", what, rc);
  return rc;
}

bool Setup(Ctx* c, const char* model) {
  if (Check(hbDNNInitializeFromFiles(&c->packed, &model, 1), "hbDNNInitializeFromFiles")) return false;
  const char** names = nullptr;
  int32_t n = 0;
  if (Check(hbDNNGetModelNameList(&names, &n, c->packed), "names")) return false;
  if (Check(hbDNNGetModelHandle(&c->dnn, c->packed, names[0]), "handle")) return false;
  hbDNNGetInputTensorProperties(&c->in.properties, c->dnn, 0);
  hbDNNGetOutputTensorProperties(&c->out.properties, c->dnn, 0);
  if (Check(hbSysAllocCachedMem(&c->in.sysMem[0], static_cast<uint32_t>(c->in.properties.alignedByteSize)), "alloc in"))
    return false;
  if (Check(hbSysAllocCachedMem(&c->out.sysMem[0], static_cast<uint32_t>(c->out.properties.alignedByteSize)), "alloc out"))
    return false;
  c->classes = 1;
  for (int d = 0; d < c->out.properties.validShape.numDimensions; ++d)
    c->classes *= c->out.properties.validShape.dimensionSize[d];
  c->inBytes = static_cast<size_t>(c->in.properties.alignedByteSize);
  c->frameA.resize(c->inBytes);
  c->frameB.resize(c->inBytes);
  simtest::FillNv12(c->frameA.data(), c->inBytes, 11);
  simtest::FillNv12(c->frameB.data(), c->inBytes, 22);
  c->got.resize(static_cast<size_t>(c->classes));
  c->wantA.resize(c->got.size());
  c->wantB.resize(c->got.size());
  hbSimExpectedLogits(c->dnn, c->frameA.data(), static_cast<uint32_t>(c->inBytes), c->wantA.data(), c->classes);
  hbSimExpectedLogits(c->dnn, c->frameB.data(), static_cast<uint32_t>(c->inBytes), c->wantB.data(), c->classes);
  return true;
}

void Teardown(Ctx* c) {
  hbSysFreeMem(&c->in.sysMem[0]);
  hbSysFreeMem(&c->out.sysMem[0]);
  hbDNNRelease(c->packed);
}

struct Flow {
  bool clean = true;
  bool invalidate = true;
  bool release = true;
};

// One frame. Returns the first failing status; reads the F32 logits into c->got.
int32_t Frame(Ctx* c, const std::vector<uint8_t>& bytes, Flow f, hbDNNTaskHandle_t* leaked = nullptr) {
  std::memcpy(c->in.sysMem[0].virAddr, bytes.data(), c->inBytes);
  if (f.clean) {
    int32_t rc = hbSysFlushMem(&c->in.sysMem[0], HB_SYS_MEM_CACHE_CLEAN);
    if (rc) return rc;
  }
  hbDNNTaskHandle_t task = nullptr;
  hbDNNInferCtrlParam ctrl;
  InitializeInferCtrlParam(&ctrl);
  hbDNNTensor* outs = &c->out;
  int32_t rc = hbDNNInfer(&task, &outs, &c->in, c->dnn, &ctrl);
  if (rc) return rc;
  rc = hbDNNWaitTaskDone(task, 0);
  if (f.release) hbDNNReleaseTask(task);
  else if (leaked) *leaked = task;
  if (rc) return rc;
  if (f.invalidate) {
    rc = hbSysFlushMem(&c->out.sysMem[0], HB_SYS_MEM_CACHE_INVALIDATE);
    if (rc) return rc;
  }
  std::memcpy(c->got.data(), c->out.sysMem[0].virAddr, c->got.size() * sizeof(float));
  return 0;
}

bool Same(const std::vector<float>& a, const std::vector<float>& b) {
  return simtest::MaxAbsDiff(a.data(), b.data(), static_cast<int>(a.size())) == 0;
}

std::string Acc() {
  char buf[4096];
  hbSimGetAccountingJson(buf, sizeof buf);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: raw_contract MODEL_FILE SCENARIO\n");
    return 2;
  }
  const std::string scenario = argv[2];
  Ctx c;
  if (!Setup(&c, argv[1])) return 1;
  std::string out;
  char line[1024];

  if (scenario == "correct") {
    // The vendor's canonical flow, twice with different frames: each frame gets its own logits.
    int32_t a = Frame(&c, c.frameA, Flow{});
    bool okA = Same(c.got, c.wantA);
    int32_t b = Frame(&c, c.frameB, Flow{});
    bool okB = Same(c.got, c.wantB);
    std::snprintf(line, sizeof line, "\"rc\":[%d,%d],\"frame_a_right\":%s,\"frame_b_right\":%s,\"a_differs_from_b\":%s",
                  a, b, okA ? "true" : "false", okB ? "true" : "false", Same(c.wantA, c.wantB) ? "false" : "true");
    out = line;
  } else if (scenario == "no-clean") {
    // Frame A correctly, then frame B written by the CPU but never cleaned to DDR.
    int32_t a = Frame(&c, c.frameA, Flow{});
    Flow f;
    f.clean = false;
    int32_t b = Frame(&c, c.frameB, f);
    std::snprintf(line, sizeof line, "\"rc\":[%d,%d],\"frame_b_right\":%s,\"frame_b_got_frame_a\":%s", a, b,
                  Same(c.got, c.wantB) ? "true" : "false", Same(c.got, c.wantA) ? "true" : "false");
    out = line;
  } else if (scenario == "no-invalidate") {
    // Frame A correctly, then frame B read without invalidating the CPU cache first.
    int32_t a = Frame(&c, c.frameA, Flow{});
    Flow f;
    f.invalidate = false;
    int32_t b = Frame(&c, c.frameB, f);
    std::snprintf(line, sizeof line, "\"rc\":[%d,%d],\"frame_b_right\":%s,\"frame_b_got_frame_a\":%s", a, b,
                  Same(c.got, c.wantB) ? "true" : "false", Same(c.got, c.wantA) ? "true" : "false");
    out = line;
  } else if (scenario == "no-release") {
    // Tasks waited for but never released: the 33rd submission fails, and hbDNNRelease reports them.
    Flow f;
    f.release = false;
    std::string codes;
    int firstFailure = -1;
    int32_t failureCode = 0;
    for (int i = 1; i <= 34; ++i) {
      int32_t rc = Frame(&c, c.frameA, f);
      if (rc != 0 && firstFailure < 0) {
        firstFailure = i;
        failureCode = rc;
      }
    }
    std::snprintf(line, sizeof line, "\"first_failing_frame\":%d,\"failure_code\":%d,\"before_release\":%s",
                  firstFailure, failureCode, Acc().c_str());
    out = line;
  } else if (scenario == "leak-memory") {
    // A buffer allocated per frame and never freed (rdk_model_zoo#76): reported at the last release.
    hbSysMem extra{};
    hbSysAllocCachedMem(&extra, 4000);
    (void)extra;
  } else if (scenario == "small-buffer") {
    hbSysMem small{};
    hbSysAllocCachedMem(&small, static_cast<uint32_t>(c.in.properties.alignedByteSize - 16));
    hbDNNTensor in = c.in;
    in.sysMem[0] = small;
    hbDNNTaskHandle_t task = nullptr;
    hbDNNInferCtrlParam ctrl;
    InitializeInferCtrlParam(&ctrl);
    hbDNNTensor* outs = &c.out;
    int32_t rc = hbDNNInfer(&task, &outs, &in, c.dnn, &ctrl);
    hbSysFreeMem(&small);
    std::snprintf(line, sizeof line, "\"infer_rc\":%d,\"task_is_null\":%s", rc, task == nullptr ? "true" : "false");
    out = line;
  } else if (scenario == "stale-handles") {
    // A released task, freed memory, a task handle that was not reset to nullptr.
    hbDNNTaskHandle_t task = nullptr;
    hbDNNInferCtrlParam ctrl;
    InitializeInferCtrlParam(&ctrl);
    hbDNNTensor* outs = &c.out;
    hbSysFlushMem(&c.in.sysMem[0], HB_SYS_MEM_CACHE_CLEAN);
    int32_t first = hbDNNInfer(&task, &outs, &c.in, c.dnn, &ctrl);
    int32_t notReset = hbDNNInfer(&task, &outs, &c.in, c.dnn, &ctrl);
    hbDNNWaitTaskDone(task, 0);
    int32_t rel1 = hbDNNReleaseTask(task);
    int32_t waitReleased = hbDNNWaitTaskDone(task, 0);
    int32_t rel2 = hbDNNReleaseTask(task);
    hbSysMem freed{};
    hbSysAllocCachedMem(&freed, static_cast<uint32_t>(c.in.properties.alignedByteSize));
    hbSysFreeMem(&freed);
    int32_t flushFreed = hbSysFlushMem(&freed, HB_SYS_MEM_CACHE_CLEAN);
    int32_t freeTwice = hbSysFreeMem(&freed);
    hbDNNTensor in = c.in;
    in.sysMem[0] = freed;
    hbDNNTaskHandle_t t2 = nullptr;
    int32_t inferFreed = hbDNNInfer(&t2, &outs, &in, c.dnn, &ctrl);
    std::snprintf(line, sizeof line,
                  "\"first\":%d,\"not_reset\":%d,\"release\":%d,\"wait_released\":%d,\"release_twice\":%d,"
                  "\"flush_freed\":%d,\"free_twice\":%d,\"infer_freed\":%d",
                  first, notReset, rel1, waitReleased, rel2, flushFreed, freeTwice, inferFreed);
    out = line;
  } else if (scenario == "timeout") {
    // A task slower than the wait: HB_DNN_TIMEOUT, then released (cancelled); the next frame is fine.
    hbSimSetFault(HB_SIM_FAULT_TIMEOUT, 1, 0, 400, 1);
    std::memcpy(c.in.sysMem[0].virAddr, c.frameA.data(), c.inBytes);
    hbSysFlushMem(&c.in.sysMem[0], HB_SYS_MEM_CACHE_CLEAN);
    hbDNNTaskHandle_t task = nullptr;
    hbDNNInferCtrlParam ctrl;
    InitializeInferCtrlParam(&ctrl);
    hbDNNTensor* outs = &c.out;
    int32_t rc = hbDNNInfer(&task, &outs, &c.in, c.dnn, &ctrl);
    int32_t wait = hbDNNWaitTaskDone(task, 20);
    int32_t rel = hbDNNReleaseTask(task);
    int32_t next = Frame(&c, c.frameB, Flow{});
    std::snprintf(line, sizeof line, "\"infer\":%d,\"wait\":%d,\"release\":%d,\"next\":%d,\"next_right\":%s", rc, wait,
                  rel, next, Same(c.got, c.wantB) ? "true" : "false");
    out = line;
  } else {
    std::fprintf(stderr, "unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  if (scenario != "leak-memory") Teardown(&c);
  else hbDNNRelease(c.packed);  // the two tensors and the extra buffer stay allocated
  std::printf("{\"scenario\":\"%s\",%s%s\"after_release\":%s}\n", scenario.c_str(), out.c_str(),
              out.empty() ? "" : ",", Acc().c_str());
  return 0;
}
