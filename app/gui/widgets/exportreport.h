// File > Export Report… (issue 17): the results the Benchmark view shows (a run, or a JSON report
// opened) written as an HTML or PDF report by the same writer as `sparsescope-cli report`.
#pragma once

class QWidget;

namespace gui {

class BenchmarkController;

// Asks for a file name (.html or .pdf) and writes the report; errors in a message box.
void exportReportDialog(QWidget* parent, const BenchmarkController& controller);

} // namespace gui
