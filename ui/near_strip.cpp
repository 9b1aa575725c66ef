#include "ui/near_strip.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QScrollBar>
#include <QVBoxLayout>

#include "ui/result_model.h"

namespace brivl::ui {
namespace {
constexpr int kIconSide = 64;
}

NearStrip::NearStrip(QWidget* parent)
    : QWidget(parent), model_(new ResultModel(this)), view_(new QListView(this)), hint_(new QLabel(this)) {
  setObjectName(QStringLiteral("nearStrip"));
  view_->setObjectName(QStringLiteral("nearView"));
  view_->setModel(model_);
  view_->setViewMode(QListView::IconMode);
  view_->setFlow(QListView::LeftToRight);
  view_->setWrapping(false);
  view_->setMovement(QListView::Static);
  view_->setIconSize(QSize(kIconSide, kIconSide));
  view_->setUniformItemSizes(true);
  // Room for the score and an elided file name under each thumbnail.
  view_->setGridSize(QSize(kIconSide * 2, kIconSide + 3 * view_->fontMetrics().height()));
  view_->setTextElideMode(Qt::ElideMiddle);
  view_->setMinimumHeight(view_->gridSize().height() + view_->horizontalScrollBar()->sizeHint().height());
  view_->setWordWrap(true);
  view_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  view_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  view_->setToolTip(tr("The indexed images nearest to the current image (Retrieve tab's index), "
                       "refreshed with each preview. Double-click: search with it"));
  hint_->setObjectName(QStringLiteral("nearHint"));
  hint_->setWordWrap(true);
  hint_->setText(tr("Index a folder in the Retrieve tab to see here which real images the imagination is near."));
  hint_->setStyleSheet(QStringLiteral("color: palette(mid);"));
  auto* title = new QLabel(tr("Near"), this);
  title->setStyleSheet(QStringLiteral("font-weight: bold;"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(title);
  layout->addWidget(view_, 1);
  layout->addWidget(hint_);
  setMaximumHeight(view_->minimumHeight() + 2 * fontMetrics().height() + 12);  // + the title and the hint
  connect(view_, &QListView::doubleClicked, this, [this](const QModelIndex& index) {
    Q_EMIT searchRequested(index.data(ResultModel::PathRole).toString());
  });
  clear();
}

void NearStrip::setResults(const QVector<SearchResult>& results) {
  model_->setResults(results.mid(0, kShown));
  view_->setVisible(!results.isEmpty());
  hint_->setVisible(results.isEmpty());
}

void NearStrip::clear() { setResults({}); }

int NearStrip::count() const { return model_->rowCount(); }

QString NearStrip::path(int row) const { return model_->result(row).path; }

}  // namespace brivl::ui
