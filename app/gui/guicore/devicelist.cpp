#include "guicore/devicelist.h"

#include "fpga/model/devices.h"
#include "fpga/model/perf_model.h"
#include "guicore/format.h"

#include <QCoreApplication>

namespace gui {

QList<DeviceChoice> benchmarkDevices(QString* xrt_note)
{
    auto tr = [](const char* s) { return QCoreApplication::translate("DeviceList", s); };
    QList<DeviceChoice> out;
    out.append({QStringLiteral("cpu"), tr("CPU"), tr("The engines run on this CPU; throughput is measured, energy measured (RAPL) or estimated.")});
    for (const ss::fpga::Part& p : ss::fpga::parts())
        out.append({QStringLiteral("fpga-sim:") + qs(p.id), QStringLiteral("fpga-sim:") + qs(p.id),
                    tr("Simulated %1: outputs from the C-simulated HLS kernels; throughput, latency, energy and resources are "
                       "MODELLED (docs/fpga-model.md), not measured.")
                        .arg(qs(p.name))});
    std::string why;
    for (const std::string& name : ss::fpga::xrtDeviceNames(&why))
        out.append({qs(name), qs(name), tr("A real FPGA board through XRT: throughput measured, energy from the board's power sensor.")});
    if (xrt_note)
        *xrt_note = qs(why);
    return out;
}

QString fpgaPartOf(const QString& device)
{
    auto d = ss::fpga::parseDevice(device.toStdString());
    if (!d || d->kind == ss::fpga::DeviceSpec::Kind::Cpu)
        return {};
    return d->kind == ss::fpga::DeviceSpec::Kind::Sim ? qs(d->part) : QStringLiteral("u250");
}

} // namespace gui
