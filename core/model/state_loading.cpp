#include "model/state_loading.h"

#include <algorithm>

#include <map>
#include <set>
#include <sstream>

#include "util/error.h"

namespace brivl {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

std::string shape_string(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

// Lists up to `limit` items, then "... and N more".
void append_list(std::ostringstream& out, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  constexpr size_t kLimit = 12;
  out << "\n  " << title << " (" << items.size() << "): ";
  for (size_t i = 0; i < items.size() && i < kLimit; ++i) out << (i ? "; " : "") << items[i];
  if (items.size() > kLimit) out << "; ... and " << items.size() - kLimit << " more";
}

bool compatible_dtype(torch::ScalarType file, torch::ScalarType model) {
  if (c10::isFloatingType(model)) return c10::isFloatingType(file);
  return !c10::isFloatingType(file) && !c10::isComplexType(file);
}

}  // namespace

bool is_official_only(const std::string& key) {
  for (const char* tower : {"imgencoder.", "imgencoder_mom."}) {
    if (starts_with(key, std::string(tower) + "backbone.classifier.")) return true;
  }
  for (const char* tower : {"textencoder.", "textencoder_mom."}) {
    if (starts_with(key, std::string(tower) + "backbone.bert.pooler.") ||
        key == std::string(tower) + "backbone.bert.embeddings.position_ids") {
      return true;
    }
  }
  return false;
}

bool is_unused_for_inference(const std::string& key) {
  return starts_with(key, "imgencoder_mom.") || starts_with(key, "textencoder_mom.") || is_official_only(key);
}

std::vector<std::pair<std::string, torch::Tensor>> official_only_state(const ModelConfig& config) {
  constexpr int64_t kImageNetClasses = 1000;  // timm.create_model's default head, kept by brivl-nmi
  const int64_t features = config.cnn_spec.num_features, hidden = config.bert.hidden_size;
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const char* suffix : {"", "_mom"}) {
    const std::string image = std::string("imgencoder") + suffix + ".backbone.";
    out.emplace_back(image + "classifier.weight", torch::zeros({kImageNetClasses, features}));
    out.emplace_back(image + "classifier.bias", torch::zeros({kImageNetClasses}));
  }
  for (const char* suffix : {"", "_mom"}) {
    const std::string bert = std::string("textencoder") + suffix + ".backbone.bert.";
    out.emplace_back(bert + "embeddings.position_ids", torch::arange(config.bert.max_position, torch::kInt64).unsqueeze(0));
    out.emplace_back(bert + "pooler.dense.weight", torch::zeros({hidden, hidden}));
    out.emplace_back(bert + "pooler.dense.bias", torch::zeros({hidden}));
  }
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

StateLoadReport load_state_strict(torch::nn::Module& module, CheckpointReader& reader,
                                  const std::function<bool(const std::string&)>& ignore,
                                  const std::string& model_description,
                                  const std::function<void(int64_t, int64_t)>& on_progress) {
  std::map<std::string, torch::Tensor> targets;
  for (auto& [key, tensor] : module_state(module)) targets.emplace(key, tensor);
  int64_t bytes_to_read = 0;
  for (const auto& entry : reader.entries()) {
    if (!targets.count(entry.key)) continue;
    int64_t numel = 1;
    for (const int64_t d : entry.shape) numel *= d;
    bytes_to_read += numel * static_cast<int64_t>(c10::elementSize(entry.dtype));
  }
  std::vector<std::string> unexpected, mismatched, missing;
  std::set<const void*> adopted;  // storages already handed to a parameter
  StateLoadReport report;
  torch::NoGradGuard no_grad;
  for (const auto& entry : reader.entries()) {
    auto it = targets.find(entry.key);
    if (it == targets.end()) {
      (ignore && ignore(entry.key) ? report.ignored : unexpected).push_back(entry.key);
      continue;
    }
    auto& target = it->second;
    if (target.sizes() != c10::IntArrayRef(entry.shape)) {
      mismatched.push_back(entry.key + " got " + shape_string(entry.shape) + ", expected " + shape_string(target.sizes()));
    } else if (!compatible_dtype(entry.dtype, target.scalar_type())) {
      mismatched.push_back(entry.key + " has dtype " + c10::toString(entry.dtype) + ", expected " +
                           c10::toString(target.scalar_type()));
    } else if (mismatched.empty() && unexpected.empty()) {  // after the first problem only validate
      auto value = reader.read(entry);
      report.bytes_read += value.numel() * value.element_size();
      if (on_progress) on_progress(report.bytes_read, std::max(bytes_to_read, report.bytes_read));
      const void* storage = value.storage().unsafeGetStorageImpl();
      if (value.scalar_type() == target.scalar_type() && value.is_contiguous() && target.device().is_cpu() &&
          adopted.insert(storage).second) {
        target.set_data(value);  // take the record's memory: no copy (once per record, so no aliasing)
      } else {
        target.copy_(value);
      }
    }
    report.loaded.push_back(entry.key);
    targets.erase(it);
  }
  for (const auto& [key, tensor] : targets) missing.push_back(key);
  reader.release();
  if (!unexpected.empty() || !mismatched.empty() || !missing.empty()) {
    std::ostringstream out;
    out << reader.path() << ": checkpoint does not match " << model_description;
    append_list(out, "missing keys", missing);
    append_list(out, "unexpected keys", unexpected);
    append_list(out, "mismatched", mismatched);
    BRIVL_FAIL(out.str());
  }
  return report;
}

}  // namespace brivl
