#include "ui/about_dialog.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <QMessageBox>
#include <QtGlobal>

#include "embed/embedder.h"
#include "ui/model_host.h"

namespace brivl::ui {

void showAboutDialog(QWidget* parent, const ModelHost& host) {
  const auto& model = host.model();
  const QString modelLine = host.isReady()
                                ? QObject::tr("%1 (%2, checkpoint %3)")
                                      .arg(model.request.location().toHtmlEscaped(),
                                           model.gpu ? QObject::tr("GPU") : QObject::tr("CPU"),
                                           model.fingerprint.toHtmlEscaped())
                                : QObject::tr("none loaded");
  const QString text =
      QObject::tr("<h3>BriVL Studio %1</h3>"
                  "<p>Imagine, retrieve and train with <b>BriVL</b>, the Chinese vision-language foundation "
                  "model of Fei et al., <i>Towards artificial general intelligence via a multimodal foundation "
                  "model</i>, Nature Communications 13:3094 (2022); official checkpoints load unchanged.</p>"
                  "<p><b>Model:</b> %2<br><b>Runtime:</b> %3<br><b>Qt:</b> %4</p>"
                  "<p>The embedded default model <i>brivl-emoji-small</i> was trained on "
                  "<a href=\"https://openmoji.org\">OpenMoji</a> emoji (CC BY-SA 4.0) with Chinese names from "
                  "<a href=\"https://github.com/milesj/emojibase\">emojibase</a> (MIT), and on synthetic "
                  "shapes; see its MODEL_CARD.md.</p>")
          .arg(QApplication::applicationVersion().toHtmlEscaped(), modelLine,
               QString::fromStdString(brivl::runtime_description()).toHtmlEscaped(), QString::fromLatin1(qVersion()));
  QMessageBox box(parent);
  box.setWindowTitle(QObject::tr("About BriVL Studio"));
  box.setIconPixmap(QApplication::windowIcon().pixmap(96, 96));
  box.setTextFormat(Qt::RichText);
  box.setTextInteractionFlags(Qt::TextBrowserInteraction);
  box.setText(text);
  box.setObjectName(QStringLiteral("aboutDialog"));
  box.exec();
}

void showModelCard(QWidget* parent, const ModelHost& host) {
  const QString card = host.isReady() ? QString::fromStdString(host.model().files.card) : QString();
  QFile file(card);
  if (card.isEmpty() || !file.open(QIODevice::ReadOnly)) {
    QMessageBox::information(parent, QObject::tr("Model card"),
                             host.isReady() ? QObject::tr("The model %1 has no MODEL_CARD.md.").arg(host.model().request.location())
                                            : QObject::tr("No model loaded."));
    return;
  }
  QDialog dialog(parent);
  dialog.setObjectName(QStringLiteral("modelCardDialog"));
  dialog.setWindowTitle(QObject::tr("Model card — %1").arg(QFileInfo(card).dir().dirName()));
  auto* text = new QTextBrowser(&dialog);
  text->setObjectName(QStringLiteral("modelCardText"));
  text->setOpenExternalLinks(true);
  text->setSearchPaths({QFileInfo(card).absolutePath()});  // the card's images (imagine-examples.png)
  text->setMarkdown(QString::fromUtf8(file.readAll()));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(text);
  layout->addWidget(buttons);
  dialog.resize(820, 700);
  dialog.exec();
}

}  // namespace brivl::ui
