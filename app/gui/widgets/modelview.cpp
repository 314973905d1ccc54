#include "widgets/modelview.h"

#include "guicore/format.h"
#include "guicore/layertablemodel.h"
#include "guicore/modelloader.h"
#include "widgets/exportmenu.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QEvent>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QResizeEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace gui {

namespace {

QString jsonScalar(const QJsonValue& v)
{
    switch (v.type()) {
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    case QJsonValue::Double: return QString::number(v.toDouble(), 'g', 6);
    case QJsonValue::String: return v.toString();
    case QJsonValue::Null: return QStringLiteral("–");
    case QJsonValue::Array: {
        const QJsonArray a = v.toArray();
        QStringList parts;
        bool scalars = true;
        for (const QJsonValue& e : a) {
            scalars = scalars && !e.isObject() && !e.isArray();
            parts << jsonScalar(e);
        }
        // A pair of numbers is a range ("gain 0.7 – 1.1"); other lists are comma-separated.
        if (scalars && a.size() == 2 && a[0].isDouble() && a[1].isDouble())
            return parts.join(QStringLiteral(" – "));
        return parts.join(QStringLiteral(", "));
    }
    default: return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
}

// Flattens a JSON object into (dotted key, value) rows: a training recipe becomes a readable table.
void flatten(const QJsonObject& o, const QString& prefix, QList<QPair<QString, QString>>& rows)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        QString key = it.key();
        key.replace(QLatin1Char('_'), QLatin1Char(' '));
        const QString path = prefix.isEmpty() ? key : prefix + QStringLiteral(" › ") + key;
        if (it.value().isObject())
            flatten(it.value().toObject(), path, rows);
        else
            rows.append({path, jsonScalar(it.value())});
    }
}

// The value as an HTML table when it is a JSON object, else "".
QString jsonObjectAsTable(const QString& value)
{
    if (!value.startsWith(QLatin1Char('{')))
        return {};
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(value.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return {};
    QList<QPair<QString, QString>> rows;
    flatten(doc.object(), {}, rows);
    QString html = QStringLiteral("<table cellspacing='0' cellpadding='1'>");
    for (const auto& [k, v] : rows)
        html += QStringLiteral("<tr><td style='padding-right:8px'>%1</td><td>%2</td></tr>").arg(k.toHtmlEscaped(), v.toHtmlEscaped());
    return html + QStringLiteral("</table>");
}

} // namespace

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
    // Dark text on the light warning tint in any theme.
    warnings_->setStyleSheet(QStringLiteral("QLabel { background: #fff4e0; color: #3a2a00; border: 1px solid #e0a040; padding: 4px; }"));
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
    table_->setObjectName(QStringLiteral("layers"));
    installTableExport(table_);
    table_->setToolTip(tr("Double-click a layer with P > 1 to see Complementary Sparsity step by step on it (Visualiser)."));
    connect(table_, &QAbstractItemView::activated, this, [this](const QModelIndex& i) {
        const QString name = proxy_->index(i.row(), LayerTableModel::NameColumn).data().toString();
        if (!name.isEmpty())
            Q_EMIT layerActivated(name);
    });

    auto* left = new QWidget(this);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 0, 0);
    lv->addWidget(table_, 1);
    totals_->setWordWrap(true);
    totals_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lv->addWidget(totals_);

    auto* group = new QGroupBox(tr("Metadata"), this);
    auto* gl = new QVBoxLayout(group);
    scroll_ = new QScrollArea(group);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);
    scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // values wrap instead
    scroll_->setWidget(facts_box_);
    facts_->setRowWrapPolicy(QFormLayout::WrapLongRows);
    facts_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    gl->addWidget(scroll_);

    splitter_->addWidget(left);
    splitter_->addWidget(group);
    splitter_->setStretchFactor(0, 3);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);
    splitter_->setSizes({1000, 420}); // proportions; the layout scales them to the window
    connect(splitter_, &QSplitter::splitterMoved, this, [this] { user_split_ = true; });
    v->addWidget(splitter_, 1);
    stack_->addWidget(page);
    setLoadedModel(nullptr);
}

bool ModelView::showsModel() const { return stack_->currentIndex() == 1; }

