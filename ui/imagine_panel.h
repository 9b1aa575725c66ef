#pragma once
// The Imagine tab: prompt, presets and settings, Start/Stop, the live canvas, the similarity
// plot, the filmstrip of intermediate frames and the export. The engine runs in ImagineWorker.
#include <QImage>
#include <QWidget>

class QComboBox;
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
  bool isRunning() const { return running_; }
  // Writes the last finished image as PNG with its settings embedded. False (and `error`) on failure.
  bool exportTo(const QString& path, QString* error = nullptr);
  const QImage& lastImage() const { return lastImage_; }
  const QString& lastSettingsJson() const { return lastSettingsJson_; }
  LineChart* chart() const { return chart_; }

 Q_SIGNALS:
  void previewArrived(int step, const QImage& image);
  void runFinished(const QImage& image);
  void runStopped(int step);
  void problem(const QString& title, const QString& message);

 private:
  QWidget* buildSettings();
  QWidget* buildPromptRow();
  void applyPreset(const QString& name);
  void markCustom();
  brivl::ImagineSettings settingsFromForm() const;
  void exportWithDialog();
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
