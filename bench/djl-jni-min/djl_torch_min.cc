// The part of DJL 0.36's PyTorch JNI library that endowatch calls, written against the libtorch
// headers of the host it is built on (issue 8: DJL's own JNI runs only on the exact libtorch it was
// built for, 2.7.1, and a GPU host with another PyTorch cannot load it; see docs/BENCHMARKS.md,
// "On a GPU"). The set is what `java -verbose:jni` showed for bench model, eval and train on the CPU,
// plus the device moves a GPU adds; every other native method of PyTorchLibrary is a generated stub
// (gen_stubs.py) that throws EngineException with its name, so a path that needs one more fails loudly.
//
// Conventions are DJL's (read from pytorch-engine 0.36's JniUtils.java): a tensor handle is a heap
// torch::Tensor*, dtypes are DataType ordinals, devices are {type, index} with 0 = CPU, 1 = CUDA.
#include <jni.h>
#include <torch/torch.h>
#include <torch/cuda.h>
#include <ATen/Parallel.h>

#include <string>
#include <vector>

#include "ai_djl_pytorch_jni_PyTorchLibrary.h"

namespace {

using TensorIndices = std::vector<at::indexing::TensorIndex>;

torch::Tensor& T(jlong handle) { return *reinterpret_cast<torch::Tensor*>(handle); }

jlong R(torch::Tensor t) { return reinterpret_cast<jlong>(new torch::Tensor(std::move(t))); }

// DJL's DataType ordinals (ai.djl.ndarray.types.DataType); UNKNOWN and the rest are refused.
torch::ScalarType ScalarType(jint dtype) {
  switch (dtype) {
    case 0: return torch::kFloat32;
    case 1: return torch::kFloat64;
    case 2: return torch::kFloat16;
    case 3: return torch::kUInt8;
    case 4: return torch::kInt32;
    case 5: return torch::kInt8;
    case 6: return torch::kInt64;
    case 7: return torch::kBool;
    case 11: return torch::kBFloat16;
    case 15: return torch::kInt16;
    default: throw std::invalid_argument("djl_torch_min: DataType ordinal " + std::to_string(dtype) + " not mapped");
  }
}

jint DataTypeOrdinal(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return 0;
    case torch::kFloat64: return 1;
    case torch::kFloat16: return 2;
    case torch::kUInt8: return 3;
    case torch::kInt32: return 4;
    case torch::kInt8: return 5;
    case torch::kInt64: return 6;
    case torch::kBool: return 7;
    case torch::kBFloat16: return 11;
    case torch::kInt16: return 15;
    default: return 9;  // UNKNOWN
  }
}

std::vector<int64_t> Longs(JNIEnv* env, jlongArray array) {
  jsize n = env->GetArrayLength(array);
  std::vector<int64_t> out(n);
  env->GetLongArrayRegion(array, 0, n, reinterpret_cast<jlong*>(out.data()));
  return out;
}

std::vector<torch::Tensor> Tensors(JNIEnv* env, jlongArray handles) {
  std::vector<torch::Tensor> out;
  for (int64_t h : Longs(env, handles)) out.push_back(T(h));
  return out;
}

jlongArray Handles(JNIEnv* env, const std::vector<torch::Tensor>& tensors) {
  std::vector<jlong> hs;
  for (const auto& t : tensors) hs.push_back(R(t));
  jlongArray out = env->NewLongArray(static_cast<jsize>(hs.size()));
  env->SetLongArrayRegion(out, 0, static_cast<jsize>(hs.size()), hs.data());
  return out;
}

torch::Device Device(JNIEnv* env, jintArray jdevice) {
  jint d[2];
  env->GetIntArrayRegion(jdevice, 0, 2, d);
  if (d[0] == 0) return torch::Device(torch::kCPU);
  return torch::Device(static_cast<torch::DeviceType>(d[0]), static_cast<c10::DeviceIndex>(d[1]));
}

