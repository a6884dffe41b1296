// JS binding of the NV12 conversion (src/image/nv12.ts is the typed wrapper; validate there first).
//   convertToNv12(src, width, height, step, format, dst, dstWidth, dstHeight, mode, filter, cropRatio): void
//   convertToNv12Async(same): Promise<void>, converted on a libuv pool thread
//   nv12ToRgb(nv12, width, height, dst): void
//   nv12Geometry(srcWidth, srcHeight, dstWidth, dstHeight, mode, cropRatio): number[8] (crop x,y,w,h; inner x,y,w,h)
// Benchmark only (bench/preprocess.ts):
//   benchLibyuv(same 11 arguments, sequence 0 box | 1 bilinear): void; stretch only, bgr8/yuyv/nv12
//   benchReadPass(bytes, offset, length): number (byte sum; the read floor)
// Every argument is checked again here (ValidateSource/ValidateTarget): a bad call throws a JS
// Error with the reason and never reads or writes outside the given buffers.
#include <napi.h>

#include <vector>

#include <string>

#include "convert/bench_libyuv.h"
#include "convert/nv12.h"

namespace mnv4 {
namespace {

// One converter per thread (the JS thread, each pool thread): scratch memory stays warm and no
// lock is needed.
Nv12Converter& ThreadConverter() {
  thread_local Nv12Converter converter;
  return converter;
}

struct Call {
  SrcImage src;
  Nv12Image dst;
  ConvertParams params;
};

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != static_cast<double>(static_cast<int64_t>(v)))
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer");
  return static_cast<int>(v);
}

Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Uint8Array");
  return info[i].As<Napi::Uint8Array>();
}

// Parses and validates the 11 arguments; throws a JS error on anything unusable.
Call ParseCall(const Napi::CallbackInfo& info) {
  if (info.Length() < 11) throw Napi::TypeError::New(info.Env(), "convertToNv12 takes 11 arguments");
  Call c;
  Napi::Uint8Array src = BytesArg(info, 0, "src");
  c.src.data = src.Data();
  c.src.size = src.ByteLength();
  c.src.width = IntArg(info, 1, "width");
  c.src.height = IntArg(info, 2, "height");
  c.src.stride = IntArg(info, 3, "step");
  c.src.format = static_cast<PixelFormat>(IntArg(info, 4, "format"));
  Napi::Uint8Array dst = BytesArg(info, 5, "dst");
  const int dw = IntArg(info, 6, "dstWidth"), dh = IntArg(info, 7, "dstHeight");
  c.params.mode = static_cast<ResizeMode>(IntArg(info, 8, "mode"));
  c.params.filter = static_cast<ResizeFilter>(IntArg(info, 9, "filter"));
  if (!info[10].IsNumber()) throw Napi::TypeError::New(info.Env(), "cropRatio must be a number");
  c.params.cropRatio = info[10].As<Napi::Number>().DoubleValue();
  std::string why = ValidateSource(c.src);
  if (!why.empty()) throw Napi::Error::New(info.Env(), why);
  if (dw <= 0 || dh <= 0 || dw > kMaxSourceSide || dh > kMaxSourceSide)
    throw Napi::RangeError::New(info.Env(), "output size must be positive and at most the limit");
  const size_t need = static_cast<size_t>(dw) * dh * 3 / 2;
  if (dst.ByteLength() < need)
    throw Napi::RangeError::New(info.Env(), "dst has " + std::to_string(dst.ByteLength()) + " bytes, NV12 " +
                                                std::to_string(dw) + "x" + std::to_string(dh) + " needs " +
                                                std::to_string(need));
  c.dst.y = dst.Data();
  c.dst.yStride = dw;
  c.dst.uv = dst.Data() + static_cast<size_t>(dw) * dh;
  c.dst.uvStride = dw;
  c.dst.width = dw;
  c.dst.height = dh;
  why = ValidateTarget(c.dst, c.params);
  if (!why.empty()) throw Napi::Error::New(info.Env(), why);
  return c;
}

Napi::Value ConvertSync(const Napi::CallbackInfo& info) {
  Call c = ParseCall(info);
  std::string error;
  if (!ThreadConverter().Convert(c.src, c.dst, c.params, &error)) throw Napi::Error::New(info.Env(), error);
  return info.Env().Undefined();
}

