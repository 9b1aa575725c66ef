#pragma once
// Torch-free facade of the imagination engine for the CLI and the studio: load a model once, then
// imagine prompts with progress, preview and cancel hooks.
#include <functional>
#include <memory>
#include <string>

#include "embed/embedder.h"
#include "imagine/imagine_settings.h"
#include "vision/image_decode.h"

namespace brivl {

struct ImagineHooks {
  std::function<void(const ImagineProgress&)> on_progress;    // after every step
  std::function<void(int step, const RgbImage&)> on_preview;  // every `preview_every` steps and at the end
  int preview_every = 0;                                      // 0: only the final image
  // ImagineProgress::similarity every this many steps and at the last (NaN between): each one is
  // a forward pass of the clean image, which a caller that shows no curve need not pay for.
  int similarity_every = 1;
  std::function<bool()> should_cancel;                        // checked before every step
};

class Imaginer {
 public:
  static Imaginer load(const ModelFiles& files, const EmbedderOptions& options);
  // An engine on a model that is already loaded (the studio's retrieval uses the same one, so a
  // large model sits in memory once). `checkpoint` is hashed for model_fingerprint();
  // `views_per_pass` > 0 fixes the views per forward pass (EmbedderOptions::image_batch_size).
  // `basis_file`: the bundle's image basis (ModelFiles::image_basis; "" = none), read when an
  // imagination first asks for param "basis".
  // The embedder may be used from another thread meanwhile: both only run the frozen model.
  Imaginer(std::shared_ptr<Embedder> embedder, const std::string& checkpoint, int views_per_pass = 0,
           const std::string& basis_file = "");
  Imaginer(Imaginer&&) noexcept;
  Imaginer& operator=(Imaginer&&) noexcept;
  ~Imaginer();

  bool on_gpu() const;
  const std::shared_ptr<Embedder>& embedder() const;
  // "size:<bytes> crc32:<sampled crc>" of the checkpoint: identifies the weights in exports.
  const std::string& model_fingerprint() const;
  // The same of the bundle's image basis file ("" when it has none): read from disk on each call,
  // so a replay compares with the file as it is now.
  std::string basis_fingerprint() const;
  // Runs settings.steps steps and returns the final image. Fills settings.engine_version,
  // settings.model_fingerprint and (param "basis") settings.basis_fingerprint. Throws brivl::Cancelled when hooks.should_cancel() says so.
  RgbImage run(ImagineSettings& settings, const ImagineHooks& hooks = {});

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace brivl
