// GUI test of brivl-studio: drives the real widgets with the embedded default model under
// QT_QPA_PLATFORM=offscreen. Imagine (type, start, previews, stop, export, --replay of the export),
// Retrieve (index a folder with a broken file, query it), Train (build shapes, a one-epoch run
// through the `brivl` CLI, chart and status, use the run as the model). A 10 ms timer measures
// how long the UI event loop ever went without running (printed, for the record).
#include <QApplication>
#include <QProgressBar>
#include <QDialogButtonBox>
#include <QLogValueAxis>
#include <QJsonObject>
#include <QJsonDocument>
#include <QCheckBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QInputMethodEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QComboBox>
#include <QPushButton>
#include <QToolButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QDoubleSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QDialog>
#include <QTextBrowser>
#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QTimer>
#include <QMenuBar>
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "export/image_export.h"
#include "export/png_export.h"
#include "imagine/imagine_settings.h"
#include "util/atomic_file.h"
#include "train/distributed/availability.h"
#include "ui/error_panel.h"
#include "ui/filmstrip.h"
#include "ui/history_gallery.h"
#include "ui/prompt_term_button.h"
#include "ui/imagine_panel.h"
#include "ui/near_strip.h"
#include "ui/line_chart.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/model_files_dialog.h"
#include "ui/model_host.h"
#include "ui/result_model.h"
#include "ui/retrieve_panel.h"
#include "ui/run_list.h"
#include "ui/run_monitor.h"
#include "ui/studio_paths.h"
#include "ui/train_panel.h"
#include "vision/image_decode.h"

namespace {

const QString kSource = QStringLiteral(BRIVL_SOURCE_DIR);

// The longest gap between two ticks of a 10 ms timer: how long the event loop was blocked.
class StallMeter : public QObject {
 public:
  StallMeter() {
    timer_.setInterval(10);
    timer_.setTimerType(Qt::PreciseTimer);
    connect(&timer_, &QTimer::timeout, this, [this] {
      if (clock_.isValid()) worst_ = std::max(worst_, clock_.restart());
      else clock_.start();
    });
  }
  void start() {
    clock_.invalidate();
    timer_.start();
  }
  void pause() { timer_.stop(); }  // around the test's own blocking calls
  qint64 worstMs() const { return worst_; }
  qint64 takeWorst() {
    const qint64 w = worst_;
    overall_ = std::max(overall_, w);
    worst_ = 0;
    return w;
  }
  qint64 overallMs() const { return std::max(overall_, worst_); }

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 worst_ = 0, overall_ = 0;
};

// What a Chinese input method does when the user picks the characters: commit them as a whole
// (QTest::keyClicks only knows Latin-1 keys).
void imeCommit(QWidget* widget, const QString& text) {
  widget->setFocus();
  QInputMethodEvent event;
  event.setCommitString(text);
  QApplication::sendEvent(widget, &event);
}

template <typename T>
T* child(QObject* parent, const char* name) {
  T* w = parent->findChild<T*>(QLatin1String(name));
  if (!w) qFatal("no child widget named %s", name);
  return w;
}

}  // namespace

class StudioTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase();
  void modelLoadErrorIsShownAndTheLoadedModelStays();
  void imagineShowsPreviewsStopsAndExportsReplayableSettings();
  void imagineQueuesJobsKeepsAHistoryAndReplaysIt();
  void retrieveIndexesFolderWithBrokenFileAndFindsImages();
  void aboutNamesVersionPaperModelAndAttributions();  // before Train: it switches to the trained model
  void trainBuildsShapesRunsOneEpochAndServesAsModel();
  void trainStopsWithCheckpointAndResumesToTheEnd();
  void cleanupTestCase();

 private:
  void waitForModel(const QString& dir);
  std::unique_ptr<brivl::ui::MainWindow> window_;
  QTemporaryDir work_;
  StallMeter meter_;
};

void StudioTest::initTestCase() {
  QVERIFY(work_.isValid());
  window_ = std::make_unique<brivl::ui::MainWindow>();
  window_->resize(1280, 800);
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  window_->start(QString());  // first start: the embedded default model
  QTRY_VERIFY_WITH_TIMEOUT(window_->modelHost()->state() != brivl::ui::ModelHost::State::Loading, 120000);
  QVERIFY2(window_->modelHost()->isReady(), qPrintable(window_->errorPanel()->message()));
  qInfo("default model: %s", qPrintable(window_->modelHost()->model().request.dir));
  meter_.start();
}

// Help → About: a modal box; read it from a timer (exec() blocks), optionally save a picture of it
// (BRIVL_TEST_SHOTS=DIR), then close it.
void StudioTest::aboutNamesVersionPaperModelAndAttributions() {
  // The menu bar's action whose text contains `text` (null when there is none).
  const auto menuAction = [this](const QString& text) -> QAction* {
    for (auto* menu : window_->menuBar()->findChildren<QMenu*>())
      for (auto* action : menu->actions())
        if (action->text().contains(text)) return action;
    return nullptr;
  };
  QAction* about = menuAction(QStringLiteral("About BriVL"));
  QVERIFY(about != nullptr);
  QString text;
  QTimer::singleShot(200, this, [&text] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    text = box->text();
    if (qEnvironmentVariableIsSet("BRIVL_TEST_SHOTS"))
      box->grab().save(qEnvironmentVariable("BRIVL_TEST_SHOTS") + QStringLiteral("/about.png"));
    box->accept();
  });
  about->trigger();
  QVERIFY2(text.contains(QApplication::applicationVersion().isEmpty() ? QStringLiteral("BriVL Studio")
                                                                       : QApplication::applicationVersion()),
           qPrintable(text));
  QVERIFY(text.contains(QStringLiteral("Nature Communications 13:3094")));
  QVERIFY(text.contains(QStringLiteral("OpenMoji")));  // CC BY-SA asks for attribution
  QVERIFY(text.contains(window_->modelHost()->model().fingerprint.toHtmlEscaped()));

  // Help → Model card renders the bundle's MODEL_CARD.md.
  QAction* card = menuAction(QStringLiteral("Model card"));
  QVERIFY(card != nullptr);
  QString cardText;
  QTimer::singleShot(200, this, [&cardText] {
    auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    if (!dialog) return;
    if (auto* browser = dialog->findChild<QTextBrowser*>(QStringLiteral("modelCardText"))) cardText = browser->toPlainText();
    dialog->reject();
  });
  card->trigger();
  QVERIFY2(cardText.contains(QStringLiteral("OpenMoji")), qPrintable(cardText.left(300)));
}

