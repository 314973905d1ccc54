// The Benchmark view's FPGA resources: per engine, one network instance's LUT, FF, BRAM, URAM and
// DSP as a share of the part, the instances that fit the chip and the resource that limits them —
// from ss::fpga::estimate, the same numbers `sparsescope-cli fpga-plan` prints. Every figure is
// MODELLED (docs/fpga-model.md).
#pragma once

#include "fpga/model/perf_model.h"
#include "model/model.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace gui {

class FpgaPlanModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns {
        EngineColumn,
        InstancesColumn,   // per chip, under the utilisation limits
        LimitingColumn,    // the resource that limits the instance count
        FitsColumn,
        LutColumn,         // one instance, % of the part's total
        FfColumn,
        BramColumn,
        UramColumn,
        DspColumn,
        ChipThroughputColumn, // items/s, all instances
        ChipEnergyColumn,     // joules per item, all instances
        SourceColumn,         // "modelled"
        ColumnCount
    };
    Q_ENUM(Columns)
    enum Roles { RawValueRole = Qt::UserRole + 1 };

    explicit FpgaPlanModel(QObject* parent = nullptr);

    // Plans `engines` (those with FPGA kernels; others are left out) of `model` on `part`
    // ("u250", "zu3eg"); an empty part or no model clears the table.
    void setPlan(const std::shared_ptr<const ss::Model>& model, const QString& part, const QStringList& engines);
    void clear();

    QString part() const { return part_; }
    QString partName() const;
    QString error() const { return error_; } // why there is no plan (e.g. the model does not quantise)
    const std::vector<ss::fpga::NetworkEstimate>& estimates() const { return estimates_; }
    QStringList engines() const;
    // Utilisation of one instance as a fraction of the part's total, for resource column c.
    double share(int row, int column) const;
    static QString resourceName(int column); // "LUT", "FF", "BRAM36", "URAM", "DSP"

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const ss::Model* quantised_for_ = nullptr;
    std::shared_ptr<const ss::Model> model_;
    std::optional<ss::q8::QNet> net_;
    QString part_, error_;
    std::vector<ss::fpga::NetworkEstimate> estimates_;
};

} // namespace gui
