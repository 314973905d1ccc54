// Tests of the HTML and PDF reports (issue 17), looked at with real readers: the PDF rendered by
// poppler (pdfinfo, pdftoppm, pdftotext) and the HTML loaded in headless Chromium. Both readers
// are Debian packages of DEB_PACKAGES (poppler-utils, chromium); a missing one skips its test.
#include "report/report_doc.h"
#include "report_writer.h"

#include <nlohmann/json.hpp>

#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace ss;

namespace {

LayerResult layer(const std::string& name, const std::string& op, bool weighted, double macs_dense, double w, double a,
                  double us, int64_t items)
{
    LayerResult l;
    l.stats.layer = name;
    l.stats.op = op;
    l.stats.kernel = op + ".f32.cs-sparse-row-scatter";
    l.stats.weighted = weighted;
    l.stats.macs_dense = macs_dense;
    l.stats.weight_density = w;
    l.stats.input_size = 1000;
    l.stats.items = items;
    l.macs_executed_per_item = macs_dense * w * a * 1.1;
    l.macs_bound_per_item = macs_dense * w * a;
    l.input_density = a;
    l.seconds_per_item = us * 1e-6;
    l.stats.seconds = l.seconds_per_item * double(items);
    return l;
}

BenchResult result(const std::string& engine, const std::string& device, double ips, FigureSource energy, int n_layers)
{
    BenchResult r;
    r.engine = engine;
    r.device = device;
    r.items = 10000;
    r.iterations = 10000;
    r.items_per_second = ips;
    r.seconds = double(r.items) / ips;
    r.latency_p50_ms = 1000 / ips;
    r.latency_p90_ms = 1.2 * r.latency_p50_ms;
    r.latency_p99_ms = 1.9 * r.latency_p50_ms;
    const bool sparse = engine.find("sparse") != std::string::npos;
    for (int i = 0; i < n_layers; ++i)
        r.layers.push_back(layer("layer" + std::to_string(i) + "_" + engine, i % 2 ? "linear" : "conv2d", true, 1e6,
                                 sparse ? 0.1 : 1.0, sparse ? 0.1 : 1.0, 1e6 / ips / n_layers, r.items));
    for (const auto& l : r.layers) {
        r.macs_dense += l.stats.macs_dense;
        r.macs_executed += l.macs_executed_per_item;
        r.macs_bound += l.macs_bound_per_item;
    }
    r.energy_j_per_item = 10.0 / ips;
    r.energy_source = energy;
    r.energy_meter = energy == FigureSource::Measured ? "rapl:package-0" : "estimate: 10 W per busy core";
    r.isa = "avx512";
    for (int i = 1; i <= 30; ++i)
        r.throughput.push_back({0.1 * i, ips * (0.9 + 0.2 * ((i * 7) % 10) / 10.0)});
    return r;
}

BenchContext context(const std::string& model, const std::string& host)
{
    BenchContext c;
    c.date = "2026-12-06T20:00:00+00:00";
    c.host = host;
    c.model_name = model;
    c.model_path = "/usr/share/sparsescope/models/" + model + ".safetensors";
    c.model_trained = true;
    c.model_sha256 = std::string(64, 'a');
    c.cpu = "Test CPU @ 3.0GHz";
    c.isa = "avx512";
    c.cores = 2;
    c.build_type = "Release";
    c.version = "0.1.0";
    c.compiler = "GCC 12.2.0";
    c.git_commit = "0123456789ab";
    c.model_layers = {{"cnn1", "Conv2d", 0.5, 2, 0, 1.0, true, 1.6e6, 0.8e6}, {"linear1", "Linear", 0.1, 10, 100, 0.125, false, 1.6e6, 2e4}};
    c.warnings = {"energy is estimated (process CPU time x watts per core), not measured: no RAPL."};
    return c;
}

// Two results side by side: a CPU run with estimated energy and an fpga-sim run (modelled).
std::vector<LabelledReport> fixture(int n_layers = 4)
{
    LabelledReport cpu{"R1: cpu.json", context("gsc-cs", "hostA"),
                       {result("dense", "cpu", 2000, FigureSource::Estimated, n_layers),
                        result("sparse-sparse", "cpu", 14000, FigureSource::Estimated, n_layers),
                        result("torch", "cpu", 500, FigureSource::Estimated, n_layers)}};
    LabelledReport fpga{"R2: fpga.json", context("gsc-cs", "hostB"),
                        {result("dense", "fpga-sim:u250", 90000, FigureSource::Modelled, n_layers),
                         result("sparse-sparse", "fpga-sim:u250", 400000, FigureSource::Modelled, n_layers)}};
    fpga.context.fpga_plan = {{"sparse-sparse", "AMD Alveo U250", 12, true, "dsp", 300, 400000, 4.8e6, 0.05, 60, 1.2e-5}};
    return {cpu, fpga};
}

QString tool(const char* name) { return QStandardPaths::findExecutable(QString::fromLatin1(name)); }

QString run(const QString& program, const QStringList& args, int* exit_code = nullptr, int timeout_ms = 120000)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
    }
    if (exit_code)
        *exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()) + QString::fromUtf8(p.readAllStandardError());
}