QList<QLabel*> ModelView::factValues() const
{
    QList<QLabel*> l;
    for (int r = 0; r < facts_->rowCount(); ++r)
        if (QLayoutItem* item = facts_->itemAt(r, QFormLayout::FieldRole))
            if (auto* label = qobject_cast<QLabel*>(item->widget()))
                l << label;
    return l;
}

void ModelView::updateTitle()
{
    if (!loaded_ || !loaded_->model)
        return;
    const ss::Model& m = *loaded_->model;
    // The path in the theme's secondary text colour: readable on light and dark.
    const QString dim = palette().color(QPalette::PlaceholderText).name();
    title_->setText(tr("<b style='font-size:large'>%1</b> &nbsp; <span style='color:%4'>%2</span>%3")
                        .arg(qs(m.name).toHtmlEscaped(), loaded_->path.toHtmlEscaped(),
                             m.trained() ? QString() : tr(" &nbsp; <span style='color:#d03030'><b>untrained</b></span>"), dim));
}

void ModelView::fitSplitter()
{
    // The layer table gets its natural width when the metadata keeps at least kMinFacts px; else the
    // metadata gets kMinFacts and the table the rest (it scrolls only on windows narrower than that).
    constexpr int kMinFacts = 215;
    const int total = splitter_->width() - splitter_->handleWidth();
    if (total <= 0 || !stack_->currentIndex())
        return;
    const int natural = table_->horizontalHeader()->length() + 2 * table_->frameWidth() +
                        (table_->verticalScrollBar()->isVisible() ? table_->verticalScrollBar()->width() : 0) + 2;
    const int left = std::clamp(natural, total / 2, std::max(total / 2, total - kMinFacts));
    splitter_->setSizes({left, total - left});
}

void ModelView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    if (!user_split_)
        fitSplitter();
}

void ModelView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateTitle();
}

void ModelView::rebuildFacts(const LoadedModel* loaded)
{
    // A fresh widget per model: labels re-measured from scratch, so nothing keeps the previous
    // model's geometry (reusing the form after a switch cut values without any sign). Each fact is
    // a caption over its value, and the value gets the panel's full width to wrap in.
    facts_box_ = new QWidget;
    facts_ = new QFormLayout(facts_box_);
    facts_->setRowWrapPolicy(QFormLayout::WrapAllRows);
    facts_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    facts_->setVerticalSpacing(2);
    scroll_->setWidget(facts_box_); // deletes the previous one
    if (!loaded || !loaded->model)
        return;
    for (const ModelFact& f : modelFacts(*loaded)) {
        auto* label = new QLabel(f.label + QLatin1Char(':'), facts_box_);
        QFont bold = label->font();
        bold.setBold(true);
        label->setFont(bold);
        QString text = f.value;
        const QString table = jsonObjectAsTable(f.value);
        if (f.value == loaded->path) // let a long path wrap at its slashes
            text.replace(QLatin1Char('/'), QStringLiteral("/\u200b"));
        auto* value = new QLabel(facts_box_);
        value->setWordWrap(true);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setContentsMargins(8, 0, 0, 4);
        value->setMinimumWidth(1); // wrap to the panel: a long word or table never widens it past the view
        if (table.isEmpty()) {
            value->setTextFormat(Qt::PlainText);
            value->setText(text);
        } else {
            value->setTextFormat(Qt::RichText);
            value->setText(table);
        }
        label->setToolTip(f.tooltip);
        value->setToolTip(f.tooltip.isEmpty() ? (table.isEmpty() ? f.value : QString()) : f.tooltip);
        facts_->addRow(label, value);
    }
}

void ModelView::setLoadedModel(const LoadedModel* loaded)
{
    loaded_ = loaded;
    rebuildFacts(loaded);
    if (!loaded || !loaded->model) {
        layers_->clear();
        stack_->setCurrentIndex(0);
        return;
    }
    layers_->setData(loaded->summary);
    updateTitle();
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
    // k while training equals k at inference in most models: one column then says it.
    bool same_k = true;
    for (int r = 0; r < layers_->rowCount(); ++r)
        same_k = same_k && layers_->index(r, LayerTableModel::KColumn).data() == layers_->index(r, LayerTableModel::KInferenceColumn).data();
    table_->setColumnHidden(LayerTableModel::KColumn, same_k);
    table_->resizeColumnsToContents();
    stack_->setCurrentIndex(1);
    fitSplitter();
}

} // namespace gui