// Tensor options for the creation calls; requires_grad is set afterwards, because the in-place
// initialisers (uniform_, normal_) refuse a leaf that already requires a gradient.
torch::TensorOptions Options(JNIEnv* env, jint dtype, jint layout, jintArray jdevice) {
  if (layout != 0) throw std::invalid_argument("djl_torch_min: only the dense layout is built");
  return torch::TensorOptions().dtype(ScalarType(dtype)).device(Device(env, jdevice));
}

jlong Grad(torch::Tensor t, jboolean requires_grad) {
  if (requires_grad) t.requires_grad_(true);
  return R(std::move(t));
}

// Errors cross into Java as DJL's EngineException, as the real library does.
void Throw(JNIEnv* env, const char* what) {
  jclass cls = env->FindClass("ai/djl/engine/EngineException");
  if (cls != nullptr) env->ThrowNew(cls, what);
}

}  // namespace

// The body is variadic: commas inside it (initialisers, template arguments) are not macro arguments.
#define GUARD(ret, ...)                       \
  try {                                       \
    __VA_ARGS__                               \
  } catch (const c10::Error& e) {             \
    Throw(env, e.what_without_backtrace());   \
  } catch (const std::exception& e) {         \
    Throw(env, e.what());                     \
  }                                           \
  return ret;

#define FN(ret, name) JNIEXPORT ret JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_##name

// ---- system, threads, gradient mode ----

FN(jboolean, torchIsGradMode)(JNIEnv* env, jobject) { GUARD(JNI_FALSE, return torch::GradMode::is_enabled();) }
FN(void, torchSetGradMode)(JNIEnv* env, jobject, jboolean enable) { GUARD(, torch::GradMode::set_enabled(enable);) }
FN(jint, torchGetNumThreads)(JNIEnv* env, jobject) { GUARD(0, return at::get_num_threads();) }
FN(jint, torchGetNumInteropThreads)(JNIEnv* env, jobject) { GUARD(0, return at::get_num_interop_threads();) }
FN(void, torchSetNumThreads)(JNIEnv* env, jobject, jint n) { GUARD(, at::set_num_threads(n);) }
FN(void, torchSetNumInteropThreads)(JNIEnv* env, jobject, jint n) { GUARD(, at::set_num_interop_threads(n);) }
FN(void, torchManualSeed)(JNIEnv* env, jobject, jlong seed) { GUARD(, torch::manual_seed(seed);) }

// The features DJL's engine asks about: "CUDA" decides whether Engine.getGpuCount() is believed.
FN(void, torchShowConfig)(JNIEnv* env, jobject, jobject set) {
  GUARD(, {
    jclass cls = env->GetObjectClass(set);
    jmethodID add = env->GetMethodID(cls, "add", "(Ljava/lang/Object;)Z");
    auto put = [&](const char* f) {
      jstring s = env->NewStringUTF(f);
      env->CallBooleanMethod(set, add, s);
      env->DeleteLocalRef(s);
    };
    if (torch::cuda::is_available()) put("CUDA");
    if (torch::cuda::cudnn_is_available()) put("CUDNN");
    if (at::hasMKL()) put("MKL");
    if (at::hasMKLDNN()) put("MKLDNN");
    if (at::hasOpenMP()) put("OPENMP");
  })
}

// ---- tensor metadata and memory ----

