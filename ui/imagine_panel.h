#pragma once
// The Imagine tab: prompt, presets and settings, Start/Pause/Stop, the live canvas, the similarity
// plot, the filmstrip of intermediate frames and the exports (image, animation, contact sheet);
// dropping an exported image restores its settings. The engine runs in ImagineWorker.
#include <QImage>
#include <QWidget>

class QComboBox;
class QDragEnterEvent;
class QDropEvent;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace brivl {
struct ImagineProgress;
struct ImagineSettings;
}  // namespace brivl

namespace brivl::ui {

class Filmstrip;
class ImageCanvas;
class ImagineWorker;
class LineChart;
class ModelHost;

class ImaginePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ImaginePanel(ModelHost* host, QWidget* parent = nullptr);
  ~ImaginePanel() override;

  void setPrompt(const QString& prompt);
  void start();
  void stop();
  void setPaused(bool paused);
  bool isRunning() const { return running_; }
  bool isPaused() const;
  // Writes the last finished image as PNG with its settings embedded. False (and `error`) on failure.
  bool exportTo(const QString& path, QString* error = nullptr);
  // Writes the filmstrip's frames as an animation (.gif, or .mp4 where OpenCV has FFmpeg) or, for
  // .png, as a contact sheet. False (and `error`) on failure.
  bool exportProgressionTo(const QString& path, QString* error = nullptr);
  // Fills the form with the settings embedded in an image exported by the studio or
  // `brivl imagine` (PNG/JPEG/WebP or its .json sidecar); what dropping such a file does.
  bool restoreSettingsFrom(const QString& path, QString* error = nullptr);
  const QImage& lastImage() const { return lastImage_; }
  const QString& lastSettingsJson() const { return lastSettingsJson_; }
  LineChart* chart() const { return chart_; }

 Q_SIGNALS:
  void previewArrived(int step, const QImage& image);
  void runFinished(const QImage& image);
  void runStopped(int step);
  void problem(const QString& title, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  QWidget* buildSettings();
  QWidget* buildPromptRow();
  void applyPreset(const QString& name);
  void markCustom();
  brivl::ImagineSettings settingsFromForm() const;
  // A save dialog in the last export folder, suggesting imagine-<seed>.<extension>; empty if cancelled.
  QString askExportPath(const QString& title, const QString& extension, const QString& filters);
  void exportWithDialog();
  void exportProgressionWithDialog();
  void setRunning(bool running);
  void onProgress(const brivl::ImagineProgress& p);
  void onPreview(int step, const QImage& image);
  void onFinished(const QImage& image, const QString& settingsJson);

  ModelHost* host_;
  ImagineWorker* worker_;
  QLineEdit* prompt_;
  QPushButton* start_;
  QPushButton* stop_;
  QPushButton* export_;
  QPushButton* exportProgression_;
  QPushButton* pause_;
  QComboBox* preset_;
  QSpinBox* steps_;
  QSpinBox* size_;
  QSpinBox* seed_;
  QSpinBox* cutouts_;
  QComboBox* param_;
  QDoubleSpinBox* lr_;
  QSpinBox* previewEvery_;
  ImageCanvas* canvas_;
  LineChart* chart_;
  Filmstrip* filmstrip_;
  QProgressBar* progress_;
  QLabel* status_;
  int similaritySeries_ = 0, robustSeries_ = 0, lossSeries_ = 0;
  bool running_ = false;
  bool applyingPreset_ = false;
  QImage lastImage_;
  QString lastSettingsJson_;
};

}  // namespace brivl::ui