// Keeps both buffers alive (persistent references) until the conversion on the pool thread ends.
class ConvertWorker : public Napi::AsyncWorker {
 public:
  ConvertWorker(Napi::Env env, const Call& call, Napi::Object src, Napi::Object dst)
      : Napi::AsyncWorker(env), call_(call), deferred_(Napi::Promise::Deferred::New(env)) {
    srcRef_ = Napi::Persistent(src);
    dstRef_ = Napi::Persistent(dst);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::string error;
    if (!ThreadConverter().Convert(call_.src, call_.dst, call_.params, &error)) SetError(error);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Call call_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference srcRef_, dstRef_;
};

Napi::Value ConvertAsync(const Napi::CallbackInfo& info) {
  Call c = ParseCall(info);
  auto* worker = new ConvertWorker(info.Env(), c, info[0].As<Napi::Object>(), info[5].As<Napi::Object>());
  Napi::Promise p = worker->Promise();
  worker->Queue();
  return p;
}

Napi::Value Nv12ToRgbJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 4) throw Napi::TypeError::New(info.Env(), "nv12ToRgb takes 4 arguments");
  Napi::Uint8Array nv12 = BytesArg(info, 0, "nv12");
  const int w = IntArg(info, 1, "width"), h = IntArg(info, 2, "height");
  Napi::Uint8Array dst = BytesArg(info, 3, "dst");
  if (w <= 0 || h <= 0 || (w % 2) != 0 || (h % 2) != 0 || w > kMaxSourceSide || h > kMaxSourceSide)
    throw Napi::RangeError::New(info.Env(), "NV12 size must be positive, even and at most the limit");
  const size_t pixels = static_cast<size_t>(w) * h;
  if (nv12.ByteLength() < pixels * 3 / 2) throw Napi::RangeError::New(info.Env(), "nv12 buffer is too short");
  if (dst.ByteLength() < pixels * 3) throw Napi::RangeError::New(info.Env(), "dst buffer is too short for RGB");
  Nv12ToRgb(nv12.Data(), w, nv12.Data() + pixels, w, w, h, dst.Data(), w * 3);
  return info.Env().Undefined();
}

// NV12 -> the float input tensor of a CPU model in one pass: the same NV12 -> RGB as nv12ToRgb,
// two rows at a time into a per-thread scratch row pair, then a per-channel table (768 floats:
// (v - mean) / std for v = 0..255 per channel) into NCHW planes or NHWC. Saves the packed RGB
// image and a JS loop over it on the CPU backend's worker threads.
Napi::Value Nv12ToTensorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) throw Napi::TypeError::New(env, "nv12ToTensor takes 6 arguments");
  Napi::Uint8Array nv12 = BytesArg(info, 0, "nv12");
  const int w = IntArg(info, 1, "width"), h = IntArg(info, 2, "height");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "dst must be a Float32Array");
  if (!info[4].IsBoolean()) throw Napi::TypeError::New(env, "planar must be a boolean");
  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "table must be a Float32Array");
  Napi::Float32Array dst = info[3].As<Napi::Float32Array>();
  Napi::Float32Array table = info[5].As<Napi::Float32Array>();
  const bool planar = info[4].As<Napi::Boolean>().Value();
  if (w <= 0 || h <= 0 || (w % 2) != 0 || (h % 2) != 0 || w > kMaxSourceSide || h > kMaxSourceSide)
    throw Napi::RangeError::New(env, "NV12 size must be positive, even and at most the limit");
  const size_t pixels = static_cast<size_t>(w) * h;
  if (nv12.ByteLength() < pixels * 3 / 2) throw Napi::RangeError::New(env, "nv12 buffer is too short");
  if (dst.ElementLength() < pixels * 3) throw Napi::RangeError::New(env, "dst tensor is too short");
  if (table.ElementLength() < 768) throw Napi::RangeError::New(env, "table needs 768 entries (256 per channel)");
  thread_local std::vector<uint8_t> rows;
  rows.resize(static_cast<size_t>(w) * 6);
  const uint8_t* y = nv12.Data();
  const uint8_t* uv = y + pixels;
  const float* lut = table.Data();
  float* out = dst.Data();
  for (int r = 0; r < h; r += 2) {
    Nv12ToRgb(y + static_cast<size_t>(r) * w, w, uv + static_cast<size_t>(r / 2) * w, w, w, 2, rows.data(), w * 3);
    const size_t first = static_cast<size_t>(r) * w;
    const size_t n = static_cast<size_t>(w) * 2;
    const uint8_t* p = rows.data();
    if (planar) {
      float* r0 = out + first;
      float* g0 = out + pixels + first;
      float* b0 = out + 2 * pixels + first;
      for (size_t i = 0; i < n; i++, p += 3) {
        r0[i] = lut[p[0]];
        g0[i] = lut[256 + p[1]];
        b0[i] = lut[512 + p[2]];
      }
    } else {
      float* o = out + first * 3;
      for (size_t i = 0; i < n; i++, p += 3, o += 3) {
        o[0] = lut[p[0]];
        o[1] = lut[256 + p[1]];
        o[2] = lut[512 + p[2]];
      }
    }
  }
  return env.Undefined();
}

