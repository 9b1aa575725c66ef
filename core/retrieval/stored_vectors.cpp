#include "retrieval/stored_vectors.h"

#include <torch/torch.h>

#include <algorithm>
#include <thread>

#include "util/error.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace brivl {
namespace {

// Rows converted to float32 at a time on the fallback fp16 path: 8192 x 2048 floats = 64 MiB.
constexpr int64_t kConvertRows = 8192;
// Rows worth a thread of their own on the fused fp16 path (starting one costs ~50 µs).
constexpr int64_t kRowsPerThread = 16384;

#if defined(__x86_64__)
// One row of halves dotted with a float query, converting 16 values per step in registers: the
// matrix is read once at 2 bytes a value, where convert-then-BLAS reads 2 and writes and reads 4.
__attribute__((target("avx2,fma,f16c"))) float dot_half_avx2(const uint16_t* row, const float* q, int64_t dim) {
  // Four independent sums: one chain of dependent FMAs would wait on each FMA's latency.
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t k = 0;
  for (; k + 32 <= dim; k += 32) {
    for (int j = 0; j < 4; ++j) {
      const __m256 a = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + k + 8 * j)));
      acc[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(q + k + 8 * j), acc[j]);
    }
  }
  const __m256 sum8 = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
  sum = _mm_hadd_ps(sum, sum);
  sum = _mm_hadd_ps(sum, sum);
  float total = _mm_cvtss_f32(sum);
  for (; k < dim; ++k) total += _cvtsh_ss(row[k]) * q[k];
  return total;
}

bool cpu_has_avx2_f16c() {
  __builtin_cpu_init();
  // F16C from CPUID leaf 1 (ECX bit 29): clang before 15 does not know "f16c" as a
  // __builtin_cpu_supports feature (seen building the fuzz targets with clang 14).
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
}
#else
float dot_half_avx2(const uint16_t*, const float*, int64_t) { return 0; }
bool cpu_has_avx2_f16c() { return false; }
#endif

torch::Tensor query_tensor(const float* query, int64_t dim) {
  return torch::from_blob(const_cast<float*>(query), {dim}, torch::kFloat32);
}

}  // namespace

std::string precision_name(Precision p) { return p == Precision::fp16 ? "fp16" : "fp32"; }

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "fp16") return Precision::fp16;
  BRIVL_FAIL("precision '", name, "': expected fp32 or fp16");
}

struct StoredVectors::State {
  int64_t dim = 0, rows = 0;
  Precision precision = Precision::fp32;
  bool fused_half = false;  // the CPU can run dot_half_avx2
  torch::Tensor matrix;     // [capacity, dim], float32 or float16, contiguous

  const uint16_t* half_row(int64_t i) const {
    return reinterpret_cast<const uint16_t*>(matrix.data_ptr<at::Half>()) + i * dim;
  }
};

StoredVectors::StoredVectors(int64_t capacity, int64_t dim, Precision precision) : state_(std::make_unique<State>()) {
  BRIVL_CHECK(capacity >= 0 && dim >= 0, "vectors: bad shape ", capacity, " x ", dim);
  state_->dim = dim;
  state_->precision = precision;
  state_->fused_half = precision == Precision::fp16 && cpu_has_avx2_f16c();
  state_->matrix =
      torch::empty({capacity, dim}, precision == Precision::fp16 ? torch::kFloat16 : torch::kFloat32);
}

StoredVectors::StoredVectors(StoredVectors&&) noexcept = default;
StoredVectors& StoredVectors::operator=(StoredVectors&&) noexcept = default;
StoredVectors::~StoredVectors() = default;

void StoredVectors::append(const float* rows, int64_t count) {
  auto& s = *state_;
  BRIVL_CHECK(count >= 0 && s.rows + count <= s.matrix.size(0), "vectors: ", s.rows + count, " rows for room of ",
              s.matrix.size(0));
  if (count == 0) return;
  torch::InferenceMode guard;
  s.matrix.narrow(0, s.rows, count).copy_(torch::from_blob(const_cast<float*>(rows), {count, s.dim}, torch::kFloat32));
  s.rows += count;
}

int64_t StoredVectors::size() const { return state_->rows; }
int64_t StoredVectors::dim() const { return state_->dim; }
Precision StoredVectors::precision() const { return state_->precision; }
int64_t StoredVectors::bytes() const { return state_->matrix.numel() * state_->matrix.element_size(); }

std::vector<float> StoredVectors::scores(const float* query) const {
  const auto& s = *state_;
  std::vector<float> out(static_cast<size_t>(s.rows));
  if (s.rows == 0 || s.dim == 0) return out;
  torch::InferenceMode guard;
  const auto q = query_tensor(query, s.dim);
  if (s.precision == Precision::fp32) {
    auto result = torch::from_blob(out.data(), {s.rows}, torch::kFloat32);
    torch::mv_out(result, s.matrix.narrow(0, 0, s.rows), q);
  } else if (s.fused_half) {
    // Split over LibTorch's intra-op thread count with plain threads: at::parallel_for is inline
    // OpenMP, serial in sources built without -fopenmp (ours; LibTorch's own kernels have it).
    auto dot_rows = [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[static_cast<size_t>(i)] = dot_half_avx2(s.half_row(i), query, s.dim);
    };
    const int64_t parts = std::min<int64_t>(at::get_num_threads(), s.rows / kRowsPerThread);
    std::vector<std::thread> helpers;
    for (int64_t p = 1; p < parts; ++p) helpers.emplace_back(dot_rows, s.rows * p / parts, s.rows * (p + 1) / parts);
    dot_rows(0, parts > 1 ? s.rows / parts : s.rows);
    for (auto& t : helpers) t.join();
  } else {
    for (int64_t begin = 0; begin < s.rows; begin += kConvertRows) {
      const int64_t n = std::min(kConvertRows, s.rows - begin);
      auto result = torch::from_blob(out.data() + begin, {n}, torch::kFloat32);
      torch::mv_out(result, s.matrix.narrow(0, begin, n).to(torch::kFloat32), q);
    }
  }
  return out;
}

std::vector<float> StoredVectors::scores_of(const std::vector<int64_t>& rows, const float* query) const {
  const auto& s = *state_;
  std::vector<float> out;
  out.reserve(rows.size());
  for (const int64_t i : rows) {
    BRIVL_CHECK(i >= 0 && i < s.rows, "vectors: row ", i, " of ", s.rows);
    if (s.fused_half) {
      out.push_back(dot_half_avx2(s.half_row(i), query, s.dim));
      continue;
    }
    const auto v = row(i);
    double dot = 0;
    for (int64_t k = 0; k < s.dim; ++k) dot += static_cast<double>(v[static_cast<size_t>(k)]) * query[k];
    out.push_back(static_cast<float>(dot));
  }
  return out;
}

std::vector<float> StoredVectors::row(int64_t i) const {
  const auto& s = *state_;
  BRIVL_CHECK(i >= 0 && i < s.rows, "vectors: row ", i, " of ", s.rows);
  torch::InferenceMode guard;
  const auto r = s.matrix[i].to(torch::kFloat32).contiguous();
  return std::vector<float>(r.data_ptr<float>(), r.data_ptr<float>() + s.dim);
}

}  // namespace brivl
