#include "bpu/bpu_backend.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "bpu/hb_dnn_decl.h"
#include "bpu/hb_dnn_loader.h"
#include "bpu/output_decoder.h"

namespace mnv4 {
namespace {

using namespace hb;  // NOLINT(build/namespaces): the hb* names are the vendor's API vocabulary

std::string JsonEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string ShapeString(const hbDNNTensorShape& s) {
  std::string out = "(";
  for (int d = 0; d < s.numDimensions && d < kTensorMaxDimensions; ++d) {
    if (d) out += ",";
    out += std::to_string(s.dimensionSize[d]);
  }
  return out + ")";
}

// The loaded model: one packed handle per model file, released when the last session and the
// backend are gone (sessions hold it through shared_ptr).
struct LoadedModel {
  std::shared_ptr<DnnLibrary> lib;
  hbPackedDNNHandle_t packed = nullptr;
  hbDNNHandle_t dnn = nullptr;
  std::string modelName;
  std::string modelPath;
  hbDNNTensorProperties inputProps{};
  hbDNNTensorProperties outputProps{};
  OutputDecoder decoder;
  int timeoutMs = 1000;

  ~LoadedModel() {
    if (packed != nullptr) {
      int32_t rc = lib->release(packed);
      if (rc != 0) fprintf(stderr, "mnv4 bpu: %s\n", lib->failure("hbDNNRelease", rc).c_str());
    }
  }
};

class BpuSession final : public BackendSession {
 public:
  explicit BpuSession(std::shared_ptr<LoadedModel> model) : model_(std::move(model)) {
    std::memset(&input_, 0, sizeof input_);
    std::memset(&output_, 0, sizeof output_);
  }

  ~BpuSession() override {
    const DnnLibrary& lib = *model_->lib;
    if (task_ != nullptr) {
      // Dropped without wait(): the task still reads the input and writes the output, so release
      // (cancel) it before freeing them.
      int32_t rc = lib.releaseTask(task_);
      if (rc != 0) fprintf(stderr, "mnv4 bpu: %s\n", lib.failure("hbDNNReleaseTask", rc).c_str());
    }
    if (input_.sysMem[0].virAddr != nullptr) {
      int32_t rc = lib.freeMem(&input_.sysMem[0]);
      if (rc != 0) fprintf(stderr, "mnv4 bpu: %s\n", lib.failure("hbSysFreeMem(input)", rc).c_str());
    }
    if (output_.sysMem[0].virAddr != nullptr) {
      int32_t rc = lib.freeMem(&output_.sysMem[0]);
      if (rc != 0) fprintf(stderr, "mnv4 bpu: %s\n", lib.failure("hbSysFreeMem(output)", rc).c_str());
    }
    for (hbSysMem& mem : quarantine_) {
      int32_t rc = lib.freeMem(&mem);
      if (rc != 0) fprintf(stderr, "mnv4 bpu: %s\n", lib.failure("hbSysFreeMem(timed-out task buffer)", rc).c_str());
    }
  }

  bool allocate(std::string* error) {
    const DnnLibrary& lib = *model_->lib;
    input_.properties = model_->inputProps;
    output_.properties = model_->outputProps;
    int32_t rc = lib.allocCachedMem(&input_.sysMem[0], static_cast<uint32_t>(model_->inputProps.alignedByteSize));
    if (rc != 0 || input_.sysMem[0].virAddr == nullptr) {
      std::memset(&input_.sysMem[0], 0, sizeof(hbSysMem));
      *error = "bpu: cannot allocate the input tensor (" + std::to_string(model_->inputProps.alignedByteSize) +
               " bytes): " + lib.failure("hbSysAllocCachedMem", rc);
      return false;
    }
    rc = lib.allocCachedMem(&output_.sysMem[0], static_cast<uint32_t>(model_->outputProps.alignedByteSize));
    if (rc != 0 || output_.sysMem[0].virAddr == nullptr) {
      std::memset(&output_.sysMem[0], 0, sizeof(hbSysMem));
      *error = "bpu: cannot allocate the output tensor (" + std::to_string(model_->outputProps.alignedByteSize) +
               " bytes): " + lib.failure("hbSysAllocCachedMem", rc);
      return false;  // the destructor frees the input
    }
    return true;
  }

  uint8_t* inputBuffer() override { return static_cast<uint8_t*>(input_.sysMem[0].virAddr); }