// Share of pixels that differ clearly from the page's background colour (taken at a corner).
double inkShare(const QImage& img, QRect area = {})
{
    if (area.isNull())
        area = img.rect();
    const QColor bg = img.pixelColor(1, 1);
    int64_t ink = 0, all = 0;
    for (int y = area.top(); y <= area.bottom(); y += 2)
        for (int x = area.left(); x <= area.right(); x += 2) {
            const QColor c = img.pixelColor(x, y);
            ++all;
            if (std::abs(c.red() - bg.red()) + std::abs(c.green() - bg.green()) + std::abs(c.blue() - bg.blue()) > 60)
                ++ink;
        }
    return all ? double(ink) / double(all) : 0;
}

// Pixels close to an engine colour (bars of that engine drawn solid).
int64_t colorPixels(const QImage& img, uint32_t rgb)
{
    const int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
    int64_t n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            if (std::abs(c.red() - r) + std::abs(c.green() - g) + std::abs(c.blue() - b) < 30)
                ++n;
        }
    return n;
}

} // namespace

class TestReportFiles : public QObject {
    Q_OBJECT

private slots:
    void documentLabelsEverySource();
    void htmlIsSelfContained();
    void htmlInChromium();
    void pdfPagesA4AndLetter_data();
    void pdfPagesA4AndLetter();
    void pdfRowsNeverCut();
    void writeRefusesUnknownExtension();
    void writeIsAtomic();
    void jsonKeepsReportFields();
    void cliBenchAndReport();
};

void TestReportFiles::documentLabelsEverySource()
{
    const ReportDocument doc = buildReportDocument(fixture());
    std::vector<std::string> charts;
    for (const auto& b : doc.blocks)
        if (b.kind == ReportBlock::Kind::Chart) {
            charts.push_back(b.chart.id);
            QVERIFY2(!b.chart.caption.empty(), b.chart.id.c_str());
        }
    QCOMPARE(charts, (std::vector<std::string>{"throughput", "energy", "speedup", "layers", "over-time"}));
    for (const auto& b : doc.blocks) {
        if (b.kind != ReportBlock::Kind::Chart)
            continue;
        for (const auto& g : b.chart.groups) {
            const bool fpga = g.label.find("fpga-sim") != std::string::npos;
            for (const auto& bar : g.bars) {
                if (b.chart.id == "energy")
                    QVERIFY2(bar.hatched, "estimated and modelled energy bars are hatched");
                if (b.chart.id == "throughput") {
                    QCOMPARE(bar.hatched, fpga); // modelled throughput hatched, measured solid
                    QVERIFY(bar.text.find(fpga ? "(modelled)" : "(measured)") != std::string::npos);
                }
            }
        }
        if (b.chart.id == "over-time") // simulation time is not throughput over time
            for (const auto& l : b.chart.lines)
                QVERIFY(l.label.find("fpga-sim") == std::string::npos);
    }
    // The FPGA plan table, labelled modelled; the engine tables name their source per row.
    bool plan = false, sources = false;
    for (const auto& b : doc.blocks)
        if (b.kind == ReportBlock::Kind::Table) {
            plan = plan || (b.table.caption.find("FPGA plan (modelled") == 0 && b.table.rows.size() == 1);
            if (!b.table.header.empty() && b.table.header.back() == "source")
                for (const auto& row : b.table.rows)
                    sources = row.back() == "measured" || row.back() == "modelled";
        }
    QVERIFY(plan);
    QVERIFY(sources);
}

