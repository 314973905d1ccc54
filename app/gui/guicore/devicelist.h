// The devices the Benchmark view offers, from fpga/model/devices.h (the CLI's --device names):
// cpu, fpga-sim:<part> for each modelled part, and xrt:<index> for each board XRT reports.
#pragma once

#include <QList>
#include <QString>

namespace gui {

struct DeviceChoice {
    QString id;      // as --device takes it: "cpu", "fpga-sim:u250", "xrt:0"
    QString label;   // shown in the combo box
    QString tooltip; // what the figures on this device are (measured, modelled)
};

// Every device this build and machine can run on. *xrt_note says why no xrt device is listed
// (no XRT backend built, or no board found); empty when boards are listed.
QList<DeviceChoice> benchmarkDevices(QString* xrt_note = nullptr);

// The FPGA part whose resources a device's plan uses: the sim part, or u250 (the v++ platform of the
// kernels) for xrt; empty for cpu or an unknown device.
QString fpgaPartOf(const QString& device);

} // namespace gui