FN(void, torchDeleteTensor)(JNIEnv* env, jobject, jlong h) { GUARD(, delete &T(h);) }
FN(jlongArray, torchSizes)(JNIEnv* env, jobject, jlong h) {
  GUARD(nullptr, {
    auto sizes = T(h).sizes();
    jlongArray out = env->NewLongArray(static_cast<jsize>(sizes.size()));
    env->SetLongArrayRegion(out, 0, static_cast<jsize>(sizes.size()), reinterpret_cast<const jlong*>(sizes.data()));
    return out;
  })
}
FN(jint, torchDType)(JNIEnv* env, jobject, jlong h) { GUARD(0, return DataTypeOrdinal(T(h).scalar_type());) }
FN(jintArray, torchDevice)(JNIEnv* env, jobject, jlong h) {
  GUARD(nullptr, {
    auto d = T(h).device();
    jint v[2] = {static_cast<jint>(d.type()), static_cast<jint>(d.index())};
    jintArray out = env->NewIntArray(2);
    env->SetIntArrayRegion(out, 0, 2, v);
    return out;
  })
}
FN(jint, torchLayout)(JNIEnv* env, jobject, jlong h) {
  GUARD(0, {
    auto l = T(h).layout();
    return l == torch::kStrided ? 0 : l == torch::kSparse ? 1 : l == torch::kMkldnn ? 2 : -1;
  })
}
FN(jboolean, torchIsContiguous)(JNIEnv* env, jobject, jlong h) { GUARD(JNI_FALSE, return T(h).is_contiguous();) }
FN(jlong, torchToContiguous)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).contiguous());) }
FN(jlong, tensorClone)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).clone());) }

// On the CPU the tensor views the Java buffer (DJL keeps the buffer alive with the NDArray); on a GPU
// it is copied to the device at once, and DJL drops its reference.
FN(jlong, torchFromBlob)(JNIEnv* env, jobject, jobject buffer, jlongArray shape, jint dtype, jint layout,
                         jintArray jdevice, jboolean requires_grad) {
  GUARD(0, {
    void* data = env->GetDirectBufferAddress(buffer);
    if (data == nullptr) throw std::invalid_argument("djl_torch_min: torchFromBlob needs a direct ByteBuffer");
    auto device = Device(env, jdevice);
    auto t = torch::from_blob(data, Longs(env, shape), Options(env, dtype, layout, jdevice).device(torch::kCPU));
    if (!device.is_cpu()) t = t.to(device);
    return Grad(t, requires_grad);
  })
}
FN(jobject, torchDirectByteBuffer)(JNIEnv* env, jobject, jlong h) {
  GUARD(nullptr, {
    auto& t = T(h);
    return env->NewDirectByteBuffer(t.data_ptr(), static_cast<jlong>(t.nbytes()));
  })
}
FN(jbyteArray, torchDataPtr)(JNIEnv* env, jobject, jlong h) {
  GUARD(nullptr, {
    auto t = T(h).to(torch::kCPU).contiguous();
    jbyteArray out = env->NewByteArray(static_cast<jsize>(t.nbytes()));
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(t.nbytes()), static_cast<const jbyte*>(t.const_data_ptr()));
    return out;
  })
}
FN(jlong, torchTo)(JNIEnv* env, jobject, jlong h, jint dtype, jintArray jdevice) {
  GUARD(0, return R(T(h).to(Device(env, jdevice), ScalarType(dtype)));)
}

// ---- creation ----

FN(jlong, torchZeros)(JNIEnv* env, jobject, jlongArray shape, jint dtype, jint layout, jintArray d, jboolean g) {
  GUARD(0, return Grad(torch::zeros(Longs(env, shape), Options(env, dtype, layout, d)), g);)
}
FN(jlong, torchOnes)(JNIEnv* env, jobject, jlongArray shape, jint dtype, jint layout, jintArray d, jboolean g) {
  GUARD(0, return Grad(torch::ones(Longs(env, shape), Options(env, dtype, layout, d)), g);)
}
FN(jlong, tensorUniform)(JNIEnv* env, jobject, jdouble from, jdouble to, jlongArray shape, jint dtype, jint layout,
                         jintArray d, jboolean g) {
  GUARD(0, return Grad(torch::empty(Longs(env, shape), Options(env, dtype, layout, d)).uniform_(from, to), g);)
}
FN(jlong, torchNormal)(JNIEnv* env, jobject, jdouble mean, jdouble std, jlongArray shape, jint dtype, jint layout,
                       jintArray d, jboolean g) {
  GUARD(0, return Grad(torch::empty(Longs(env, shape), Options(env, dtype, layout, d)).normal_(mean, std), g);)
}