void TestReportFiles::htmlIsSelfContained()
{
    const std::string html = reportToHtml(buildReportDocument(fixture()));
    const QString h = QString::fromStdString(html);
    QVERIFY(h.startsWith("<!DOCTYPE html>"));
    QVERIFY(!h.contains("<script", Qt::CaseInsensitive));
    QVERIFY(!h.contains(" src=", Qt::CaseInsensitive));
    QVERIFY(!h.contains(" href=", Qt::CaseInsensitive));
    QVERIFY(!h.contains("@import"));
    // The only URL is the SVG namespace, which is never fetched.
    QCOMPARE(h.count(QRegularExpression("https?://")), h.count("http://www.w3.org/2000/svg"));
    QCOMPARE(h.count("<svg "), 5);
    QVERIFY(h.contains("prefers-color-scheme: dark"));
    QVERIFY(h.contains("break-inside: avoid"));
    QVERIFY(h.contains("<pattern id=\"h-energy-")); // hatched (estimated/modelled) energy bars
    for (const char* word : {"measured", "estimated", "modelled", "p99 ms", "SHA-256", "GCC 12.2.0", "0123456789ab", "AMD Alveo U250"})
        QVERIFY2(h.contains(word), word);
}

void TestReportFiles::htmlInChromium()
{
    const QString chromium = tool("chromium");
    if (chromium.isEmpty())
        QSKIP("chromium is not installed (Debian package chromium, in DEB_PACKAGES): the HTML was not loaded in a browser.");
    QTemporaryDir dir;
    const QString html = dir.filePath("report.html");
    QVERIFY(report::writeReport(fixture(), html.toStdString()).isOk());
    for (const bool dark : {false, true}) {
        const QString png = dir.filePath(dark ? "dark.png" : "light.png");
        QStringList args{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                         "--user-data-dir=" + dir.filePath(dark ? "profile-dark" : "profile-light"), "--window-size=1000,2600",
                         "--screenshot=" + png};
        if (dark)
            args << "--force-dark-mode" << "--blink-settings=preferredColorScheme=0";
        args << "file://" + html;
        int code = 0;
        const QString out = run(chromium, args, &code);
        QVERIFY2(code == 0 && QFile::exists(png), qPrintable(out));
        QImage img(png);
        QVERIFY(!img.isNull());
        if (qEnvironmentVariableIsSet("SS_KEEP_REPORT_SHOTS"))
            img.save(qEnvironmentVariable("SS_KEEP_REPORT_SHOTS") + (dark ? "/chromium-dark.png" : "/chromium-light.png"));
        const QColor bg = img.pixelColor(2, 2);
        QVERIFY2(dark ? bg.lightness() < 60 : bg.lightness() > 200, qPrintable(QString("background %1").arg(bg.name())));
        // The charts are drawn: solid bars in the engines' colours (throughput, speed-up), and ink
        // over the whole page, not a blank or error page.
        QVERIFY2(colorPixels(img, reportEngineColor("sparse-sparse")) > 2000, "sparse-sparse bars");
        QVERIFY2(colorPixels(img, reportEngineColor("dense")) > 2000, "dense bars");
        QVERIFY(inkShare(img) > 0.05);
    }
}

void TestReportFiles::pdfPagesA4AndLetter_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QString>("points");
    QTest::newRow("a4") << "a4" << "595 x 842";
    QTest::newRow("letter") << "letter" << "612 x 792";
}