  bool submit(std::string* error) override {
    const DnnLibrary& lib = *model_->lib;
    if (task_ != nullptr) return fail(error, "submit() while this session's task is still in flight (wait() first)");
    // CPU caches -> DDR, so the BPU reads what the pre-processor just wrote.
    int32_t rc = lib.flushMem(&input_.sysMem[0], HB_SYS_MEM_CACHE_CLEAN);
    if (rc != 0) return fail(error, lib.failure("hbSysFlushMem(input, CLEAN)", rc));

    hbDNNTaskHandle_t task = nullptr;
    hbDNNInferCtrlParam ctrl;
    InitializeInferCtrlParam(&ctrl);
    hbDNNTensor* outputs = &output_;
    rc = lib.infer(&task, &outputs, &input_, model_->dnn, &ctrl);
    if (rc != 0) {
      if (task != nullptr) lib.releaseTask(task);
      return fail(error, lib.failure("hbDNNInfer", rc));
    }
    task_ = task;
    return true;
  }

  bool wait(float* logits, std::string* error) override {
    const DnnLibrary& lib = *model_->lib;
    if (task_ == nullptr) return fail(error, "wait() without a submitted task");
    hbDNNTaskHandle_t task = task_;
    task_ = nullptr;
    const int32_t waitRc = lib.waitTaskDone(task, model_->timeoutMs);
    // Always released, also after an error or a timeout (a timed-out task is cancelled).
    const int32_t releaseRc = lib.releaseTask(task);
    if (waitRc != 0) {
      std::string msg = lib.failure("hbDNNWaitTaskDone", waitRc);
      if (waitRc == HB_DNN_TIMEOUT) {
        msg += " after " + std::to_string(model_->timeoutMs) + " ms";
        replaceBuffersAfterTimeout(&msg);
      }
      if (releaseRc != 0) msg += "; then " + lib.failure("hbDNNReleaseTask", releaseRc);
      return fail(error, msg);
    }
    if (releaseRc != 0) return fail(error, lib.failure("hbDNNReleaseTask", releaseRc));
    // DDR -> CPU caches, so we read what the BPU wrote and not stale cache lines.
    const int32_t rc = lib.flushMem(&output_.sysMem[0], HB_SYS_MEM_CACHE_INVALIDATE);
    if (rc != 0) return fail(error, lib.failure("hbSysFlushMem(output, INVALIDATE)", rc));
    model_->decoder.decode(static_cast<const uint8_t*>(output_.sysMem[0].virAddr), logits);
    return true;
  }

 private:
  static bool fail(std::string* error, const std::string& msg) {
    if (error != nullptr) *error = "bpu: " + msg;
    return false;
  }

  // hbDNNReleaseTask of a task that timed out only starts its cancellation ("operations run in the
  // background"): the task may still read this input and write this output. The next frame must
  // not be written into them, so they are kept aside until the session ends and fresh ones are
  // allocated (a rare allocation, on timeouts only). If that fails, the old ones stay in use.
  void replaceBuffersAfterTimeout(std::string* msg) {
    const DnnLibrary& lib = *model_->lib;
    hbSysMem in, out;
    std::memset(&in, 0, sizeof in);
    std::memset(&out, 0, sizeof out);
    int32_t rc = lib.allocCachedMem(&in, static_cast<uint32_t>(model_->inputProps.alignedByteSize));
    if (rc != 0 || in.virAddr == nullptr) {
      *msg += "; the session keeps its buffers (" + lib.failure("hbSysAllocCachedMem", rc) + ")";
      return;
    }
    rc = lib.allocCachedMem(&out, static_cast<uint32_t>(model_->outputProps.alignedByteSize));
    if (rc != 0 || out.virAddr == nullptr) {
      lib.freeMem(&in);
      *msg += "; the session keeps its buffers (" + lib.failure("hbSysAllocCachedMem", rc) + ")";
      return;
    }
    quarantine_.push_back(input_.sysMem[0]);
    quarantine_.push_back(output_.sysMem[0]);
    input_.sysMem[0] = in;
    output_.sysMem[0] = out;
  }

  std::shared_ptr<LoadedModel> model_;
  hbDNNTensor input_;
  hbDNNTensor output_;
  hbDNNTaskHandle_t task_ = nullptr;  // submitted, not yet waited for
  std::vector<hbSysMem> quarantine_;  // buffers of timed-out tasks, freed with the session
};

class BpuBackend final : public Backend {
 public:
  explicit BpuBackend(std::shared_ptr<LoadedModel> model, ModelInfo info)
      : model_(std::move(model)), info_(std::move(info)) {}

  const ModelInfo& info() const override { return info_; }