// ---- shape ----

FN(jlong, torchReshape)(JNIEnv* env, jobject, jlong h, jlongArray shape) { GUARD(0, return R(T(h).reshape(Longs(env, shape)));) }
FN(jlong, torchPermute)(JNIEnv* env, jobject, jlong h, jlongArray dims) { GUARD(0, return R(T(h).permute(Longs(env, dims)));) }
FN(jlong, torchExpand)(JNIEnv* env, jobject, jlong h, jlongArray shape) { GUARD(0, return R(T(h).expand(Longs(env, shape)));) }
FN(jlong, torchUnsqueeze)(JNIEnv* env, jobject, jlong h, jlong dim) { GUARD(0, return R(T(h).unsqueeze(dim));) }
FN(jlong, torchRepeatInterleave)(JNIEnv* env, jobject, jlong h, jlong repeat, jlong dim) {
  GUARD(0, return R(T(h).repeat_interleave(repeat, dim));)
}
FN(jlong, torchCat)(JNIEnv* env, jobject, jlongArray hs, jlong dim) { GUARD(0, return R(torch::cat(Tensors(env, hs), dim));) }
FN(jlong, torchStack)(JNIEnv* env, jobject, jlongArray hs, jlong dim) { GUARD(0, return R(torch::stack(Tensors(env, hs), dim));) }
FN(jlongArray, torchSplit__JJJ)(JNIEnv* env, jobject, jlong h, jlong size, jlong dim) {
  GUARD(nullptr, return Handles(env, T(h).split(size, dim));)
}
// NDArray.split(long[] indices): numpy's split at the given indices, which is tensor_split.
FN(jlongArray, torchSplit__J_3JJ)(JNIEnv* env, jobject, jlong h, jlongArray indices, jlong dim) {
  GUARD(nullptr, return Handles(env, T(h).tensor_split(Longs(env, indices), dim));)
}
FN(jlong, torchGather)(JNIEnv* env, jobject, jlong h, jlong index, jlong dim, jboolean sparse) {
  GUARD(0, return R(torch::gather(T(h), dim, T(index), sparse));)
}

// Indexing: DJL builds an index list handle, appends to it, reads with it and deletes it.
FN(jlong, torchIndexInit)(JNIEnv* env, jobject, jint size) {
  GUARD(0, {
    auto* v = new TensorIndices();
    v->reserve(size);
    return reinterpret_cast<jlong>(v);
  })
}
FN(void, torchIndexAppendFixed)(JNIEnv* env, jobject, jlong ih, jlong idx) {
  GUARD(, reinterpret_cast<TensorIndices*>(ih)->emplace_back(idx);)
}
FN(jlong, torchIndexAdvGet)(JNIEnv* env, jobject, jlong h, jlong ih) {
  GUARD(0, return R(T(h).index(*reinterpret_cast<TensorIndices*>(ih)));)
}
FN(void, torchDeleteIndex)(JNIEnv* env, jobject, jlong ih) { GUARD(, delete reinterpret_cast<TensorIndices*>(ih);) }

// ---- arithmetic ----

