#pragma once
// Torch-free facade over a loaded BriVL model: tokenize, embed images and texts in batches.
// Used by the CLI and (later) the studio, so their translation units never include torch.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/model_files.h"
#include "text/bert_tokenizer.h"
#include "vision/image_decode.h"
#include "util/error.h"

namespace brivl {

struct LoadedModel;  // model/brivl_model.h (torch)

struct EmbedderOptions {
  std::string device = "auto";  // auto | cpu | cuda[:N]
  std::string dtype = "fp32";   // fp32 | fp16 | bf16
  int max_text_len = 32;        // like example.py --max_text_len; capped at MAX_TEXT_LEN
  // Inputs per forward pass; 0 = automatic. Images: 1 on the CPU (fastest there, lowest peak
  // memory: the activations stay in cache), 16 on a GPU. Texts: 32. See docs/PERFORMANCE.md.
  int image_batch_size = 0;
  int text_batch_size = 0;
  // Intra-op threads; 0 = $BRIVL_THREADS, else all cores (util/thread_count.h). Applied on
  // whichever thread does the work (OpenMP keeps the count per thread, and a GUI worker thread
  // may start with 1), so a result never depends on the thread that asked for it: the studio and
  // the CLI replay imaginations to the same bytes.
  int threads = 0;
  bool optimize = true;         // BatchNorm folding (same numbers within float rounding)
  // (bytes read, bytes to read) while load() reads the checkpoint, on the loading thread.
  std::function<void(int64_t done, int64_t total)> on_load_progress;
};

// Row-major float matrix (rows = inputs, cols = embedding dimension).
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;
  const float* row(int64_t i) const { return data.data() + i * cols; }
};

struct ModelSummary {
  std::string config_path, checkpoint_path, checkpoint_format, vocab_path, card_path;
  std::string cnn, encoder, device, dtype;
  std::string text_dtype;   // dtype, or "int8 (dynamic, ENGINE)" with --dtype int8
  std::string basis_path;   // the bundle's image_basis.safetensors (--param basis); empty when none
  int64_t img_size = 0, embedding_dim = 0, max_text_len = 0, effective_text_len = 0;
  int64_t image_parameters = 0, text_parameters = 0, vocab_size = 0;
  int64_t keys_loaded = 0, keys_ignored = 0, bytes_read = 0;
  std::string image_layout;  // e.g. "stem 48, blocks 1/3/3/4/4/5/6/2... , head 2048"
  double load_seconds = 0;
};

// Hooks of a long embedding job, called on the calling thread between batches.
struct EmbedHooks {
  std::function<void(int64_t done, int64_t total)> on_progress;  // after each batch
  std::function<bool()> should_cancel;                           // true: stop before the next batch
};

// Thrown when EmbedHooks::should_cancel asked to stop.
class Cancelled : public Error {
 public:
  using Error::Error;
};

class Embedder {
 public:
  static Embedder load(const ModelFiles& files, const EmbedderOptions& options);
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;
  ~Embedder();

  ModelSummary summary() const;
  // Sets the intra-op thread count on the calling thread (every method below does it first;
  // engines built on the Embedder call it before their own work).
  void use_threads() const;
  int effective_text_len() const;
  const BertTokenizer& tokenizer() const;
  std::vector<EncodedText> tokenize(const std::vector<std::string>& texts) const;
  // L2-normalized embeddings, one row per input, in the order given.
  // Throws brivl::Cancelled when hooks.should_cancel() returns true.
  Matrix embed_images(const std::vector<std::string>& paths, const EmbedHooks& hooks = {});
  Matrix embed_texts(const std::vector<std::string>& texts, const EmbedHooks& hooks = {});
  // Already decoded images (the indexer decodes first to sort out broken files).
  Matrix embed_decoded(const std::vector<RgbImage>& images);
  // The L2-normalised weighted sum of a prompt's terms ("猫:1 | 室内:-0.5 | @ref.jpg:0.3"),
  // the query vector of retrieval and the target of imagination. `max_text_len` > 0 overrides the
  // text length (capped at MAX_TEXT_LEN), e.g. the one a replayed imagination was made with.
  std::vector<float> embed_prompt(const std::string& prompt, int max_text_len = 0);

 private:
  struct State;
  explicit Embedder(std::unique_ptr<State> state);
  Matrix embed_texts_at(const std::vector<std::string>& texts, int64_t text_len, const EmbedHooks& hooks);
  // Core-internal access to the loaded model (torch side, e.g. the imagination engine).
  friend LoadedModel& embedder_model(Embedder& embedder);
  std::unique_ptr<State> state_;
};

// Defined in embedder.cpp; declared for core code that includes model/brivl_model.h.
LoadedModel& embedder_model(Embedder& embedder);

// Tokenizer and effective text length (min(max_text_len, MAX_TEXT_LEN)) without loading weights.
struct TextSetup {
  BertTokenizer tokenizer;
  int text_len = 32;
};
TextSetup load_text_setup(const ModelFiles& files, int max_text_len);

// "LibTorch 1.13.1, CUDA: no, threads: 2" for --version and benchmark records. `threads` > 0 is
// the count work will use (before a model is loaded LibTorch's own setting says nothing about it);
// 0: LibTorch's current setting.
std::string runtime_description(int threads = 0);

// a [n, d] x b [m, d]^T -> [n, m]
Matrix cosine_matrix(const Matrix& a, const Matrix& b);

}  // namespace brivl
