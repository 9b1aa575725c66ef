#pragma once
// Runs one imagination (brivl::Imaginer::run) on its own QThread. Progress, previews and the
// result come back as queued signals; exceptions never leave the thread (failed/stopped).
// The destructor cancels and waits.
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "imagine/imaginer.h"

class QThread;

Q_DECLARE_METATYPE(brivl::ImagineProgress)

namespace brivl::ui {

class ImagineWorker : public QObject {
  Q_OBJECT
 public:
  explicit ImagineWorker(QObject* parent = nullptr);
  ~ImagineWorker() override;

  bool isRunning() const;
  // Starts a run once the previous one has reported; the engine is shared with the studio (one
  // run at a time per engine).
  void start(std::shared_ptr<brivl::Imaginer> imaginer, const brivl::ImagineSettings& settings, int previewEvery);
  void stop();  // asks the engine to stop before its next step
  // Holds the engine before its next step until resumed (or stopped); the image stays as it is.
  void setPaused(bool paused) { paused_ = paused; }
  bool isPaused() const { return paused_.load(); }
  void wait();

 Q_SIGNALS:
  void progress(const brivl::ImagineProgress& progress);
  void preview(int step, const QImage& image);
  // The final image and the settings it was made with (engine version and model filled in).
  void finished(const QImage& image, const QString& settingsJson);
  void stopped(int step);
  void failed(const QString& message);

 private:
  void run(std::shared_ptr<brivl::Imaginer> imaginer, brivl::ImagineSettings settings, int previewEvery);
  QThread* thread_ = nullptr;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> paused_{false};
  std::atomic<int> lastStep_{0};
};

}  // namespace brivl::ui