FN(jlong, torchAdd)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).add(T(b)));) }
FN(jlong, torchSub)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).sub(T(b)));) }
FN(jlong, torchMul)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).mul(T(b)));) }
FN(jlong, torchTrueDivide)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).true_divide(T(b)));) }
FN(void, torchAddi)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(, T(a).add_(T(b));) }
FN(void, torchSubi)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(, T(a).sub_(T(b));) }
FN(void, torchMuli)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(, T(a).mul_(T(b));) }
FN(void, torchTrueDividei)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(, T(a).true_divide_(T(b));) }
FN(jlong, torchPow)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).pow(T(b)));) }
FN(jlong, torchMaximum)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(torch::maximum(T(a), T(b)));) }
FN(jlong, torchMatmul)(JNIEnv* env, jobject, jlong a, jlong b) { GUARD(0, return R(T(a).matmul(T(b)));) }
FN(jlong, torchNeg)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).neg());) }
FN(jlong, torchSqrt)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).sqrt());) }
FN(jlong, torchSquare)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).square());) }
FN(jlong, torchExp)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).exp());) }
FN(jlong, torchLog)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).log());) }
FN(jlong, torchSigmoid)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).sigmoid());) }
// DJL passes the bounds as scalar tensors made on the array's manager.
FN(jlong, torchClamp)(JNIEnv* env, jobject, jlong h, jlong lo, jlong hi) {
  GUARD(0, return R(T(h).clamp(T(lo).item(), T(hi).item()));)
}

// ---- reductions ----

FN(jlong, torchSum__J)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).sum());) }
FN(jlong, torchSum__J_3JZ)(JNIEnv* env, jobject, jlong h, jlongArray dims, jboolean keep) {
  GUARD(0, return R(T(h).sum(Longs(env, dims), keep));)
}
FN(jlong, torchMean__J)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(T(h).mean());) }
FN(jlong, torchMean__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  GUARD(0, return R(T(h).mean(dim, keep));)
}
FN(jlong, torchSoftmax)(JNIEnv* env, jobject, jlong h, jlong dim, jint dtype) {
  GUARD(0, return R(T(h).softmax(dim, ScalarType(dtype)));)
}

// ---- neural-network functions ----

FN(jlong, torchNNLinear)(JNIEnv* env, jobject, jlong h, jlong w, jlong b) {
  GUARD(0, return R(b == 0 ? torch::linear(T(h), T(w)) : torch::linear(T(h), T(w), T(b)));)
}
FN(jlong, torchNNLayerNorm)(JNIEnv* env, jobject, jlong h, jlongArray shape, jlong w, jlong b, jdouble eps) {
  GUARD(0, {
    c10::optional<torch::Tensor> weight, bias;
    if (w != 0) weight = T(w);
    if (b != 0) bias = T(b);
    return R(torch::layer_norm(T(h), Longs(env, shape), weight, bias, eps));
  })
}
FN(jlong, torchNNGelu)(JNIEnv* env, jobject, jlong h) { GUARD(0, return R(torch::gelu(T(h)));) }
FN(jlong, torchNNAvgPool)(JNIEnv* env, jobject, jlong h, jlongArray kernel, jlongArray stride, jlongArray pad,
                          jboolean ceil, jboolean count_pad) {
  GUARD(0, {
    auto k = Longs(env, kernel), s = Longs(env, stride), p = Longs(env, pad);
    switch (k.size()) {
      case 1: return R(torch::avg_pool1d(T(h), k, s, p, ceil, count_pad));
      case 2: return R(torch::avg_pool2d(T(h), k, s, p, ceil, count_pad));
      case 3: return R(torch::avg_pool3d(T(h), k, s, p, ceil, count_pad));
      default: throw std::invalid_argument("djl_torch_min: avg pool over " + std::to_string(k.size()) + " dims");
    }
  })
}

// ---- autograd ----

FN(void, torchAttachGrad)(JNIEnv* env, jobject, jlong h, jboolean g) { GUARD(, T(h).requires_grad_(g);) }
FN(jboolean, torchRequiresGrad)(JNIEnv* env, jobject, jlong h) { GUARD(JNI_FALSE, return T(h).requires_grad();) }
FN(jlong, torchGrad)(JNIEnv* env, jobject, jlong h) {
  GUARD(0, {
    auto g = T(h).grad();
    return g.defined() ? R(g) : 0;
  })
}
FN(void, torchBackward)(JNIEnv* env, jobject, jlong h, jlong grad, jboolean keep, jboolean create) {
  GUARD(, T(h).backward(T(grad), keep, create);)
}