  std::unique_ptr<BackendSession> createSession(std::string* error) override {
    std::unique_ptr<BpuSession> session(new BpuSession(model_));
    std::string why;
    if (!session->allocate(&why)) {
      if (error != nullptr) *error = why;
      return nullptr;
    }
    return session;
  }

  std::string diagnosticsJson() const override {
    const DnnLibrary& lib = *model_->lib;
    std::string out = "{\"backend\":\"bpu\",\"library\":\"" + JsonEscape(lib.path()) + "\",\"runtime_version\":\"" +
                      JsonEscape(lib.version()) + "\",\"model_name\":\"" + JsonEscape(model_->modelName) +
                      "\",\"model_path\":\"" + JsonEscape(model_->modelPath) + "\",\"input\":{\"width\":" +
                      std::to_string(info_.inputWidth) + ",\"height\":" + std::to_string(info_.inputHeight) +
                      ",\"aligned_byte_size\":" + std::to_string(model_->inputProps.alignedByteSize) +
                      "},\"output\":{\"classes\":" + std::to_string(info_.numClasses) + ",\"decoding\":\"" +
                      JsonEscape(model_->decoder.describe()) + "\",\"aligned_byte_size\":" +
                      std::to_string(model_->outputProps.alignedByteSize) +
                      "},\"infer_timeout_ms\":" + std::to_string(model_->timeoutMs);
    double coreMs = 0, submitMs = 0, completeMs = 0;
    if (lib.simTiming != nullptr && lib.simTiming(model_->dnn, &coreMs, &submitMs, &completeMs) == 0) {
      // This model's modelled timing; ideal_fps is what the one simulated core can do.
      char buf[256];
      snprintf(buf, sizeof buf,
               ",\"sim_timing\":{\"core_ms\":%.6g,\"submit_overhead_ms\":%.6g,\"complete_overhead_ms\":%.6g,"
               "\"ideal_fps\":%.6g}",
               coreMs, submitMs, completeMs, coreMs > 0 ? 1000.0 / coreMs : 0.0);
      out += buf;
    }
    // The simulator's accounting covers the whole process (every model and session on it).
    std::string sim = lib.simulatorAccountingJson();
    if (!sim.empty()) out += ",\"simulator\":" + sim;
    return out + "}";
  }

