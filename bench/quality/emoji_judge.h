#pragma once
// The emoji judge: an image classifier over the emoji of the emoji data set
// (scripts/emoji-dataset), trained here on the emoji renders with strong augmentation (random
// backgrounds, placement, scale, rotation, colour, blur, noise) and never on imaginations. Its
// architecture is a small ResNet (plain 3x3 residual blocks, ReLU, global average pooling),
// deliberately unlike BriVL's EfficientNet image tower (depthwise MBConv, SiLU, squeeze-excite),
// so the features an imagination exploits in BriVL's tower are not the judge's features.
// It is kept out of core: nothing ever optimises against it (design §2).
#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

#include "vision/image_decode.h"

namespace brivl::quality {

// One emoji: its image in the data set and its Chinese name (the first caption of the image).
struct EmojiClass {
  std::string image;  // absolute path of the render
  std::string id;     // the render's file name without extension: the hex code, e.g. 2764
  std::string name;   // e.g. 红心
};

// The classes of an emoji data folder (captions.csv), one per image, in file order.
std::vector<EmojiClass> read_emoji_classes(const std::string& data_dir);

struct EmojiJudgeTrainOptions {
  // 32 px and 100 epochs: ~4 minutes on 2 cores, augmented renders top-1 0.63 / top-5 0.88 of
  // 1,949; at 64 px an epoch costs ~20x more and 30 epochs stayed near chance (docs/IMAGINE_QUALITY.md).
  int64_t input_size = 32;   // the classifier's input side
  int64_t epochs = 100;
  int64_t batch_size = 96;
  double lr = 1e-3;
  uint64_t seed = 0;
  std::function<void(int64_t epoch, double loss, double accuracy)> on_epoch;
};

class EmojiJudge {
 public:
  // Trains the classifier on the renders of `classes`.
  static EmojiJudge train(const std::vector<EmojiClass>& classes, const EmojiJudgeTrainOptions& options);
  // Saves / loads the weights and the class names (`path` and `path`.json).
  void save(const std::string& path) const;
  static EmojiJudge load(const std::string& path);

  // Class indices by decreasing probability: the first k.
  std::vector<int64_t> top_k(const RgbImage& image, int64_t k) const;
  // Top-1/top-5 accuracy on `repeats` augmented copies of every class image (a sanity check of
  // the judge itself, not of any imagination).
  std::pair<double, double> augmented_accuracy(const std::vector<EmojiClass>& classes, int repeats, uint64_t seed) const;
  // The class of this id (hex code); -1 when there is none.
  int64_t class_of(const std::string& id) const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  EmojiJudge(torch::nn::Sequential net, std::vector<std::string> ids, std::vector<std::string> names, int64_t input_size);
  torch::Tensor prepare(const RgbImage& image) const;  // [1, 3, S, S] in [0, 1]
  mutable torch::nn::Sequential net_;  // forward() is not const in LibTorch; inference changes nothing
  std::vector<std::string> ids_, names_;
  int64_t input_size_ = 64;
};

}  // namespace brivl::quality