void StudioTest::modelLoadErrorIsShownAndTheLoadedModelStays() {
  const QString loaded = window_->modelHost()->model().request.dir;
  // The default model recommends the layout preset (its imagine.json): the Imagine tab starts with it.
  auto* preset = child<QComboBox>(window_->imaginePanel(), "presetCombo");
  QCOMPARE(window_->modelHost()->model().recommendedPreset, QStringLiteral("layout"));
  QCOMPARE(preset->currentText(), QStringLiteral("layout"));
  QCOMPARE(child<QComboBox>(window_->imaginePanel(), "paramCombo")->currentText(), QStringLiteral("blobs"));
  const QString empty = work_.filePath(QStringLiteral("not-a-model"));
  QVERIFY(QDir().mkpath(empty));
  window_->modelBar()->loadModel(empty);
  QTRY_VERIFY_WITH_TIMEOUT(window_->modelHost()->state() == brivl::ui::ModelHost::State::Failed, 30000);
  QVERIFY(window_->errorPanel()->isVisible());
  QVERIFY2(window_->errorPanel()->message().contains(QStringLiteral("no checkpoint")), qPrintable(window_->errorPanel()->message()));
  QVERIFY(window_->modelHost()->isReady());  // the previous model is still there to use
  QCOMPARE(window_->modelHost()->model().request.dir, loaded);
  QVERIFY(!window_->modelBar()->recentModels().contains(empty));
  window_->modelBar()->loadModel(loaded);
  waitForModel(loaded);
  QVERIFY(!window_->errorPanel()->isVisible());

  // The three official files wherever they are (here: the default model's, copied apart).
  const QString apart = work_.filePath(QStringLiteral("files-apart"));
  QVERIFY(QDir().mkpath(apart + QStringLiteral("/a")) && QDir().mkpath(apart + QStringLiteral("/b")));
  const QString config = apart + QStringLiteral("/a/eval.yml"), checkpoint = apart + QStringLiteral("/b/weights.pth"),
                vocab = apart + QStringLiteral("/vocab.txt");
  QVERIFY(QFile::copy(loaded + QStringLiteral("/config.yml"), config));
  QVERIFY(QFile::copy(loaded + QStringLiteral("/checkpoint.pth"), checkpoint));
  QVERIFY(QFile::copy(loaded + QStringLiteral("/vocab.txt"), vocab));
  {
    brivl::ui::ModelFilesDialog dialog;
    auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    dialog.setFiles(config, apart + QStringLiteral("/missing.pth"), vocab);
    QVERIFY(!ok->isEnabled());
    QVERIFY2(child<QLabel>(&dialog, "modelFilesProblem")->text().contains(QStringLiteral("missing.pth")),
             qPrintable(child<QLabel>(&dialog, "modelFilesProblem")->text()));
    if (qEnvironmentVariableIsSet("BRIVL_TEST_SHOTS"))
      dialog.grab().save(qEnvironmentVariable("BRIVL_TEST_SHOTS") + QStringLiteral("/model-files.png"));
    dialog.setFiles(config, checkpoint, vocab);
    QVERIFY(ok->isEnabled());
    QCOMPARE(dialog.checkpoint(), checkpoint);
  }
  QSignalSpy progress(window_->modelHost(), &brivl::ui::ModelHost::loadProgress);
  window_->modelBar()->loadFiles(config, checkpoint, vocab);
  QVERIFY(child<QProgressBar>(window_->modelBar(), "modelLoadProgress")->isVisible());
  QTRY_VERIFY_WITH_TIMEOUT(window_->modelHost()->state() != brivl::ui::ModelHost::State::Loading, 60000);
  QVERIFY(!child<QProgressBar>(window_->modelBar(), "modelLoadProgress")->isVisible());
  QVERIFY(progress.count() >= 1);
  QCOMPARE(progress.last().at(0).toInt(), 1000);  // the whole checkpoint read
  QVERIFY2(window_->modelHost()->isReady() && window_->modelHost()->model().request.hasFiles(), qPrintable(window_->errorPanel()->message()));
  QCOMPARE(QString::fromStdString(window_->modelHost()->model().files.checkpoint), checkpoint);
  QCOMPARE(QString::fromStdString(window_->modelHost()->model().files.vocab), vocab);
  const QString source = window_->modelHost()->model().request.source();
  QVERIFY(window_->modelBar()->recentModels().contains(source));
  QCOMPARE(brivl::ui::ModelRequest::fromSource(source).checkpoint, checkpoint);
  // Files without a bundle recommend nothing: the preset the user has not picked falls back to draft.
  QVERIFY(window_->modelHost()->model().recommendedPreset.isEmpty());
  QCOMPARE(preset->currentText(), QStringLiteral("draft"));
  QCOMPARE(child<QComboBox>(window_->imaginePanel(), "paramCombo")->currentText(), QStringLiteral("fourier"));
  window_->modelBar()->loadModel(loaded);
  waitForModel(loaded);
  QCOMPARE(preset->currentText(), QStringLiteral("layout"));

  // int8 (the text tower in dynamic int8 on the CPU) is a precision like the others: picking it
  // reloads the model with it, and the status line says so.
  auto* dtype = child<QComboBox>(window_->modelBar(), "dtypeCombo");
  QVERIFY(dtype->findText(QStringLiteral("int8")) >= 0);
  for (const auto& precision : {QStringLiteral("int8"), QStringLiteral("fp32")}) {
    dtype->setCurrentText(precision);
    Q_EMIT dtype->textActivated(precision);
    QTRY_VERIFY_WITH_TIMEOUT(window_->modelHost()->isReady() && window_->modelHost()->model().request.dtype == precision, 60000);
    const QString status = child<QLabel>(window_->modelBar(), "modelStatus")->text();
    QVERIFY2(status.contains(precision), qPrintable(status));
  }
}

