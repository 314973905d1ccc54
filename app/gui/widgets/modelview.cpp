#include "widgets/modelview.h"

#include "guicore/format.h"
#include "guicore/layertablemodel.h"
#include "guicore/modelloader.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace gui {

ModelView::ModelView(QWidget* parent)
    : QWidget(parent)
    , stack_(new QStackedWidget(this))
    , empty_label_(new QLabel(this))
    , title_(new QLabel(this))
    , warnings_(new QLabel(this))
    , totals_(new QLabel(this))
    , table_(new QTableView(this))
    , layers_(new LayerTableModel(this))
    , proxy_(new QSortFilterProxyModel(this))
    , facts_box_(new QWidget(this))
    , facts_(new QFormLayout(facts_box_))
    , splitter_(new QSplitter(Qt::Horizontal, this))
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(stack_);

    empty_label_->setText(tr("<p style='font-size:large'>Open a model (Ctrl+O)…</p>"
                             "<p>or drop a <tt>.safetensors</tt> model file on this window.<br>"
                             "<tt>sparsescope-cli synth -o model.safetensors</tt> makes one for benchmarking.</p>"));
    empty_label_->setAlignment(Qt::AlignCenter);
    empty_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stack_->addWidget(empty_label_);

    auto* page = new QWidget(this);
    auto* v = new QVBoxLayout(page);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    title_->setWordWrap(true);
    v->addWidget(title_);
    warnings_->setWordWrap(true);
    warnings_->setTextFormat(Qt::RichText);
    warnings_->setStyleSheet(QStringLiteral("QLabel { background: #fff4e0; border: 1px solid #e0a040; padding: 4px; }"));
    warnings_->setToolTip(tr("What the model validator found that a reader should know; files it refuses do not load at all."));
    v->addWidget(warnings_);

    proxy_->setSourceModel(layers_);
    proxy_->setSortRole(LayerTableModel::SortRole);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder); // file order until the user sorts
    table_->setAlternatingRowColors(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->setWordWrap(false);

    auto* left = new QWidget(this);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 0, 0);
    lv->addWidget(table_, 1);
    totals_->setWordWrap(true);
    totals_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lv->addWidget(totals_);

    auto* group = new QGroupBox(tr("Metadata"), this);
    auto* gl = new QVBoxLayout(group);
    auto* scroll = new QScrollArea(group);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // values wrap instead
    scroll->setWidget(facts_box_);
    facts_->setRowWrapPolicy(QFormLayout::WrapLongRows);
    facts_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    gl->addWidget(scroll);

    splitter_->addWidget(left);
    splitter_->addWidget(group);
    splitter_->setStretchFactor(0, 3);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);
    splitter_->setSizes({1000, 420}); // proportions; the layout scales them to the window
    v->addWidget(splitter_, 1);
    stack_->addWidget(page);
    setLoadedModel(nullptr);
}

bool ModelView::showsModel() const { return stack_->currentIndex() == 1; }

void ModelView::setLoadedModel(const LoadedModel* loaded)
{
    while (facts_->rowCount() > 0)
        facts_->removeRow(0);
    if (!loaded || !loaded->model) {
        layers_->clear();
        stack_->setCurrentIndex(0);
        return;
    }
    const ss::Model& m = *loaded->model;
    layers_->setData(loaded->summary);
    title_->setText(tr("<b style='font-size:large'>%1</b> &nbsp; <span style='color:#555'>%2</span>%3")
                        .arg(qs(m.name).toHtmlEscaped(), loaded->path.toHtmlEscaped(),
                             m.trained() ? QString() : tr(" &nbsp; <span style='color:#b00000'><b>untrained</b></span>")));
    if (loaded->warnings.isEmpty()) {
        warnings_->hide();
    } else {
        QString html;
        for (const QString& w : loaded->warnings)
            html += QStringLiteral("⚠ %1<br>").arg(w.toHtmlEscaped());
        html.chop(4);
        warnings_->setText(html);
        warnings_->show();
    }
    const auto& s = loaded->summary;
    totals_->setText(tr("Network: %1 dense MACs per item, %2 at the bound a·w (%3 fewer); %4 of %5 parameters non-zero.")
                         .arg(humanCount(s.macs_dense), humanCount(s.macs_bound),
                              times(s.macs_bound > 0 ? s.macs_dense / s.macs_bound : 0.0),
                              humanCount(double(s.nonzero_parameters)), humanCount(double(s.parameters))));
    totals_->setToolTip(LayerTableModel::columnDescription(LayerTableModel::BoundMacsColumn));
    for (const ModelFact& f : modelFacts(*loaded)) {
        auto* label = new QLabel(f.label + QLatin1Char(':'), facts_box_);
        QString text = f.value;
        if (f.value == loaded->path) // let a long path wrap at its slashes
            text.replace(QLatin1Char('/'), QStringLiteral("/\u200b"));
        auto* value = new QLabel(text, facts_box_);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setTextFormat(Qt::PlainText);
        label->setToolTip(f.tooltip);
        value->setToolTip(f.tooltip.isEmpty() ? f.value : f.tooltip);
        facts_->addRow(label, value);
    }
    table_->resizeColumnsToContents();
    stack_->setCurrentIndex(1);
}

} // namespace gui
