#pragma once
// The FAISS engine, compiled only with BRIVL_WITH_FAISS (reach it through make_vector_index; this
// header names no FAISS type). An inverted file over 8-bit scalar-quantised residuals with inner
// product (= cosine, vectors are L2-normalised):
//  - IVF, not HNSW: an HNSW graph costs thousands of full 2048-d distance computations per added
//    vector (estimated tens of minutes for 1M on 2 cores, not measured) plus its links' memory;
//    the IVF trains on a sample and adds 100k vectors in ~30 s.
//  - SQ8: 2 KiB a 2048-d vector (1M = 2 GB, within the 4 GB goal; float32 would be 8 GB). Its
//    scores are within ~6e-4 of the true cosines (residual coding; measured at 100k, and
//    bench_retrieval prints it), and results are re-ranked exactly from a float16 copy when that
//    copy fits VectorIndexOptions::rerank_copy_limit_gib (2 GiB: up to ~500k vectors).
#include <memory>
#include <string>
#include <vector>

#include "retrieval/vector_index.h"

namespace brivl {

// What the FAISS engine builds for n vectors: the factory string, its list count and the lists
// visited per query.
struct FaissPlan {
  std::string factory;
  int64_t nlist = 0;  // 0 for a custom factory without an inverted file
  int nprobe = 0;
};
FaissPlan plan_faiss(int64_t n, const VectorIndexOptions& options);

std::unique_ptr<VectorIndex> make_faiss_index(std::vector<std::string> paths, int64_t dim, const RowSource& rows,
                                              const VectorIndexOptions& options);

}  // namespace brivl