void StudioTest::imagineShowsPreviewsStopsAndExportsReplayableSettings() {
  auto* panel = window_->imaginePanel();
  window_->tabs()->setCurrentWidget(panel);
  // Presets are whole recipes: layout switches to one screened ellipse, draft back to Fourier.
  auto* preset = child<QComboBox>(panel, "presetCombo");
  preset->setCurrentText(QStringLiteral("layout"));
  Q_EMIT preset->textActivated(QStringLiteral("layout"));
  QCOMPARE(child<QComboBox>(panel, "paramCombo")->currentText(), QStringLiteral("blobs"));
  QCOMPARE(child<QSpinBox>(panel, "screenSpin")->value(), 256);
  QCOMPARE(child<QSpinBox>(panel, "blobsSpin")->value(), 1);
  QCOMPARE(child<QDoubleSpinBox>(panel, "minScaleSpin")->value(), 0.9);
  QCOMPARE(preset->currentText(), QStringLiteral("layout"));
  // Fewer steps than the search's 25 per start: the search shrinks on the form (a quarter per start).
  QCOMPARE(child<QSpinBox>(panel, "startStepsSpin")->value(), 25);
  child<QSpinBox>(panel, "stepsSpin")->setValue(20);
  QCOMPARE(child<QSpinBox>(panel, "startStepsSpin")->value(), 5);
  QCOMPARE(child<QSpinBox>(panel, "startsSpin")->value(), 8);
  child<QSpinBox>(panel, "stepsSpin")->setValue(40);  // a valid search is left as it is
  QCOMPARE(child<QSpinBox>(panel, "startStepsSpin")->value(), 5);
  Q_EMIT preset->textActivated(QStringLiteral("draft"));
  QCOMPARE(child<QComboBox>(panel, "paramCombo")->currentText(), QStringLiteral("fourier"));
  QCOMPARE(child<QSpinBox>(panel, "screenSpin")->value(), 0);
  QCOMPARE(child<QDoubleSpinBox>(panel, "minScaleSpin")->value(), 0.3);
  QCOMPARE(preset->currentText(), QStringLiteral("draft"));
  auto* prompt = child<QLineEdit>(panel, "promptEdit");
  prompt->clear();
  imeCommit(prompt, QStringLiteral("雪地里的红色狐狸"));
  QTest::keyClicks(prompt, QStringLiteral(":1"));
  QCOMPARE(prompt->text(), QStringLiteral("雪地里的红色狐狸:1"));
  child<QSpinBox>(panel, "stepsSpin")->setValue(12);
  child<QSpinBox>(panel, "sizeSpin")->setValue(64);
  child<QSpinBox>(panel, "previewEverySpin")->setValue(2);
  child<QSpinBox>(panel, "seedSpin")->setValue(7);

  QSignalSpy previews(panel, &brivl::ui::ImaginePanel::previewArrived);
  QSignalSpy finished(panel, &brivl::ui::ImaginePanel::runFinished);
  QTest::mouseClick(child<QPushButton>(panel, "startButton"), Qt::LeftButton);
  QVERIFY(panel->isRunning());
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 180000);
  QVERIFY2(previews.count() >= 2, qPrintable(QString::number(previews.count())));
  const QImage first = previews.first().at(1).value<QImage>();
  const QImage last = previews.last().at(1).value<QImage>();
  QCOMPARE(first.size(), QSize(64, 64));
  QVERIFY2(first != last, "the previews did not change");
  QCOMPARE(panel->chart()->pointCount(0), 12);  // similarity after every step
  QCOMPARE(child<brivl::ui::Filmstrip>(panel, "filmstrip")->count(), previews.count() + 1);
  // "Where?": the prompt's relevance map laid over the finished image; off again, the image itself.
  auto* where = child<QPushButton>(panel, "imagineWhereToggle");
  QVERIFY(where->isEnabled());
  where->click();
  QTRY_VERIFY_WITH_TIMEOUT(panel->shownImage() != panel->lastImage(), 60000);
  QCOMPARE(panel->shownImage().size(), panel->lastImage().size());
  where->click();
  QCOMPARE(panel->shownImage(), panel->lastImage());
  // Nothing indexed yet: the Near strip says how to get neighbours instead of showing any.
  QTRY_VERIFY_WITH_TIMEOUT(!child<QLabel>(panel, "nearHint")->isHidden(), 10000);
  QCOMPARE(panel->nearStrip()->count(), 0);
  qInfo("imagine: %d previews, worst event-loop gap %lld ms", static_cast<int>(previews.count()), meter_.worstMs());

  // Export, read the settings back, and let the CLI replay the export.
  const QString exported = work_.filePath(QStringLiteral("fox.png"));
  QString error;
  QVERIFY2(panel->exportTo(exported, &error), qPrintable(error));
  meter_.pause();
  std::string json;
  for (const auto& [key, text] : brivl::read_png_text_file(exported.toStdString())) {
    if (key == brivl::kSettingsKey) json = text;
  }
  const auto settings = brivl::ImagineSettings::from_json(json, exported.toStdString());
  QCOMPARE(QString::fromStdString(settings.prompt), QStringLiteral("雪地里的红色狐狸:1"));
  QCOMPARE(settings.steps, 12);
  QCOMPARE(settings.width, 64);
  QCOMPARE(settings.seed, uint64_t{7});
  QVERIFY(!settings.model_fingerprint.empty());
  const QString replayed = work_.filePath(QStringLiteral("fox-again.png"));
  QProcess cli;
  cli.start(brivl::ui::brivlCliPath(), {QStringLiteral("imagine"), QStringLiteral("--replay"), exported,
                                                QStringLiteral("-o"), replayed});
  QVERIFY(cli.waitForFinished(180000));
  QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
  const auto a = brivl::decode_image_file(exported.toStdString());
  const auto b = brivl::decode_image_file(replayed.toStdString());
  QVERIFY2(a.pixels == b.pixels, "brivl imagine --replay of the studio's export gave other pixels");

  // The progression as a GIF and as a contact sheet.
  const QString gif = work_.filePath(QStringLiteral("fox.gif")), sheet = work_.filePath(QStringLiteral("fox-sheet.png"));
  QVERIFY2(panel->exportProgressionTo(gif, &error), qPrintable(error));
  QFile gifFile(gif);
  QVERIFY(gifFile.open(QIODevice::ReadOnly));
  QCOMPARE(gifFile.read(6), QByteArray("GIF89a"));
  QVERIFY2(panel->exportProgressionTo(sheet, &error), qPrintable(error));
  QVERIFY(brivl::decode_image_file(sheet.toStdString()).width > 64);

  // Dropping the export back restores its settings into the form.
  child<QSpinBox>(panel, "stepsSpin")->setValue(99);
  child<QSpinBox>(panel, "seedSpin")->setValue(1);
  prompt->setText(QStringLiteral("别的"));
  QVERIFY2(panel->restoreSettingsFrom(exported, &error), qPrintable(error));
  QCOMPARE(prompt->text(), QStringLiteral("雪地里的红色狐狸:1"));
  QCOMPARE(child<QSpinBox>(panel, "stepsSpin")->value(), 12);
  QCOMPARE(child<QSpinBox>(panel, "seedSpin")->value(), 7);
  QVERIFY(!panel->restoreSettingsFrom(kSource + QStringLiteral("/assets/samples/emoji_1F431.png"), &error));
  QVERIFY2(error.contains(QStringLiteral("no BriVL settings")), qPrintable(error));
  // A settings JSON file (a sidecar a person edited) restores like the image it came with.
  {
    auto edited = brivl::ImagineSettings::from_json(*brivl::read_image_settings(exported.toStdString()), "export");
    edited.prompt = "蓝色的正方形";
    edited.seed = 11;
    const QString json = work_.filePath(QStringLiteral("edited.json"));
    brivl::write_file_atomically(json.toStdString(), edited.to_json());
    QVERIFY2(panel->restoreSettingsFrom(json, &error), qPrintable(error));
    QCOMPARE(prompt->text(), QStringLiteral("蓝色的正方形"));
    QCOMPARE(child<QSpinBox>(panel, "seedSpin")->value(), 11);
    QCOMPARE(child<QSpinBox>(panel, "stepsSpin")->value(), 12);
    const QString broken = work_.filePath(QStringLiteral("broken.json"));
    brivl::write_file_atomically(broken.toStdString(), R"({"prompt": "猫", "steps": "many"})");
    QVERIFY(!panel->restoreSettingsFrom(broken, &error));
    QVERIFY2(error.contains(QStringLiteral("broken.json")) && error.contains(QStringLiteral("'steps'")), qPrintable(error));
  }
  meter_.start();

  // Stop: a long run ends at the next step with runStopped.
  QSignalSpy stopped(panel, &brivl::ui::ImaginePanel::runStopped);
  child<QSpinBox>(panel, "stepsSpin")->setValue(5000);
  QTest::mouseClick(child<QPushButton>(panel, "startButton"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(panel->chart()->pointCount(0) >= 2, 60000);
  // Pause holds the engine before its next step (one already under way may still finish).
  QTest::mouseClick(child<QPushButton>(panel, "pauseButton"), Qt::LeftButton);
  QVERIFY(panel->isPaused());
  QTest::qWait(300);
  const int held = panel->chart()->pointCount(0);
  QTest::qWait(700);
  QCOMPARE(panel->chart()->pointCount(0), held);
  QTest::mouseClick(child<QPushButton>(panel, "pauseButton"), Qt::LeftButton);  // resume
  QVERIFY(!panel->isPaused());
  QTRY_VERIFY_WITH_TIMEOUT(panel->chart()->pointCount(0) > held, 60000);
  QTest::mouseClick(child<QPushButton>(panel, "pauseButton"), Qt::LeftButton);  // stop while paused
  QTest::mouseClick(child<QPushButton>(panel, "stopButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(stopped.count(), 1, 60000);
  QVERIFY(!panel->isPaused());
  QVERIFY(!panel->isRunning());
  QVERIFY(child<QPushButton>(panel, "startButton")->isEnabled());
  qInfo("imagine + stop: worst event-loop gap %lld ms", meter_.takeWorst());
}

// The prompt's term helper, a queue of two jobs run one after the other, the persistent history
// (listed again from its folder), reopening an entry, replaying one to the same pixels, deleting.
void StudioTest::imagineQueuesJobsKeepsAHistoryAndReplaysIt() {
  auto* panel = window_->imaginePanel();
  auto* history = panel->history();
  auto* prompt = child<QLineEdit>(panel, "promptEdit");
  QCOMPARE(history->entryCount(), 1);  // the finished fox run; the stopped one is not kept
  QCOMPARE(QString::fromStdString(history->entry(0).settings.prompt), QStringLiteral("雪地里的红色狐狸:1"));
  QCOMPARE(history->entry(0).outcome.curve.size(), size_t{12});

  QString error;
  prompt->setText(QStringLiteral("红色的圆"));
  QVERIFY2(panel->termButton()->appendTerm(QStringLiteral("蓝色 | 方块"), -0.5, false, &error), qPrintable(error));
  QCOMPARE(prompt->text(), QStringLiteral("红色的圆:1 | 蓝色 \\| 方块:-0.5"));  // the bar is escaped: one term
  QVERIFY(!panel->termButton()->appendTerm(QStringLiteral("  "), 1, false, &error));
  QVERIFY2(error.contains(QStringLiteral("empty")), qPrintable(error));
  prompt->setText(QStringLiteral("红色的圆"));
  QVERIFY2(panel->termButton()->appendTerm(QStringLiteral("蓝色"), -0.5, false, &error), qPrintable(error));
  QCOMPARE(prompt->text(), QStringLiteral("红色的圆:1 | 蓝色:-0.5"));

  child<QSpinBox>(panel, "stepsSpin")->setValue(6);
  child<QSpinBox>(panel, "sizeSpin")->setValue(48);
  child<QSpinBox>(panel, "seedSpin")->setValue(3);
  QSignalSpy finished(panel, &brivl::ui::ImaginePanel::runFinished);
  auto* queueButton = child<QPushButton>(panel, "queueButton");
  QTest::mouseClick(queueButton, Qt::LeftButton);  // nothing runs: starts at once
  QVERIFY(panel->isRunning());
  child<QSpinBox>(panel, "seedSpin")->setValue(4);
  QTest::mouseClick(queueButton, Qt::LeftButton);  // waits for the first
  QCOMPARE(panel->queueLength(), 1);
  QCOMPARE(child<QListWidget>(panel, "queueList")->count(), 1);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
  QCOMPARE(panel->queueLength(), 0);
  QCOMPARE(history->entryCount(), 3);
  QCOMPARE(history->entry(0).settings.seed, uint64_t{4});
  QCOMPARE(history->entry(1).settings.seed, uint64_t{3});
  QCOMPARE(QString::fromStdString(history->entry(1).settings.prompt), QStringLiteral("红色的圆:1 | 蓝色:-0.5"));
  QCOMPARE(history->entry(0).outcome.curve.size(), size_t{6});
  QVERIFY(std::isfinite(history->entry(0).outcome.similarity));

  // The history is on disk: a gallery over the same folder lists the same entries.
  {
    brivl::ui::HistoryGallery again(history->folder());
    QSignalSpy reloaded(&again, &brivl::ui::HistoryGallery::reloaded);
    again.reload();  // listed on a pool thread
    QTRY_COMPARE_WITH_TIMEOUT(reloaded.count(), 1, 10000);
    QCOMPARE(again.entryCount(), 3);
    for (int row = 0; row < 3; ++row) QCOMPARE(again.entry(row).id, history->entry(row).id);
  }

  // Entries are written on the gallery's writer thread (an fsync under disk load once froze the
  // window here): add() returns before the entry is stored, and it appears when it is on disk.
  {
    QString stored = QStringLiteral("not called");
    history->add(panel->lastImage(), QString::fromStdString(history->entry(0).settings_json), history->entry(0).outcome,
                 [&stored](const QString& error) { stored = error; });
    QCOMPARE(history->pendingWrites(), 1);
    QCOMPARE(history->entryCount(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(history->pendingWrites(), 0, 10000);
    QCOMPARE(stored, QString());
    QCOMPARE(history->entryCount(), 4);
    QVERIFY(QFileInfo::exists(QString::fromStdString(history->entry(0).image_path)));
    QVERIFY2(history->removeRow(0, &error), qPrintable(error));
  }

  // Reopen the fox: its settings in the form, its image on the canvas, its curve on the chart.
  panel->reopen(2);
  QCOMPARE(prompt->text(), QStringLiteral("雪地里的红色狐狸:1"));
  QCOMPARE(child<QSpinBox>(panel, "stepsSpin")->value(), 12);
  QCOMPARE(panel->chart()->pointCount(0), 12);
  QCOMPARE(panel->lastImage().size(), QSize(64, 64));
  QVERIFY(child<QLabel>(panel, "restoredNote")->isVisibleTo(panel));

  // Replay the seed-3 job: a new entry with the same pixels.
  const std::string seed3 = history->entry(1).image_path;
  panel->replay(1);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 120000);
  QCOMPARE(history->entryCount(), 4);
  QCOMPARE(history->entry(0).settings.seed, uint64_t{3});
  QVERIFY2(brivl::decode_image_file(history->entry(0).image_path).pixels == brivl::decode_image_file(seed3).pixels,
           "replaying a history entry gave other pixels");

  // An imagination in a model's image basis keeps its image space when restored (the combo lists
  // "basis"; running it needs a model with an image basis, which the engine's error explains).
  {
    brivl::ImagineSettings basis;
    basis.prompt = "红心";
    basis.param = "basis";
    basis.basis_prior = 0.5;
    const QString basisFile = work_.filePath(QStringLiteral("basis.png"));
    brivl::write_image_with_settings(basisFile.toStdString(), brivl::RgbImage{2, 2, std::vector<uint8_t>(12, 128)},
                                     basis.to_json());
    QVERIFY2(panel->restoreSettingsFrom(basisFile, &error), qPrintable(error));
    QCOMPARE(child<QComboBox>(panel, "paramCombo")->currentText(), QStringLiteral("basis"));
  }
  // Settings the form cannot show exactly (a seed above its 2^31 - 1, a learning rate finer than
  // its 4 decimals, a non-square size) or at all (total variation, perspective) survive a restore
  // and run as they were.
  brivl::ImagineSettings odd;
  odd.prompt = "蓝色的方块:1 | 圆:-0.25";
  odd.steps = 4;
  odd.width = 40;
  odd.height = 24;
  odd.seed = 3000000000ULL;
  odd.lr = 0.00025;
  odd.tv_weight = 0.05;
  odd.bn_prior = 0.125;
  odd.optimizer = "gd";
  odd.augment.cutouts = 2;
  odd.augment.perspective = 0.1;
  odd.starts = 2, odd.start_steps = 1;  // the layout search: 2 starts of 1 step, then the best goes on
  odd.screen = 3;                       // ... the best 2 of 3 screened starts
  odd.to = "太阳";                      // ... then morphing into a second prompt
  const QString oddFile = work_.filePath(QStringLiteral("odd.png"));
  brivl::write_image_with_settings(oddFile.toStdString(), brivl::RgbImage{2, 2, std::vector<uint8_t>(12, 128)}, odd.to_json());
  QVERIFY2(panel->restoreSettingsFrom(oddFile, &error), qPrintable(error));
  QTest::mouseClick(child<QPushButton>(panel, "startButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 4, 120000);
  QCOMPARE(history->entryCount(), 5);
  {
    brivl::ImagineSettings ran = history->entry(0).settings;
    ran.engine_version = odd.engine_version;
    ran.model_fingerprint = odd.model_fingerprint;
    QCOMPARE(QString::fromStdString(ran.to_json()), QString::fromStdString(odd.to_json()));
    QCOMPARE(panel->lastImage().size(), QSize(40, 24));
  }
  // The advanced fields show the restored values; edited ones take over, the others stay exact.
  QCOMPARE(child<QDoubleSpinBox>(panel, "tvSpin")->value(), 0.05);
  QCOMPARE(child<QDoubleSpinBox>(panel, "bnPriorSpin")->value(), 0.125);
  QCOMPARE(child<QComboBox>(panel, "optimizerCombo")->currentText(), QStringLiteral("gd"));
  QCOMPARE(child<QDoubleSpinBox>(panel, "perspectiveSpin")->value(), 0.1);
  QCOMPARE(child<QSpinBox>(panel, "startsSpin")->value(), 2);
  QCOMPARE(child<QSpinBox>(panel, "startStepsSpin")->value(), 1);
  QCOMPARE(child<QSpinBox>(panel, "screenSpin")->value(), 3);
  QCOMPARE(child<QLineEdit>(panel, "morphEdit")->text(), QStringLiteral("太阳"));
  QCOMPARE(child<QDoubleSpinBox>(panel, "lrSpin")->value(), 0.0003);  // shown rounded, run exact (above)
  const QString start = kSource + QStringLiteral("/assets/samples/emoji_1F431.png");
  child<QDoubleSpinBox>(panel, "tvSpin")->setValue(0.02);
  child<QLineEdit>(panel, "initImageEdit")->setText(start);
  child<QDoubleSpinBox>(panel, "initStrengthSpin")->setValue(0.7);
  QTest::mouseClick(child<QPushButton>(panel, "startButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 5, 120000);
  {
    const brivl::ImagineSettings& ran = history->entry(0).settings;
    QCOMPARE(ran.tv_weight, 0.02);
    QCOMPARE(ran.bn_prior, 0.125);
    QCOMPARE(QString::fromStdString(ran.init_image), start);
    QCOMPARE(ran.init_strength, 0.7);
    QCOMPARE(ran.augment.perspective, 0.1);
    QCOMPARE(ran.starts, 2);
    QCOMPARE(ran.screen, 3);
    QCOMPARE(QString::fromStdString(ran.to), QStringLiteral("太阳"));
    QCOMPARE(ran.lr, 0.00025);
    QCOMPARE(ran.seed, uint64_t{3000000000ULL});
  }
  QVERIFY2(history->removeRow(0, &error), qPrintable(error));
  QVERIFY2(history->removeRow(0, &error), qPrintable(error));
  child<QLineEdit>(panel, "initImageEdit")->clear();
  child<QLineEdit>(panel, "morphEdit")->clear();

  // Delete removes the entry and its file.
  const QString gone = QString::fromStdString(history->entry(0).image_path);
  QVERIFY2(history->removeRow(0, &error), qPrintable(error));
  QCOMPARE(history->entryCount(), 3);
  QVERIFY(!QFile::exists(gone));
  qInfo("imagine queue + history: worst event-loop gap %lld ms", meter_.takeWorst());
}

void StudioTest::retrieveIndexesFolderWithBrokenFileAndFindsImages() {
  auto* panel = window_->retrievePanel();
  window_->tabs()->setCurrentWidget(panel);
  const QString folder = work_.filePath(QStringLiteral("photos"));
  QVERIFY(QDir().mkpath(folder));
  for (const char* name : {"01_landscape_120x80.png", "05_photo_160x120.jpg", "07_palette_64x48.png"}) {
    QVERIFY(QFile::copy(kSource + QStringLiteral("/assets/samples/") + QLatin1String(name), folder + QLatin1Char('/') + QLatin1String(name)));
  }
  QFile broken(folder + QStringLiteral("/broken.png"));
  QVERIFY(broken.open(QIODevice::WriteOnly));
  broken.write("\x89PNG\r\n\x1a\n this is not a PNG");
  broken.close();

  QSignalSpy indexed(panel, &brivl::ui::RetrievePanel::indexFinished);
  panel->addFolder(folder);
  QTRY_COMPARE_WITH_TIMEOUT(indexed.count(), 1, 180000);
  QCOMPARE(indexed.first().at(0).toLongLong(), 3);
  const QStringList skipped = indexed.first().at(1).toStringList();
  QVERIFY2(skipped.size() == 1 && skipped.first().contains(QStringLiteral("broken.png")), qPrintable(skipped.join(QLatin1Char('\n'))));
  QCOMPARE(child<QListWidget>(panel, "skippedList")->count(), 1);

  QSignalSpy searched(panel, &brivl::ui::RetrievePanel::searchFinished);
  auto* query = child<QLineEdit>(panel, "queryEdit");
  imeCommit(query, QStringLiteral("海边的日落"));
  QTest::keyClick(query, Qt::Key_Return);
  QTRY_COMPARE_WITH_TIMEOUT(searched.count(), 1, 60000);
  QCOMPARE(searched.first().at(0).toInt(), 3);
  QCOMPARE(panel->results()->rowCount(), 3);
  QTRY_VERIFY_WITH_TIMEOUT(panel->results()->thumbnailsLoaded() >= 1, 10000);

  // Double-click = "more like this": the clicked image is the query and comes back first, ~1.0.
  const QString third = panel->results()->result(2).path;
  auto* grid = child<QListView>(panel, "resultsView");
  const QRect cell = grid->visualRect(panel->results()->index(2));
  // A view acts on a double-click only after the press that started it (as a real mouse sends).
  QTest::mouseClick(grid->viewport(), Qt::LeftButton, Qt::NoModifier, cell.center());
  QTest::mouseDClick(grid->viewport(), Qt::LeftButton, Qt::NoModifier, cell.center());
  QTRY_COMPARE_WITH_TIMEOUT(searched.count(), 2, 60000);
  QCOMPARE(query->text(), QStringLiteral("@") + third);
  QCOMPARE(panel->results()->result(0).path, third);
  QVERIFY(panel->results()->result(0).score > 0.999);

  // The last imagination (from the Imagine test) as the query.
  QTest::mouseClick(child<QPushButton>(panel, "searchImaginationButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(searched.count(), 3, 60000);
  QVERIFY2(query->text().endsWith(QStringLiteral("imagination-query.png")), qPrintable(query->text()));
  QCOMPARE(panel->results()->rowCount(), 3);

  // Image -> text: with a list of names, the selected cat emoji's best caption is 猫 (the model
  // learnt the sample emoji by name), and the shown scores fall.
  for (const char* name : {"emoji_1F431.png", "emoji_1F697.png"}) {
    QVERIFY(QFile::copy(kSource + QStringLiteral("/assets/samples/") + QLatin1String(name), folder + QLatin1Char('/') + QLatin1String(name)));
  }
  panel->reindex();
  QTRY_COMPARE_WITH_TIMEOUT(indexed.count(), 2, 180000);
  QCOMPARE(indexed.last().at(0).toLongLong(), 5);
  QFile names(work_.filePath(QStringLiteral("names.txt")));
  QVERIFY(names.open(QIODevice::WriteOnly));
  names.write("笑脸\n红心\n猫\n红苹果\n太阳\n汽车\n\n猫\n");
  names.close();
  panel->loadCaptionList(names.fileName());
  QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(panel, "captionSource")->text(), QStringLiteral("6 caption(s) from names.txt"), 60000);
  query->clear();
  imeCommit(query, QStringLiteral("猫"));
  QTest::keyClick(query, Qt::Key_Return);
  QTRY_COMPARE_WITH_TIMEOUT(searched.count(), 4, 60000);
  QVERIFY2(panel->results()->result(0).path.endsWith(QStringLiteral("emoji_1F431.png")), qPrintable(panel->results()->result(0).path));
  auto* captions = child<QListWidget>(panel, "captionsList");
  QTRY_COMPARE_WITH_TIMEOUT(captions->count(), 5, 60000);
  QVERIFY2(captions->item(0)->text().endsWith(QStringLiteral("猫")), qPrintable(captions->item(0)->text()));
  for (int i = 1; i < captions->count(); ++i) {
    QVERIFY(captions->item(i - 1)->text().section(QLatin1Char(' '), 0, 0).toDouble() >=
            captions->item(i)->text().section(QLatin1Char(' '), 0, 0).toDouble());
  }

  // "Where?" on the preview: the query's map over the selected image; off, the image again.
  {
    QTRY_VERIFY_WITH_TIMEOUT(!panel->previewShown().isNull(), 10000);
    const QImage plain = panel->previewShown();
    auto* where = child<QToolButton>(panel, "whereToggle");
    where->click();
    QTRY_VERIFY_WITH_TIMEOUT(panel->previewShown() != plain, 60000);
    QCOMPARE(panel->previewShown().size(), plain.size());
    where->click();
    QTRY_COMPARE_WITH_TIMEOUT(panel->previewShown(), plain, 10000);
  }

  // Near: an imagination's previews bring the indexed images nearest to it to the Imagine tab;
  // for the final image they are what the Retrieve tab finds when searched with it.
  {
    auto* imagine = window_->imaginePanel();
    window_->tabs()->setCurrentWidget(imagine);
    auto* strip = imagine->nearStrip();
    QSignalSpy nearFound(panel, &brivl::ui::RetrievePanel::nearFound);
    QSignalSpy ran(imagine, &brivl::ui::ImaginePanel::runFinished);
    child<QLineEdit>(imagine, "promptEdit")->setText(QStringLiteral("猫"));
    child<QSpinBox>(imagine, "stepsSpin")->setValue(6);
    child<QSpinBox>(imagine, "sizeSpin")->setValue(64);
    child<QSpinBox>(imagine, "previewEverySpin")->setValue(2);
    QTest::mouseClick(child<QPushButton>(imagine, "startButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(ran.count(), 1, 180000);
    QTRY_VERIFY_WITH_TIMEOUT(nearFound.count() >= 2, 60000);  // a preview and the final image at least
    QTRY_COMPARE_WITH_TIMEOUT(strip->count(), 5, 60000);
    QVERIFY(child<QLabel>(imagine, "nearHint")->isHidden());
    window_->tabs()->setCurrentWidget(panel);
    const int before = static_cast<int>(searched.count());
    QTest::mouseClick(child<QPushButton>(panel, "searchImaginationButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(searched.count(), before + 1, 60000);
    QStringList expected;
    for (int i = 0; i < 5; ++i) expected << panel->results()->result(i).path;
    const auto shown = [strip] {
      QStringList paths;
      for (int i = 0; i < strip->count(); ++i) paths << strip->path(i);
      return paths;
    };
    QTRY_COMPARE_WITH_TIMEOUT(shown(), expected, 10000);
    // The restart below expects the 猫 query's results.
    query->clear();
    imeCommit(query, QStringLiteral("猫"));
    QTest::keyClick(query, Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(searched.count(), before + 2, 60000);
    QTRY_COMPARE_WITH_TIMEOUT(captions->count(), 5, 60000);
  }

  // A restart (a new Retrieve tab on the loaded model) shows the last query's results again and
  // has the caption list back.
  {
    brivl::ui::RetrievePanel again(window_->modelHost());
    QSignalSpy againSearched(&again, &brivl::ui::RetrievePanel::searchFinished);
    QTRY_COMPARE_WITH_TIMEOUT(againSearched.count(), 1, 60000);
    QCOMPARE(child<QLineEdit>(&again, "queryEdit")->text(), QStringLiteral("猫"));
    QCOMPARE(again.results()->rowCount(), panel->results()->rowCount());
    QCOMPARE(again.results()->result(0).path, panel->results()->result(0).path);
    QCOMPARE(again.folders(), panel->folders());
    QTRY_COMPARE_WITH_TIMEOUT(child<QListWidget>(&again, "captionsList")->count(), 5, 60000);
  }
  qInfo("retrieve: worst event-loop gap %lld ms", meter_.takeWorst());
}

void StudioTest::trainBuildsShapesRunsOneEpochAndServesAsModel() {
  auto* panel = window_->trainPanel();
  window_->tabs()->setCurrentWidget(panel);
  const QString shapes = work_.filePath(QStringLiteral("shapes"));
  child<QLineEdit>(panel, "shapesDirEdit")->setText(shapes);
  child<QSpinBox>(panel, "shapesCountSpin")->setValue(40);
  child<QSpinBox>(panel, "shapesSizeSpin")->setValue(64);
  QSignalSpy built(panel, &brivl::ui::TrainPanel::datasetReady);
  QTest::mouseClick(child<QPushButton>(panel, "buildShapesButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(built.count(), 1, 60000);
  QCOMPARE(child<QLineEdit>(panel, "dataEdit")->text(), shapes + QStringLiteral("/captions.csv"));

  const QString run = work_.filePath(QStringLiteral("run"));
  child<QSpinBox>(panel, "epochsSpin")->setValue(1);
  child<QSpinBox>(panel, "batchSpin")->setValue(8);
  // Data-parallel from the panel: 2 processes, each with 4 of every batch's 8 images.
  const int processes = brivl::distributed_training_available() ? 2 : 1;
  child<QSpinBox>(panel, "processesSpin")->setValue(processes);
  child<QDoubleSpinBox>(panel, "maxMinutesSpin")->setValue(0);
  child<QLineEdit>(panel, "outEdit")->setText(run);
  child<QLineEdit>(panel, "configEdit")->setText(kSource + QStringLiteral("/tests/data/train-tiny/config.yml"));
  child<QLineEdit>(panel, "vocabEdit")->setText(kSource + QStringLiteral("/models/brivl-official-tiny/vocab.txt"));
  QSignalSpy exited(panel, &brivl::ui::TrainPanel::processExited);
  QTest::mouseClick(child<QPushButton>(panel, "launchButton"), Qt::LeftButton);
  QVERIFY2(panel->isTraining(), qPrintable(window_->errorPanel()->message()));
  QTRY_COMPARE_WITH_TIMEOUT(exited.count(), 1, 600000);
  QCOMPARE(exited.first().at(0).toInt(), 0);
  QTRY_COMPARE_WITH_TIMEOUT(panel->monitor()->status().state, QStringLiteral("finished"), 5000);
  QCOMPARE(panel->monitor()->status().worldSize, processes);
  if (processes > 1) {
    QVERIFY2(child<QLabel>(panel, "trainStatus")->text().contains(QStringLiteral("2 processes")),
             qPrintable(child<QLabel>(panel, "trainStatus")->text()));
    QVERIFY(child<QPlainTextEdit>(panel, "trainLog")->toPlainText().contains(QStringLiteral("--nproc-per-node 2")));
  }
  QVERIFY(panel->chart()->totalPoints() >= 1);
  QTRY_VERIFY_WITH_TIMEOUT(child<QPlainTextEdit>(panel, "trainLog")->toPlainText().contains(QStringLiteral("finished at step")), 5000);
  // Learning rate and samples/s per logged step on the second chart.
  QCOMPARE(panel->speedChart()->pointCount(0), panel->chart()->pointCount(0));
  QVERIFY(panel->speedChart()->value(0, 0) > 0);
  // Smoothing re-plots the loss curves from the kept raw points; recall points stay.
  const int losses = panel->chart()->pointCount(0), recalls = panel->chart()->pointCount(1);
  const double rawLast = panel->chart()->value(0, losses - 1);
  panel->setSmoothing(true);
  QCOMPARE(panel->chart()->pointCount(0), losses);
  QCOMPARE(panel->chart()->pointCount(1), recalls);
  QVERIFY2(losses < 2 || panel->chart()->value(0, losses - 1) != rawLast, "the smoothed curve equals the raw one");
  panel->setSmoothing(false);
  QCOMPARE(panel->chart()->value(0, losses - 1), rawLast);
  // Log scale swaps the loss axis; the points stay.
  panel->setLogScale(true);
  QVERIFY(panel->chart()->isLogScale(brivl::ui::LineChart::Axis::Left));
  {
    auto* axis = qobject_cast<QLogValueAxis*>(panel->chart()->valueAxis(brivl::ui::LineChart::Axis::Left));
    QVERIFY(axis != nullptr);
    double smallest = rawLast;
    for (int i = 0; i < losses; ++i) smallest = std::min(smallest, panel->chart()->value(0, i));
    QVERIFY2(axis->min() > 0 && axis->min() <= smallest && axis->max() >= rawLast,
             qPrintable(QStringLiteral("%1..%2").arg(axis->min()).arg(axis->max())));
    QVERIFY(axis->base() > 1);
  }
  QVERIFY(child<QCheckBox>(panel, "logScaleCheck")->isChecked());
  QCOMPARE(panel->chart()->pointCount(0), losses);
  QCOMPARE(panel->chart()->value(0, losses - 1), rawLast);
  panel->setLogScale(false);
  QVERIFY(!panel->chart()->isLogScale(brivl::ui::LineChart::Axis::Left));
  qInfo("train: %d chart points, worst event-loop gap %lld ms", panel->chart()->totalPoints(), meter_.takeWorst());

  // The runs of a folder: this run, plus copies standing for CLI-started runs: one finished, one
  // whose status says running but whose process is gone. Activating one follows it.
  meter_.pause();
  const QString others = work_.filePath(QStringLiteral("cli-runs"));
  for (const char* name : {"cli-finished", "cli-killed"}) {
    const QString to = others + QLatin1Char('/') + QLatin1String(name);
    QVERIFY(QDir().mkpath(to));
    for (const char* file : {"status.json", "metrics.jsonl", "train.log"}) {
      QVERIFY(QFile::copy(run + QLatin1Char('/') + QLatin1String(file), to + QLatin1Char('/') + QLatin1String(file)));
    }
  }
  {
    QFile status(others + QStringLiteral("/cli-killed/status.json"));
    QVERIFY(status.open(QIODevice::ReadOnly));
    QJsonObject o = QJsonDocument::fromJson(status.readAll()).object();
    status.close();
    o[QStringLiteral("state")] = QStringLiteral("running");
    o[QStringLiteral("pid")] = 999999999;  // above pid_max: no such process
    QVERIFY(status.open(QIODevice::WriteOnly | QIODevice::Truncate));
    status.write(QJsonDocument(o).toJson());
  }
  meter_.start();
  auto* runs = panel->runList();
  runs->setFolder(others);
  QCOMPARE(runs->runCount(), 2);
  QStringList texts;
  for (int row = 0; row < 2; ++row) texts << runs->runText(row);
  QVERIFY2(texts.filter(QStringLiteral("cli-finished\nfinished")).size() == 1, qPrintable(texts.join(QLatin1Char('|'))));
  QVERIFY2(texts.filter(QStringLiteral("cli-killed\ninterrupted")).size() == 1, qPrintable(texts.join(QLatin1Char('|'))));
  const int finishedRow = texts.indexOf(texts.filter(QStringLiteral("cli-finished")).first());
  auto* list = child<QListWidget>(panel, "runsList");
  list->setCurrentRow(finishedRow);
  Q_EMIT list->itemActivated(list->item(finishedRow));
  QCOMPARE(panel->runDir(), others + QStringLiteral("/cli-finished"));
  QTRY_COMPARE_WITH_TIMEOUT(panel->chart()->pointCount(0), losses, 5000);
  QTRY_COMPARE_WITH_TIMEOUT(panel->monitor()->status().state, QStringLiteral("finished"), 5000);
  runs->setFolder(QFileInfo(run).absolutePath());  // the work folder: holds this run
  QVERIFY(runs->runCount() >= 1);
  panel->attach(run);
  QTRY_COMPARE_WITH_TIMEOUT(panel->chart()->pointCount(0), losses, 5000);

  auto* use = child<QPushButton>(panel, "useModelButton");
  QVERIFY(use->isEnabled());
  QTest::mouseClick(use, Qt::LeftButton);
  waitForModel(run);
  QCOMPARE(window_->tabs()->currentWidget(), static_cast<QWidget*>(window_->imaginePanel()));
}

void StudioTest::trainStopsWithCheckpointAndResumesToTheEnd() {
  auto* panel = window_->trainPanel();
  window_->tabs()->setCurrentWidget(panel);
  const QString run = work_.filePath(QStringLiteral("run-stopped"));
  child<QSpinBox>(panel, "epochsSpin")->setValue(30);  // 120 steps: stopped long before the end
  child<QLineEdit>(panel, "outEdit")->setText(run);
  QSignalSpy exited(panel, &brivl::ui::TrainPanel::processExited);
  QTest::mouseClick(child<QPushButton>(panel, "launchButton"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(panel->chart()->pointCount(0) >= 1, 120000);  // the first loss point (step 10)
  QTest::mouseClick(child<QPushButton>(panel, "stopTrainButton"), Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(exited.count(), 1, 120000);
  QCOMPARE(exited.first().at(0).toInt(), 130);  // SIGTERM: checkpoint, then exit 130
  QTRY_COMPARE_WITH_TIMEOUT(panel->monitor()->status().state, QStringLiteral("stopped"), 5000);
  const qint64 stoppedAt = panel->monitor()->status().step;
  QVERIFY(stoppedAt < 120);
  auto* resume = child<QPushButton>(panel, "resumeButton");
  QVERIFY(resume->isEnabled());
  QTest::mouseClick(resume, Qt::LeftButton);
  QTRY_COMPARE_WITH_TIMEOUT(exited.count(), 2, 300000);
  QCOMPARE(exited.at(1).at(0).toInt(), 0);
  QTRY_COMPARE_WITH_TIMEOUT(panel->monitor()->status().state, QStringLiteral("finished"), 5000);
  QCOMPARE(panel->monitor()->status().step, qint64{120});
  qInfo("train stop at step %lld + resume: worst event-loop gap %lld ms", stoppedAt, meter_.takeWorst());
}

void StudioTest::waitForModel(const QString& dir) {
  QTRY_VERIFY_WITH_TIMEOUT(window_->modelHost()->state() != brivl::ui::ModelHost::State::Loading, 120000);
  QVERIFY2(window_->modelHost()->isReady() && window_->modelHost()->model().request.dir == dir,
           qPrintable(window_->errorPanel()->message()));
}

// The gaps are printed, not asserted: they measure the machine's load as much as the studio
// (a timed assertion failed under ctest -j2 here). What must stay off the UI thread is checked
// by what it does: work runs on workers and pools (e.g. the history's pending writes above).
void StudioTest::cleanupTestCase() {
  meter_.pause();
  qInfo("worst event-loop gap over all tests: %lld ms", meter_.overallMs());
  window_.reset();
}

int main(int argc, char** argv) {
  // Settings and data (indexes, runs) of this test stay in a temporary home.
  QTemporaryDir home;
  qputenv("XDG_CONFIG_HOME", QFile::encodeName(home.filePath(QStringLiteral("config"))));
  qputenv("XDG_DATA_HOME", QFile::encodeName(home.filePath(QStringLiteral("data"))));
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("BriVL"));
  QApplication::setApplicationName(QStringLiteral("BriVL Studio Test"));
  StudioTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "studio_test.moc"
