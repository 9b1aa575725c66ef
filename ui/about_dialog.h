#pragma once
// Help → About: version, the paper, what the studio runs on (LibTorch, device, Qt), the current
// model, and the attributions the shipped model and its training data require; Help → Model card.
class QWidget;

namespace brivl::ui {

class ModelHost;

void showAboutDialog(QWidget* parent, const ModelHost& host);

// The loaded model's MODEL_CARD.md (data, licences, measured quality) rendered as Markdown; a
// message when the bundle has none.
void showModelCard(QWidget* parent, const ModelHost& host);

}  // namespace brivl::ui
