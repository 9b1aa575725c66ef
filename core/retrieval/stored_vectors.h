#pragma once
// The vectors an index scores exactly: one preallocated row-major matrix held as float32 or as
// float16 (half the memory; cosines move by ~1e-4, far below the gaps that order real results).
// Scoring is a matrix-vector product over chunks of rows: BLAS for float32; for float16 a fused
// convert-and-dot loop (F16C/FMA when the CPU has them, else chunks converted by LibTorch), since
// the product is memory-bound and reading half the bytes is what makes fp16 faster, not slower.
// Torch-free header.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace brivl {

enum class Precision { fp32, fp16 };
std::string precision_name(Precision p);  // "fp32", "fp16"
// Throws brivl::Error naming the accepted values.
Precision parse_precision(const std::string& name);

class StoredVectors {
 public:
  // Room for `capacity` rows of `dim` values, allocated at once (no growth peaks at 1M rows).
  StoredVectors(int64_t capacity, int64_t dim, Precision precision);
  StoredVectors(StoredVectors&&) noexcept;
  StoredVectors& operator=(StoredVectors&&) noexcept;
  ~StoredVectors();

  // Appends `count` rows (row-major [count, dim]); throws beyond the capacity.
  void append(const float* rows, int64_t count);

  int64_t size() const;  // rows appended so far
  int64_t dim() const;
  Precision precision() const;
  int64_t bytes() const;  // memory of the matrix (capacity rows)

  // Dot products of every row with `query` (dim values), in row order.
  std::vector<float> scores(const float* query) const;
  // Dot products of the given rows with `query`, in the order given.
  std::vector<float> scores_of(const std::vector<int64_t>& rows, const float* query) const;
  std::vector<float> row(int64_t i) const;  // as stored, converted to float

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brivl
