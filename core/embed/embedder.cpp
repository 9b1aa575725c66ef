#include "embed/embedder.h"

#include <thread>

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "io/checkpoint.h"
#include "model/brivl_model.h"
#include "model/dynamic_int8.h"
#include "text/prompt.h"
#include "util/error.h"
#include "util/thread_count.h"
#include "vision/preprocess.h"

namespace brivl {

struct Embedder::State {
  EmbedderOptions options;
  LoadedModel loaded;
  std::unique_ptr<BertTokenizer> tokenizer;
  int text_len = 32;
};

namespace {

Matrix to_matrix(const torch::Tensor& t) {
  auto cpu = t.to(torch::kCPU, torch::kFloat32).contiguous();
  Matrix m;
  m.rows = cpu.size(0);
  m.cols = cpu.size(1);
  m.data.assign(cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
  return m;
}

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// "stem 48 | 24x3 40x3 64x5 ... (channels x depth per stage) | head 2048"
std::string describe_layout(const EfficientNetLayout& layout) {
  std::ostringstream out;
  out << "stem " << layout.stem_channels << " |";
  for (size_t i = 0; i < layout.blocks.size(); ++i) {
    const auto& b = layout.blocks[i];
    const bool last_of_stage = i + 1 == layout.blocks.size() || layout.blocks[i + 1].stage != b.stage;
    if (last_of_stage) out << " " << b.out_channels << "x" << b.index + 1;
  }
  out << " | head " << layout.num_features;
  return out.str();
}

}  // namespace

Embedder::Embedder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;
Embedder::~Embedder() = default;

Embedder Embedder::load(const ModelFiles& files, const EmbedderOptions& options) {
  BRIVL_CHECK(options.image_batch_size >= 0 && options.text_batch_size >= 0, "--batch-size must be positive (got ",
              options.image_batch_size, " / ", options.text_batch_size, ")");
  BRIVL_CHECK(options.max_text_len >= 2, "--max-text-len must be at least 2 ([CLS] and [SEP]), got ",
              options.max_text_len);
  auto state = std::make_unique<State>();
  state->options = options;
  if (state->options.threads <= 0) state->options.threads = default_thread_count();
  at::set_num_threads(state->options.threads);
  state->tokenizer = std::make_unique<BertTokenizer>(BertTokenizer::from_file(files.vocab));
  state->loaded = load_model(files, LoadOptions()
                                        .device(options.device)
                                        .dtype(options.dtype)
                                        .optimize(options.optimize)
                                        .on_progress(options.on_load_progress));
  state->options.on_load_progress = nullptr;  // the caller's callback must not outlive the load
  const auto& config = state->loaded.config;
  BRIVL_CHECK(static_cast<int64_t>(state->tokenizer->vocab_size()) <= config.bert.vocab_size, files.vocab, ": ",
              state->tokenizer->vocab_size(), " tokens but the model's BERT has ", config.bert.vocab_size,
              " word embeddings");
  auto& o = state->options;
  if (o.image_batch_size == 0) o.image_batch_size = state->loaded.device.is_cuda() ? 16 : 1;
  if (o.text_batch_size == 0) o.text_batch_size = 32;
  // example.py: the tokenizer pads to min(--max_text_len, MAX_TEXT_LEN).
  state->text_len = static_cast<int>(std::min<int64_t>(options.max_text_len, config.max_text_len));
  return Embedder(std::move(state));
}

int Embedder::effective_text_len() const { return state_->text_len; }
const BertTokenizer& Embedder::tokenizer() const { return *state_->tokenizer; }

std::vector<EncodedText> Embedder::tokenize(const std::vector<std::string>& texts) const {
  std::vector<EncodedText> out;
  out.reserve(texts.size());
  for (const auto& t : texts) out.push_back(state_->tokenizer->encode(t, state_->text_len));
  return out;
}

namespace {

// Runs `encode(begin, end)` -> [n, D] over [0, total) in batches of `step`, with the hooks, and
// gathers the rows on the CPU as float32.
template <typename EncodeBatch>
Matrix embed_in_batches(int64_t total, int64_t step, int64_t dim, const EmbedHooks& hooks, EncodeBatch encode) {
  std::vector<torch::Tensor> outputs;
  torch::InferenceMode guard;
  for (int64_t begin = 0; begin < total; begin += step) {
    const int64_t end = std::min<int64_t>(total, begin + step);
    if (hooks.should_cancel && hooks.should_cancel()) throw Cancelled("embedding cancelled");
    outputs.push_back(encode(begin, end).to(torch::kCPU, torch::kFloat32));
    if (hooks.on_progress) hooks.on_progress(end, total);
  }
  if (outputs.empty()) return Matrix{0, dim, {}};
  return to_matrix(torch::cat(outputs));
}

}  // namespace

void Embedder::use_threads() const {
  if (at::get_num_threads() != state_->options.threads) at::set_num_threads(state_->options.threads);
}

Matrix Embedder::embed_images(const std::vector<std::string>& paths, const EmbedHooks& hooks) {
  use_threads();
  auto& m = state_->loaded;
  return embed_in_batches(static_cast<int64_t>(paths.size()), state_->options.image_batch_size,
                          m.config.img_feature_dim, hooks, [&](int64_t begin, int64_t end) {
                            std::vector<torch::Tensor> batch;
                            for (int64_t i = begin; i < end; ++i) batch.push_back(load_image_for_model(paths[i], m.config.img_size));
                            return m.model->encode_images(torch::cat(batch).to(m.device, m.dtype));
                          });
}

Matrix Embedder::embed_decoded(const std::vector<RgbImage>& images) {
  use_threads();
  auto& m = state_->loaded;
  return embed_in_batches(static_cast<int64_t>(images.size()), state_->options.image_batch_size,
                          m.config.img_feature_dim, {}, [&](int64_t begin, int64_t end) {
                            std::vector<torch::Tensor> batch;
                            for (int64_t i = begin; i < end; ++i) {
                              batch.push_back(resize_and_normalize(rgb_to_tensor(images[i]), m.config.img_size));
                            }
                            return m.model->encode_images(torch::cat(batch).to(m.device, m.dtype));
                          });
}

Matrix Embedder::embed_texts(const std::vector<std::string>& texts, const EmbedHooks& hooks) {
  return embed_texts_at(texts, state_->text_len, hooks);
}

Matrix Embedder::embed_texts_at(const std::vector<std::string>& texts, int64_t L, const EmbedHooks& hooks) {
  use_threads();
  auto& m = state_->loaded;
  return embed_in_batches(static_cast<int64_t>(texts.size()), state_->options.text_batch_size,
                          m.config.img_feature_dim, hooks, [&](int64_t begin, int64_t end) {
                            auto ids = torch::empty({end - begin, L}, torch::kInt64);
                            auto mask = torch::empty({end - begin, L}, torch::kInt64);
                            for (int64_t i = begin; i < end; ++i) {
                              const auto enc = state_->tokenizer->encode(texts[i], static_cast<int>(L));
                              std::copy(enc.input_ids.begin(), enc.input_ids.end(), ids[i - begin].data_ptr<int64_t>());
                              std::copy(enc.attention_mask.begin(), enc.attention_mask.end(),
                                        mask[i - begin].data_ptr<int64_t>());
                            }
                            return m.model->encode_texts(ids.to(m.device), mask.to(m.device));
                          });
}

std::vector<float> Embedder::embed_prompt(const std::string& prompt, int max_text_len) {
  const int64_t text_len =
      max_text_len > 0 ? std::min<int64_t>(max_text_len, state_->loaded.config.max_text_len) : state_->text_len;
  std::vector<double> sum(static_cast<size_t>(state_->loaded.config.img_feature_dim), 0.0);
  for (const auto& term : parse_prompt(prompt)) {
    const auto e = term.is_image ? embed_images({term.text}) : embed_texts_at({term.text}, text_len, {});
    for (size_t k = 0; k < sum.size(); ++k) sum[k] += term.weight * e.data[k];
  }
  double norm = 0;
  for (double v : sum) norm += v * v;
  norm = std::sqrt(norm);
  BRIVL_CHECK(norm > 1e-6, "the prompt's weighted terms cancel out: '", prompt, "'");
  std::vector<float> out(sum.size());
  for (size_t k = 0; k < sum.size(); ++k) out[k] = static_cast<float>(sum[k] / norm);
  return out;
}

LoadedModel& embedder_model(Embedder& embedder) { return embedder.state_->loaded; }

ModelSummary Embedder::summary() const {
  const auto& m = state_->loaded;
  ModelSummary s;
  s.config_path = m.files.config;
  s.checkpoint_path = m.files.checkpoint;
  s.checkpoint_format = m.checkpoint_format;
  s.vocab_path = m.files.vocab;
  s.card_path = m.files.card;
  s.cnn = m.config.cnn;
  s.encoder = m.config.encoder;
  s.device = m.device.str();
  s.dtype = c10::toString(m.dtype);
  s.text_dtype = m.text_int8 ? "int8 (dynamic, " + dynamic_int8_engine() + ")" : s.dtype;
  s.basis_path = m.files.image_basis;
  s.img_size = m.config.img_size;
  s.embedding_dim = m.config.img_feature_dim;
  s.max_text_len = m.config.max_text_len;
  s.effective_text_len = state_->text_len;
  s.image_parameters = count_parameters(*m.model->imgencoder);
  s.text_parameters = count_parameters(*m.model->textencoder);
  s.vocab_size = static_cast<int64_t>(state_->tokenizer->vocab_size());
  s.keys_loaded = static_cast<int64_t>(m.report.loaded.size());
  s.keys_ignored = static_cast<int64_t>(m.report.ignored.size());
  s.bytes_read = m.report.bytes_read;
  s.image_layout = describe_layout(m.model->imgencoder->backbone->layout());
  s.load_seconds = m.load_seconds;
  return s;
}

TextSetup load_text_setup(const ModelFiles& files, int max_text_len) {
  BRIVL_CHECK(max_text_len >= 2, "--max-text-len must be at least 2 ([CLS] and [SEP]), got ", max_text_len);
  // Only the checkpoint's index is read (to derive BERT sizes when the config lacks them).
  const auto shapes = CheckpointReader::open(files.checkpoint)->shapes();
  const auto config = load_model_config(files.config, &shapes);
  return TextSetup{BertTokenizer::from_file(files.vocab),
                   static_cast<int>(std::min<int64_t>(max_text_len, config.max_text_len))};
}

std::string runtime_description(int threads) {
  std::ostringstream out;
  out << "LibTorch " << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH << ", CUDA: " << (torch::cuda::is_available() ? "yes" : "no")
      << ", threads: " << (threads > 0 ? threads : at::get_num_threads());
  return out.str();
}

Matrix cosine_matrix(const Matrix& a, const Matrix& b) {
  BRIVL_CHECK(a.cols == b.cols, "cosine_matrix: dimensions differ (", a.cols, " vs ", b.cols, ")");
  Matrix out{a.rows, b.rows, std::vector<float>(static_cast<size_t>(a.rows * b.rows))};
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t j = 0; j < b.rows; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < a.cols; ++k) dot += static_cast<double>(a.row(i)[k]) * b.row(j)[k];
      out.data[static_cast<size_t>(i * b.rows + j)] = static_cast<float>(dot);
    }
  }
  return out;
}

}  // namespace brivl
