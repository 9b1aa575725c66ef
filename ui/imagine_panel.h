#pragma once
// The Imagine tab: prompt (with a helper for weighted terms), presets and settings,
// Start/Pause/Stop, a queue of jobs, the live canvas, the indexed images nearest to it (Near), the similarity plot, the filmstrip of
// intermediate frames, the persistent history (reopen, replay, delete) and the exports (image,
// animation, contact sheet); dropping an exported image restores its settings. The engine runs
// in ImagineWorker.
#include <QElapsedTimer>
#include <QImage>
#include <QWidget>
#include <optional>
#include <utility>
#include <vector>

#include "imagine/imagine_settings.h"
#include "ui/workers/retrieval_worker.h"  // SearchResult (the Near strip's answers)

class QComboBox;
class QDragEnterEvent;
class QDropEvent;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QTabWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;


namespace brivl::ui {

class Filmstrip;
class HistoryGallery;
class ImageCanvas;
class PromptTermButton;
class ImagineWorker;
class LineChart;
class ModelHost;
class NearStrip;
class ExplainRunner;

class ImaginePanel : public QWidget {
  Q_OBJECT
 public:
  explicit ImaginePanel(ModelHost* host, QWidget* parent = nullptr);
  ~ImaginePanel() override;

  void setPrompt(const QString& prompt);
  // Starts the form's settings now, or (while a run is going) puts them in the queue.
  void start();
  // Puts the form's settings at the end of the queue; they start when the runs before them end
  // (finished, stopped or failed). Starts at once when nothing runs.
  void enqueue();
  int queueLength() const { return static_cast<int>(queue_.size()); }
  void clearQueue();
  // History: shows an entry's image, curve and settings (every setting, also those without a
  // field in the form); replay runs them again (queued while a run is going).
  void reopen(int row);
  void replay(int row);
  HistoryGallery* history() const { return history_; }
  PromptTermButton* termButton() const { return termButton_; }
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
  // "Near": the indexed images nearest to the current image (answers to nearWanted).
  void showNear(const QVector<SearchResult>& results);
  NearStrip* nearStrip() const { return near_; }
  const QImage& shownImage() const;  // what the canvas shows: a frame, the image, or its map
  const QString& lastSettingsJson() const { return lastSettingsJson_; }
  LineChart* chart() const { return chart_; }

 Q_SIGNALS:
  void previewArrived(int step, const QImage& image);
  // Each preview and the final image: the window asks the Retrieve tab's index for its neighbours.
  void nearWanted(const QImage& image);
  void nearSearchRequested(const QString& path);  // a neighbour double-clicked
  void runFinished(const QImage& image);  // once the run's entry is in the history (or failed to be)
  void runStopped(int step);
  void problem(const QString& title, const QString& message);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void updateWhere();  // the map over the last image when "Where?" is on, else the image itself
  QWidget* buildSettings();
  QWidget* buildPromptRow();
  QWidget* buildQueue();
  struct Job {
    brivl::ImagineSettings settings;
    int previewEvery = 1;
  };
  // The form as a job; false (and a problem shown) when the settings are not valid.
  std::optional<Job> jobFromForm();
  void run(const Job& job);
  void startNext();  // the next queued job, if any and nothing runs
  void refreshQueue();
  // Fills the form from settings made elsewhere (an export, a history entry); the settings the
  // form has no field for are kept and used by the next start.
  void restoreSettings(const brivl::ImagineSettings& s, const QString& origin);
  void applyPreset(const QString& name);
  void markCustom();
  // Fewer steps than the layout search needs: the form's search shrinks with them (as the CLI's
  // does), so Start never refuses a "steps per start" the user did not type.
  void fitSearchToSteps();
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
  NearStrip* near_;
  QPushButton* where_;         // "Where?": the prompt's relevance map over the finished image
  ExplainRunner* explainer_;
  QLineEdit* prompt_;
  QLineEdit* morph_;      // the morph's second prompt (ImagineSettings::to); empty: no morph
  QPushButton* start_;
  QPushButton* stop_;
  QPushButton* export_;
  QPushButton* exportProgression_;
  QPushButton* pause_;
  QPushButton* queueButton_;
  PromptTermButton* termButton_;
  QComboBox* preset_;
  QSpinBox* steps_;
  QSpinBox* size_;
  QSpinBox* seed_;
  QSpinBox* cutouts_;
  QSpinBox* blobs_;       // ellipses of the blobs image
  QSpinBox* starts_;      // layout search: random starts
  QSpinBox* startSteps_;  // ... and the steps each runs before they are compared
  QSpinBox* screen_;      // screening: random starts scored before the search
  QComboBox* param_;
  QComboBox* optimizer_ = nullptr;  // advanced: adam | gd
  QDoubleSpinBox* lr_;
  QLineEdit* initImage_;
  QWidget* advanced_;
  // The form's number fields and the setting each one edits. `shown`: what the box showed for a
  // restored value; while it still shows that, the restored value is used exactly (a box rounds
  // to its decimals and clamps to its range).
  struct NumberField {
    QDoubleSpinBox* box;
    double& (*setting)(brivl::ImagineSettings&);
    double shown = 0;
  };
  std::vector<NumberField> numbers_;
  QDoubleSpinBox* numberBox(QWidget* parent, const char* name, double min, double max, int decimals, double step,
                            double& (*setting)(brivl::ImagineSettings&));
  QWidget* buildAdvanced(QWidget* parent);
  QSpinBox* previewEvery_;
  ImageCanvas* canvas_;
  LineChart* chart_;
  Filmstrip* filmstrip_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* restoredNote_;
  QTabWidget* side_;
  QListWidget* queueList_;
  HistoryGallery* history_;
  std::vector<Job> queue_;
  std::optional<brivl::ImagineSettings> baseSettings_;  // restored settings beyond the form's fields
  int runSteps_ = 0;
  QElapsedTimer runClock_;
  std::vector<std::pair<int, double>> curve_;  // (step, similarity) of the current run
  double lastRobust_ = 0;
  int similaritySeries_ = 0, robustSeries_ = 0, lossSeries_ = 0;
  bool running_ = false;
  bool applyingPreset_ = false;
  // The user picked the preset (the combo): a model's recommended preset no longer replaces it.
  bool presetPicked_ = false;
  QImage lastImage_;
  QString lastSettingsJson_;
};

}  // namespace brivl::ui