Napi::Value GeometryJs(const Napi::CallbackInfo& info) {
  if (info.Length() < 6) throw Napi::TypeError::New(info.Env(), "nv12Geometry takes 6 arguments");
  ConvertParams p;
  const int w = IntArg(info, 0, "srcWidth"), h = IntArg(info, 1, "srcHeight");
  const int dw = IntArg(info, 2, "dstWidth"), dh = IntArg(info, 3, "dstHeight");
  p.mode = static_cast<ResizeMode>(IntArg(info, 4, "mode"));
  if (!info[5].IsNumber()) throw Napi::TypeError::New(info.Env(), "cropRatio must be a number");
  p.cropRatio = info[5].As<Napi::Number>().DoubleValue();
  if (w <= 0 || h <= 0 || dw <= 0 || dh <= 0 || w > kMaxSourceSide || h > kMaxSourceSide || dw > kMaxSourceSide ||
      dh > kMaxSourceSide)
    throw Napi::RangeError::New(info.Env(), "sizes must be positive and at most the limit");
  if (!(p.cropRatio > 0.0 && p.cropRatio <= 1.0)) throw Napi::RangeError::New(info.Env(), "crop ratio must be in (0, 1]");
  const Geometry g = ComputeGeometry(w, h, dw, dh, p);
  Napi::Array out = Napi::Array::New(info.Env(), 8);
  const int v[8] = {g.crop.x, g.crop.y, g.crop.width, g.crop.height,
                    g.inner.x, g.inner.y, g.inner.width, g.inner.height};
  for (uint32_t i = 0; i < 8; i++) out.Set(i, Napi::Number::New(info.Env(), v[i]));
  return out;
}

Napi::Value BenchLibyuvJs(const Napi::CallbackInfo& info) {
  Call c = ParseCall(info);
  const int seq = IntArg(info, 11, "sequence");
  if (seq != 0 && seq != 1) throw Napi::RangeError::New(info.Env(), "sequence must be 0 (box) or 1 (bilinear)");
  thread_local LibyuvBench bench;
  std::string error;
  if (!bench.Run(c.src, c.dst, static_cast<LibyuvSequence>(seq), &error)) throw Napi::Error::New(info.Env(), error);
  return info.Env().Undefined();
}

Napi::Value BenchReadPassJs(const Napi::CallbackInfo& info) {
  Napi::Uint8Array bytes = BytesArg(info, 0, "bytes");
  const double off = info[1].As<Napi::Number>().DoubleValue(), len = info[2].As<Napi::Number>().DoubleValue();
  if (!(off >= 0 && len >= 0 && off + len <= static_cast<double>(bytes.ByteLength())))
    throw Napi::RangeError::New(info.Env(), "range outside the buffer");
  return Napi::Number::New(info.Env(), static_cast<double>(ReadPass(bytes.Data() + static_cast<size_t>(off),
                                                                     static_cast<size_t>(len))));
}

}  // namespace

void InitConvert(Napi::Env env, Napi::Object exports) {
  exports.Set("convertToNv12", Napi::Function::New(env, ConvertSync, "convertToNv12"));
  exports.Set("convertToNv12Async", Napi::Function::New(env, ConvertAsync, "convertToNv12Async"));
  exports.Set("nv12ToRgb", Napi::Function::New(env, Nv12ToRgbJs, "nv12ToRgb"));
  exports.Set("nv12ToTensor", Napi::Function::New(env, Nv12ToTensorJs, "nv12ToTensor"));
  exports.Set("nv12Geometry", Napi::Function::New(env, GeometryJs, "nv12Geometry"));
  exports.Set("benchLibyuv", Napi::Function::New(env, BenchLibyuvJs, "benchLibyuv"));
  exports.Set("benchReadPass", Napi::Function::New(env, BenchReadPassJs, "benchReadPass"));
}

}  // namespace mnv4
