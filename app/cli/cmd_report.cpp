// report: benchmark results (bench --json, or saved by the app) as one HTML or PDF report.
#include "cli.h"

#include "report/report_doc.h"
#include "report_writer.h"
#include "util/output_file.h"

#include <QFileInfo>

#include <iostream>

namespace cli {

int cmdReport(const QStringList& args)
{
    QCommandLineParser p;
    p.addPositionalArgument("RESULT", "Benchmark results in JSON (bench --json, or Save in the app); several are shown side by side.",
                            "RESULT.json...");
    p.addOption({{"o", "output"}, "The report to write: FILE.html (one self-contained file, no scripts) or FILE.pdf.", "FILE"});
    p.addOption({"page", "Page size of a PDF report: a4 or letter.", "SIZE", "a4"});
    int exit = 0;
    if (!parse(p, args, "Write a report of one or more benchmark results: model, machine and build, each engine's\n"
                        "throughput, latency p50/p90/p99, MACs executed vs the bound, energy with its source, per-layer\n"
                        "tables, the FPGA plan when present, and charts. Every figure says whether it is measured,\n"
                        "estimated or modelled.", &exit))
        return exit;
    const QStringList inputs = p.positionalArguments();
    if (inputs.isEmpty())
        return fail("report needs at least one RESULT.json (see --help).");
    if (!p.isSet("output"))
        return fail("report needs -o FILE.html or -o FILE.pdf (see --help).");
    const std::string out = p.value("output").toStdString();
    if (ss::reportFormatOf(out).empty())
        return fail("-o '" + out + "' must end in .html or .pdf (that picks the report's format).");
    ss::report::PageSize page = ss::report::PageSize::A4;
    if (!ss::report::parsePageSize(p.value("page").toStdString(), &page))
        return fail("--page must be a4 or letter (got '" + p.value("page").toStdString() + "').");
    if (auto s = ss::checkOutputTarget(out); !s)
        return fail(s.error());
    std::vector<std::string> paths;
    for (const QString& in : inputs)
        paths.push_back(in.toStdString());
    auto reports = ss::readLabelledReports(paths);
    if (!reports)
        return fail(reports.error());
    if (auto s = ss::report::writeReport(*reports, out, page); !s)
        return fail(s.error());
    std::cout << "Report of " << reports->size() << (reports->size() == 1 ? " result" : " results") << " written to " << out << "\n";
    return Ok;
}

} // namespace cli
