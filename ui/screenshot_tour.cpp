#include "ui/screenshot_tour.h"

#include <QApplication>
#include <QDir>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <algorithm>
#include <cstdio>

#include "ui/imagine_panel.h"
#include "ui/main_window.h"
#include "ui/model_host.h"
#include "ui/retrieve_panel.h"
#include "ui/train_panel.h"

namespace brivl::ui {

ScreenshotTour::ScreenshotTour(MainWindow* window, TourOptions options)
    : QObject(window), window_(window), options_(std::move(options)) {}

void ScreenshotTour::begin() {
  QDir().mkpath(options_.outDir);
  QTimer::singleShot(10 * 60 * 1000, this, [this] {  // never hang a documentation build
    std::fprintf(stderr, "screenshot tour: timed out\n");
    finish();
  });
  auto* host = window_->modelHost();
  if (host->isReady()) return imagine();
  connect(host, &ModelHost::stateChanged, this, [this, host] {
    if (host->state() == ModelHost::State::Ready || host->state() == ModelHost::State::Failed) {
      disconnect(host, nullptr, this, nullptr);
      QTimer::singleShot(200, this, &ScreenshotTour::imagine);  // after the window has shown the outcome
    }
  });
}

void ScreenshotTour::imagine() {
  auto* panel = window_->imaginePanel();
  window_->tabs()->setCurrentWidget(panel);
  if (!window_->modelHost()->isReady()) {
    shoot(QStringLiteral("imagine"));
    return retrieve();
  }
  panel->findChild<QSpinBox*>(QStringLiteral("stepsSpin"))->setValue(options_.steps);
  panel->findChild<QSpinBox*>(QStringLiteral("sizeSpin"))->setValue(options_.size);
  panel->findChild<QSpinBox*>(QStringLiteral("previewEverySpin"))->setValue(std::max(1, options_.steps / 12));
  panel->setPrompt(options_.prompt);
  connect(panel, &ImaginePanel::runFinished, this, [this, panel] {
    disconnect(panel, nullptr, this, nullptr);
    QTimer::singleShot(300, this, [this] {
      shoot(QStringLiteral("imagine"));
      auto* side = window_->imaginePanel()->findChild<QTabWidget*>(QStringLiteral("imagineSideTabs"));
      side->setCurrentIndex(side->count() - 1);  // the history
      QTimer::singleShot(800, this, [this, side] {  // its thumbnails load on a pool thread
        shoot(QStringLiteral("imagine-history"));
        side->setCurrentIndex(0);
        // "Where?" on the finished image: the map is computed on a pool thread.
        auto* where = window_->imaginePanel()->findChild<QPushButton*>(QStringLiteral("imagineWhereToggle"));
        where->setChecked(true);
        QTimer::singleShot(3000, this, [this, where] {
          shoot(QStringLiteral("imagine-where"));
          where->setChecked(false);
          // The engine's other settings, opened.
          auto* advanced = window_->imaginePanel()->findChild<QToolButton*>(QStringLiteral("advancedToggle"));
          advanced->setChecked(true);
          QTimer::singleShot(300, this, [this, advanced] {
            shoot(QStringLiteral("imagine-advanced"));
            advanced->setChecked(false);
            retrieve();
          });
        });
      });
    });
  });
  panel->start();
}

void ScreenshotTour::retrieve() {
  auto* panel = window_->retrievePanel();
  window_->tabs()->setCurrentWidget(panel);
  if (options_.imagesDir.isEmpty() || !window_->modelHost()->isReady()) {
    shoot(QStringLiteral("retrieve"));
    return train();
  }
  connect(panel, &RetrievePanel::indexFinished, this, [this, panel] {
    if (!options_.captions.isEmpty()) panel->loadCaptionList(options_.captions);
    panel->findChild<QLineEdit*>(QStringLiteral("queryEdit"))->setText(options_.query);
    panel->search(options_.query);
  });
  connect(panel, &RetrievePanel::searchFinished, this, [this, panel] {
    disconnect(panel, nullptr, this, nullptr);
    QTimer::singleShot(1500, this, [this, panel] {  // thumbnails load lazily
      shoot(QStringLiteral("retrieve"));
      auto* where = panel->findChild<QToolButton*>(QStringLiteral("whereToggle"));
      where->setChecked(true);
      QTimer::singleShot(3000, this, [this, where] {  // the query's map over the preview
        shoot(QStringLiteral("retrieve-where"));
        where->setChecked(false);
        train();
      });
    });
  });
  panel->addFolder(options_.imagesDir);
}

void ScreenshotTour::train() {
  auto* panel = window_->trainPanel();
  window_->tabs()->setCurrentWidget(panel);
  if (!options_.runDir.isEmpty()) panel->attach(options_.runDir);
  QTimer::singleShot(1500, this, [this] {
    shoot(QStringLiteral("train"));
    finish();
  });
}

void ScreenshotTour::shoot(const QString& name) {
  QApplication::processEvents();
  const QString path = QDir(options_.outDir).filePath(name + QStringLiteral(".png"));
  const bool ok = window_->grab().save(path);
  std::fprintf(stderr, "%s %s\n", ok ? "wrote" : "could not write", qPrintable(path));
}

void ScreenshotTour::finish() {
  window_->close();
  QApplication::quit();
}

}  // namespace brivl::ui