void TestReportFiles::pdfPagesA4AndLetter()
{
    QFETCH(QString, page);
    QFETCH(QString, points);
    if (tool("pdftoppm").isEmpty() || tool("pdfinfo").isEmpty())
        QSKIP("poppler-utils is not installed: the PDF was not rendered.");
    report::PageSize size;
    QVERIFY(report::parsePageSize(page.toStdString(), &size));
    QTemporaryDir dir;
    const QString pdf = dir.filePath("report.pdf");
    QVERIFY(report::writeReport(fixture(), pdf.toStdString(), size).isOk());
    const QString info = run(tool("pdfinfo"), {pdf});
    QVERIFY2(info.contains(QRegularExpression("Page size:\\s+" + QRegularExpression::escape(points) + " pts")), qPrintable(info));
    const int pages = QRegularExpression("Pages:\\s+(\\d+)").match(info).captured(1).toInt();
    QVERIFY2(pages >= 2, qPrintable(info));
    int code = 0;
    run(tool("pdftoppm"), {"-r", "40", "-png", pdf, dir.filePath("page")}, &code);
    QCOMPARE(code, 0);
    const QStringList pngs = QDir(dir.path()).entryList({"page*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(pngs.size(), pages);
    for (const QString& f : pngs) {
        const QImage img(dir.filePath(f));
        QVERIFY(!img.isNull());
        QVERIFY2(inkShare(img) > 0.01, qPrintable(f + " is blank"));
        if (qEnvironmentVariableIsSet("SS_KEEP_REPORT_SHOTS"))
            QFile::copy(dir.filePath(f), qEnvironmentVariable("SS_KEEP_REPORT_SHOTS") + "/pdf-" + page + "-" + f);
    }
    // Page 1 holds the charts: solid bars in the engines' colours at 40 dpi.
    const QImage first(dir.filePath(pngs.front()));
    QVERIFY(colorPixels(first, reportEngineColor("sparse-sparse")) > 50);
}

void TestReportFiles::pdfRowsNeverCut()
{
    if (tool("pdftotext").isEmpty())
        QSKIP("poppler-utils is not installed: the PDF's text was not read back.");
    // 60 layers per engine: the per-layer tables run over several pages.
    const ReportDocument doc = buildReportDocument(fixture(60));
    report::PdfLayout layout;
    const QByteArray bytes = report::renderPdf(doc, report::PageSize::A4, &layout);
    QTemporaryDir dir;
    const QString pdf = dir.filePath("long.pdf");
    {
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }
    QVERIFY(layout.pages >= 5);
    QVERIFY(layout.rows.size() > 300);
    std::vector<QString> page_text(size_t(layout.pages));
    for (int p = 0; p < layout.pages; ++p)
        page_text[size_t(p)] = run(tool("pdftotext"), {"-layout", "-f", QString::number(p + 1), "-l", QString::number(p + 1), pdf, "-"});
    int checked = 0;
    for (const auto& row : layout.rows) {
        // Inside the page's content area, so no page break went through it ...
        QVERIFY(row.top >= layout.content_top - 0.01);
        QVERIFY2(row.bottom <= layout.content_bottom + 0.01, row.first_cell.c_str());
        // ... and the PDF agrees: the row's first and last cells are on the page the layout says.
        if (row.first_cell.rfind("layer", 0) == 0) {
            const QString& text = page_text[size_t(row.page)];
            QVERIFY2(text.contains(QString::fromStdString(row.first_cell)), row.first_cell.c_str());
            QVERIFY2(text.contains(QString::fromStdString(row.last_cell)), row.last_cell.c_str());
            ++checked;
        }
    }
    QVERIFY(checked > 250);
    // A table that runs on repeats its header on the next page.
    int pages_with_header = 0;
    for (const QString& t : page_text)
        pages_with_header += t.contains("µs/item");
    QVERIFY(pages_with_header >= 4);
}

void TestReportFiles::writeRefusesUnknownExtension()
{
    QTemporaryDir dir;
    const auto s = report::writeReport(fixture(), dir.filePath("report.txt").toStdString());
    QVERIFY(!s.isOk());
    QVERIFY(s.message().find("must end in .html or .pdf") != std::string::npos);
    QVERIFY(!QFile::exists(dir.filePath("report.txt")));
    QCOMPARE(reportFormatOf("x/Report.PDF"), std::string("pdf"));
    QCOMPARE(reportFormatOf("x.htm"), std::string("html"));
    QCOMPARE(reportFormatOf("dir.pdf/x"), std::string());
}

void TestReportFiles::writeIsAtomic()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("r.pdf");
    QVERIFY(report::writeReport(fixture(), path.toStdString()).isOk());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(5) == "%PDF-");
    // No temporary left beside it; a folder in the way is refused with a sentence, nothing written.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
    QVERIFY(QDir(dir.path()).mkdir("taken.html"));
    const auto s = report::writeReport(fixture(), dir.filePath("taken.html").toStdString());
    QVERIFY(!s.isOk());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);
}

