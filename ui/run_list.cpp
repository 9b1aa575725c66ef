#include "ui/run_list.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/run_monitor.h"
#include "ui/studio_paths.h"

namespace brivl::ui {
namespace {

const QString kFolderKey = QStringLiteral("train/runsFolder");
constexpr int kRefreshMs = 3000;

// A run whose status still says "running" but whose process is gone was killed (or its machine
// went down): it can be resumed from its last checkpoint. Checked on this machine only (a pid may
// have been reused, or the run may be on a shared disk: then it shows as running).
bool processGone(qint64 pid) {
  return pid > 0 && QFileInfo::exists(QStringLiteral("/proc/self")) &&
         !QFileInfo::exists(QStringLiteral("/proc/%1").arg(pid));
}

}  // namespace

RunList::RunList(QWidget* parent) : QWidget(parent), timer_(new QTimer(this)) {
  folderLabel_ = new QLabel(this);
  folderLabel_->setObjectName(QStringLiteral("runsFolderLabel"));
  folderLabel_->setWordWrap(true);
  auto* choose = new QPushButton(tr("Folder…"), this);
  choose->setToolTip(tr("A folder with training runs (also runs started with brivl train --out)"));
  auto* reload = new QPushButton(tr("Refresh"), this);
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("runsList"));
  list_->setToolTip(tr("Double-click a run to follow it"));
  auto* row = new QHBoxLayout;
  row->addWidget(folderLabel_, 1);
  row->addWidget(choose);
  row->addWidget(reload);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(list_, 1);
  connect(choose, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder with training runs"), folder_);
    if (!dir.isEmpty()) setFolder(dir);
  });
  connect(reload, &QPushButton::clicked, this, &RunList::refresh);
  connect(list_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { Q_EMIT runChosen(item->data(Qt::UserRole).toString()); });
  timer_->setInterval(kRefreshMs);
  connect(timer_, &QTimer::timeout, this, &RunList::refresh);
  folder_ = QSettings().value(kFolderKey, QDir(appDataDir()).filePath(QStringLiteral("runs"))).toString();
  folderLabel_->setText(folder_);
}

void RunList::setFolder(const QString& folder) {
  folder_ = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  QSettings().setValue(kFolderKey, folder_);
  folderLabel_->setText(folder_);
  refresh();
}

void RunList::refresh() {
  struct Run {
    QString dir, text;
    QDateTime changed;
  };
  QVector<Run> runs;
  const QDir root(folder_);
  for (const QFileInfo& sub : root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    QFile file(QDir(sub.absoluteFilePath()).filePath(QStringLiteral("status.json")));
    if (!file.open(QIODevice::ReadOnly)) continue;  // not a run folder
    RunStatus s;
    QString text = sub.fileName() + QStringLiteral("\n");
    if (!parseRunStatus(file.readAll(), &s)) {
      text += tr("status.json unreadable");
    } else {
      QString state = runStateText(s.state);
      if (s.state == QStringLiteral("running") && processGone(s.pid)) state = tr("interrupted (resumable)");
      text += tr("%1 · step %2/%3").arg(state).arg(s.step).arg(s.totalSteps);
      if (s.bestT2iR1 >= 0) text += tr(" · R@1 %1").arg(s.bestT2iR1, 0, 'f', 3);
      if (!s.error.isEmpty()) text += QStringLiteral(" · ") + s.error.left(60);
    }
    runs.push_back({sub.absoluteFilePath(), text, QFileInfo(file).lastModified()});
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.changed > b.changed; });
  // The same runs in the same order (the usual refresh): only the texts change, so the selection
  // and the scroll position stay.
  bool same = list_->count() == runs.size();
  for (int row = 0; same && row < runs.size(); ++row) same = list_->item(row)->data(Qt::UserRole).toString() == runs[row].dir;
  if (same) {
    for (int row = 0; row < runs.size(); ++row) {
      if (list_->item(row)->text() != runs[row].text) list_->item(row)->setText(runs[row].text);
    }
  } else {
    const QString current = list_->currentItem() ? list_->currentItem()->data(Qt::UserRole).toString() : QString();
    list_->clear();
    for (const Run& r : runs) {
      auto* item = new QListWidgetItem(r.text, list_);
      item->setData(Qt::UserRole, r.dir);
      item->setToolTip(r.dir);
      if (r.dir == current) list_->setCurrentItem(item);
    }
  }
  if (runs.isEmpty()) folderLabel_->setText(folder_ + tr(" (no runs yet)"));
  else folderLabel_->setText(folder_);
}

int RunList::runCount() const { return list_->count(); }
QString RunList::runDir(int row) const { return list_->item(row) ? list_->item(row)->data(Qt::UserRole).toString() : QString(); }
QString RunList::runText(int row) const { return list_->item(row) ? list_->item(row)->text() : QString(); }

void RunList::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  refresh();
  timer_->start();
}

void RunList::hideEvent(QHideEvent* event) {
  QWidget::hideEvent(event);
  timer_->stop();
}

}  // namespace brivl::ui
