#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/about_dialog.h"
#include "ui/error_panel.h"
#include "ui/imagine_panel.h"
#include "ui/model_bar.h"
#include "ui/model_host.h"
#include "ui/retrieve_panel.h"
#include "ui/train_panel.h"

namespace brivl::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      host_(new ModelHost(this)),
      bar_(new ModelBar(host_, this)),
      errors_(new ErrorPanel(this)),
      tabs_(new QTabWidget(this)),
      imagine_(new ImaginePanel(host_, this)),
      retrieve_(new RetrievePanel(host_, this)),
      train_(new TrainPanel(this)) {
  setWindowTitle(tr("BriVL Studio"));
  tabs_->setObjectName(QStringLiteral("mainTabs"));
  tabs_->addTab(imagine_, tr("Imagine"));
  tabs_->addTab(retrieve_, tr("Retrieve"));
  tabs_->addTab(train_, tr("Train"));
  tabs_->setDocumentMode(true);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(6, 0, 6, 0);
  layout->setSpacing(4);
  layout->addWidget(bar_);
  layout->addWidget(errors_);
  layout->addWidget(tabs_, 1);
  setCentralWidget(central);
  statusBar()->showMessage(tr("Welcome: type a prompt in Imagine, index a folder in Retrieve, or train a model."));

  connect(bar_, &ModelBar::problem, this, &MainWindow::showProblem);
  connect(imagine_, &ImaginePanel::problem, this, &MainWindow::showProblem);
  connect(retrieve_, &RetrievePanel::problem, this, &MainWindow::showProblem);
  connect(train_, &TrainPanel::problem, this, &MainWindow::showProblem);
  connect(host_, &ModelHost::loadFailed, this, [this](const QString& dir, const QString& message) {
    showProblem(tr("Could not load the model %1").arg(dir), message);
  });
  connect(host_, &ModelHost::modelReady, this, [this] {
    errors_->hide();
    statusBar()->showMessage(tr("Model ready: %1").arg(host_->model().request.location()), 8000);
  });
  connect(retrieve_, &RetrievePanel::imaginationWanted, this, [this] {
    if (imagine_->lastImage().isNull()) {
      showProblem(tr("No imagination yet"), tr("Run one in the Imagine tab first."));
      return;
    }
    retrieve_->searchImage(imagine_->lastImage());
  });
  // Near: each imagination preview asks the Retrieve tab's index for its nearest images.
  connect(imagine_, &ImaginePanel::nearWanted, retrieve_, &RetrievePanel::findNear);
  connect(retrieve_, &RetrievePanel::nearFound, imagine_, &ImaginePanel::showNear);
  connect(imagine_, &ImaginePanel::nearSearchRequested, this, [this](const QString& path) {
    retrieve_->search(QStringLiteral("@") + path);
    tabs_->setCurrentWidget(retrieve_);
  });
  connect(train_, &TrainPanel::useModel, this, [this](const QString& runDir) {
    bar_->loadModel(runDir);
    tabs_->setCurrentWidget(imagine_);
  });
  addShortcuts();
  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1360, 860);
  tabs_->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
}

MainWindow::~MainWindow() {
  delete tabs_;  // the panels (and their workers) go before the model host they read
}

void MainWindow::start(const QString& modelDir) { bar_->loadInitial(modelDir); }

void MainWindow::showProblem(const QString& title, const QString& message) {
  errors_->showError(title, message);
  statusBar()->showMessage(title, 8000);
}

void MainWindow::addShortcuts() {
  for (int i = 0; i < tabs_->count(); ++i) {
    auto* action = new QAction(this);
    action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    connect(action, &QAction::triggered, this, [this, i] { tabs_->setCurrentIndex(i); });
    addAction(action);
  }
  auto* quit = new QAction(this);
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);
  addAction(quit);
  auto* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Model card"), this, [this] { showModelCard(this, *host_); });
  help->addAction(tr("&About BriVL Studio"), this, [this] { showAboutDialog(this, *host_); });
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/tab"), tabs_->currentIndex());
  imagine_->stop();
  event->accept();
}

}  // namespace brivl::ui