 private:
  std::shared_ptr<LoadedModel> model_;
  ModelInfo info_;
};

bool Fail(std::string* error, const std::string& msg) {
  if (error != nullptr) *error = msg;
  return false;
}

bool ValidateInput(const DnnLibrary& lib, LoadedModel* m, ModelInfo* info, std::string* error) {
  int32_t count = 0;
  int32_t rc = lib.getInputCount(&count, m->dnn);
  if (rc != 0) return Fail(error, "bpu: " + lib.failure("hbDNNGetInputCount", rc));
  if (count != 1)
    return Fail(error, "bpu: model '" + m->modelPath + "' has " + std::to_string(count) +
                           " inputs; a classifier with exactly one NV12 input is expected");
  rc = lib.getInputTensorProperties(&m->inputProps, m->dnn, 0);
  if (rc != 0) return Fail(error, "bpu: " + lib.failure("hbDNNGetInputTensorProperties", rc));
  const hbDNNTensorProperties& p = m->inputProps;
  if (p.tensorType != HB_DNN_IMG_TYPE_NV12)
    return Fail(error, "bpu: model '" + m->modelPath + "' input type is " + OutputDecoder::TypeName(p.tensorType) +
                           " (" + std::to_string(p.tensorType) +
                           "); an NV12 input (HB_DNN_IMG_TYPE_NV12) is expected, as in the *_nv12.bin models");
  if (p.tensorLayout != HB_DNN_LAYOUT_NCHW || p.validShape.numDimensions != 4)
    return Fail(error, "bpu: model '" + m->modelPath + "' NV12 input has layout " + std::to_string(p.tensorLayout) +
                           " and shape " + ShapeString(p.validShape) + "; NCHW (1,3,H,W) is expected");
  const int h = p.validShape.dimensionSize[2];
  const int w = p.validShape.dimensionSize[3];
  if (h <= 0 || w <= 0 || (h % 2) != 0 || (w % 2) != 0)
    return Fail(error, "bpu: model '" + m->modelPath + "' NV12 input is " + std::to_string(w) + "x" +
                           std::to_string(h) + "; NV12 needs an even width and height");
  if (p.alignedShape.numDimensions == 4 && p.alignedShape.dimensionSize[3] != w)
    return Fail(error, "bpu: model '" + m->modelPath + "' NV12 input has a padded row stride (" +
                           std::to_string(p.alignedShape.dimensionSize[3]) + " for width " + std::to_string(w) +
                           "); only unpadded NV12 (width a multiple of 16) is supported");
  const int64_t need = static_cast<int64_t>(w) * h * 3 / 2;
  if (p.alignedByteSize < need)
    return Fail(error, "bpu: model '" + m->modelPath + "' NV12 input alignedByteSize " +
                           std::to_string(p.alignedByteSize) + " is smaller than " + std::to_string(need) +
                           " bytes for " + std::to_string(w) + "x" + std::to_string(h));
  info->inputWidth = w;
  info->inputHeight = h;
  return true;
}

bool ValidateOutput(const DnnLibrary& lib, LoadedModel* m, int expectedClasses, ModelInfo* info,
                    std::string* error) {
  int32_t count = 0;
  int32_t rc = lib.getOutputCount(&count, m->dnn);
  if (rc != 0) return Fail(error, "bpu: " + lib.failure("hbDNNGetOutputCount", rc));
  if (count != 1)
    return Fail(error, "bpu: model '" + m->modelPath + "' has " + std::to_string(count) +
                           " outputs; a classifier with exactly one output (the logits) is expected");
  rc = lib.getOutputTensorProperties(&m->outputProps, m->dnn, 0);
  if (rc != 0) return Fail(error, "bpu: " + lib.failure("hbDNNGetOutputTensorProperties", rc));
  std::string why;
  if (!m->decoder.init(m->outputProps, &why))
    return Fail(error, "bpu: model '" + m->modelPath + "' output " + ShapeString(m->outputProps.validShape) +
                           ": " + why);
  // The properties go to hbDNNInfer unchanged, as in the vendor's flow: their scale/shift pointers
  // belong to the packed handle, which this LoadedModel releases only after every session.
  const int classes = m->decoder.count();
  if (expectedClasses > 0 && classes != expectedClasses)
    return Fail(error, "bpu: model '" + m->modelPath + "' outputs " + std::to_string(classes) + " classes (shape " +
                           ShapeString(m->outputProps.validShape) + ") but the labels have " +
                           std::to_string(expectedClasses));
  info->numClasses = classes;
  return true;
}

}  // namespace

std::unique_ptr<Backend> CreateBpuBackend(const BpuBackendOptions& options, std::string* error) {
  std::string why;
  if (options.modelPath.empty()) {
    Fail(error, "bpu: no model file given");
    return nullptr;
  }
  if (access(options.modelPath.c_str(), R_OK) != 0) {
    Fail(error, "bpu: model file not found or not readable: '" + options.modelPath + "'");
    return nullptr;
  }
  std::shared_ptr<DnnLibrary> lib = DnnLibrary::Open(options.libPath, &why);
  if (!lib) {
    Fail(error, why);
    return nullptr;
  }
  auto model = std::make_shared<LoadedModel>();
  model->lib = lib;
  model->modelPath = options.modelPath;
  model->timeoutMs = options.inferTimeoutMs;

  const char* path = options.modelPath.c_str();
  int32_t rc = lib->initializeFromFiles(&model->packed, &path, 1);
  if (rc != 0) {
    model->packed = nullptr;
    Fail(error, "bpu: cannot load model '" + options.modelPath + "': " + lib->failure("hbDNNInitializeFromFiles", rc));
    return nullptr;
  }
  const char** names = nullptr;
  int32_t nameCount = 0;
  rc = lib->getModelNameList(&names, &nameCount, model->packed);
  if (rc != 0 || names == nullptr || nameCount < 1 || names[0] == nullptr) {
    Fail(error, "bpu: model '" + options.modelPath + "' lists no model: " +
                    (rc != 0 ? lib->failure("hbDNNGetModelNameList", rc) : std::string("empty name list")));
    return nullptr;
  }
  model->modelName = names[0];
  rc = lib->getModelHandle(&model->dnn, model->packed, names[0]);
  if (rc != 0) {
    Fail(error, "bpu: " + lib->failure("hbDNNGetModelHandle", rc));
    return nullptr;
  }
  ModelInfo info;
  if (!ValidateInput(*lib, model.get(), &info, error)) return nullptr;
  if (!ValidateOutput(*lib, model.get(), options.expectedClasses, &info, error)) return nullptr;
  info.description = model->modelName + " " + std::to_string(info.inputWidth) + "x" +
                     std::to_string(info.inputHeight) + " NV12 -> " + std::to_string(info.numClasses) + " " +
                     model->decoder.describe() + " on " + lib->path() + " (" + lib->version() + ")";
  return std::unique_ptr<Backend>(new BpuBackend(std::move(model), std::move(info)));
}

}  // namespace mnv4