void TestReportFiles::jsonKeepsReportFields()
{
    auto reports = fixture();
    const nlohmann::json j = benchToJson(reports[1].context, reports[1].results);
    auto back = benchFromJson(j);
    QVERIFY(back.isOk());
    const BenchContext& c = back->first;
    QCOMPARE(c.compiler, std::string("GCC 12.2.0"));
    QCOMPARE(c.git_commit, std::string("0123456789ab"));
    QCOMPARE(c.model_sha256, std::string(64, 'a'));
    QCOMPARE(c.model_layers.size(), size_t(2));
    QCOMPARE(c.model_layers[1].k, 100);
    QVERIFY(!c.model_layers[1].input_density_exact);
    QCOMPARE(c.fpga_plan.size(), size_t(1));
    QCOMPARE(c.fpga_plan[0].instances, 12);
    QCOMPARE(back->second[0].throughput.size(), size_t(30));
    QCOMPARE(back->second[0].throughput[2].elapsed_seconds, 0.30000000000000004);
}

// The real CLI: bench with no MODEL finds the shipped default model, writes JSON and a PDF report;
// report reads two results side by side; bad arguments get one sentence and exit 2.
void TestReportFiles::cliBenchAndReport()
{
    QTemporaryDir dir;
    const QString cli = QStringLiteral(SS_CLI_PATH);
    int code = -1;
    QString out = run(cli, {"bench", "--engines", "dense,sparse-sparse", "--seconds", "0.3", "--json", dir.filePath("a.json"),
                            "--report", dir.filePath("a.pdf")}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    QVERIFY(out.contains("gsc-cs"));
    QFile pdf(dir.filePath("a.pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    auto back = readBenchReport(dir.filePath("a.json").toStdString());
    QVERIFY(back.isOk());
    QCOMPARE(back->first.model_sha256.size(), size_t(64));
    QVERIFY(!back->first.model_layers.empty());
    QVERIFY(!back->second[0].throughput.empty());

    out = run(cli, {"report", dir.filePath("a.json"), dir.filePath("a.json"), "-o", dir.filePath("b.html")}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    QFile html(dir.filePath("b.html"));
    QVERIFY(html.open(QIODevice::ReadOnly));
    const QString h = QString::fromUtf8(html.readAll());
    QVERIFY(h.contains("R1: a.json") && h.contains("R2: a.json"));

    out = run(cli, {"report", dir.filePath("a.json"), "-o", dir.filePath("c.docx")}, &code);
    QCOMPARE(code, 2);
    QVERIFY2(out.contains("must end in .html or .pdf") && out.count('\n') == 1, qPrintable(out));
    QVERIFY(!QFile::exists(dir.filePath("c.docx")));
    out = run(cli, {"report", dir.filePath("absent.json"), "-o", dir.filePath("c.html")}, &code);
    QCOMPARE(code, 2);
    QVERIFY2(out.contains("absent.json"), qPrintable(out));
    out = run(cli, {"report", dir.filePath("a.json"), "-o", dir.filePath("c.pdf"), "--page", "a3"}, &code);
    QCOMPARE(code, 2);
    QVERIFY(out.contains("--page must be a4 or letter"));
}

QTEST_MAIN(TestReportFiles)
#include "tst_reportfiles.moc"
