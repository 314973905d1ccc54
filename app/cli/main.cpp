// sparsescope-cli: everything the desktop app shows, headless.
#include "cli.h"
#include "engines/blas_env.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <ios>
#include <new>
#include <stdexcept>
#include <string>
#include <variant>

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const QStringList&);
};

const Command kCommands[] = {
    {"info", "Show a model's layers, shapes, densities, group sizes, k and MACs (dense and bound).", cli::cmdInfo},
    {"synth", "Write a model with random weights and complementary masks for any densities.", cli::cmdSynth},
    {"infer", "Classify one WAV clip or .npy feature tensor and print the logits as JSON.", cli::cmdInfer},
    {"eval", "Accuracy per engine on a Speech-Commands-layout dataset, and how often engines agree.", cli::cmdEval},
    {"bench", "Throughput, latency, MACs vs bound and energy of engines run side by side.", cli::cmdBench},
    {"fpga-plan", "FPGA resources, instances per chip, throughput and energy per engine (modelled).", cli::cmdFpgaPlan},
    {"dataset", "Make data sets: 'dataset synth' writes a synthetic Speech Commands set with espeak-ng.", cli::cmdDataset},
    {"import", "Turn a PyTorch state dict (torch.save) of the GSC sparse CNN into a model; checks complementarity.", cli::cmdImport},
    {"listen", "Recognise keywords live in a WAV file or from a microphone through engines side by side; score a stream.", cli::cmdListen},
    {"enroll", "Record a speaker's takes of every keyword (or read a folder of them) for personalising a model.", cli::cmdEnroll},
    {"report", "Write an HTML or PDF report with charts of one or more benchmark results (bench --json).", cli::cmdReport},
    {"train", "Train the GSC network (dense, sparse or complementary) with libtorch and write a model.", cli::cmdTrain},
};

void usage(std::ostream& os)
{
    os << "Usage: sparsescope-cli <command> [options]\n\n"
          "SparseScope measures what sparse weights and sparse (k-WTA) activations buy a neural\n"
          "network when run with Complementary Sparsity.\n\nCommands:\n";
    for (const auto& c : kCommands)
        os << "  " << c.name << std::string(std::string(c.name).size() < 10 ? 10 - std::string(c.name).size() : 1, ' ') << c.summary << "\n";
    os << "\nRun 'sparsescope-cli <command> --help' for a command's options.\n"
          "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.\n";
}

// Parser and library messages may quote the bytes they choked on: keep them printable and short.
std::string printable(const char* what)
{
    std::string out;
    for (const char* p = what; p && *p && out.size() < 200; ++p)
        out += (static_cast<unsigned char>(*p) >= 32 && static_cast<unsigned char>(*p) < 127) ? *p : '?';
    while (!out.empty() && (out.back() == '.' || out.back() == ' '))
        out.pop_back();
    return out.empty() ? std::string("no detail") : out;
}

// The one exception boundary of every command: core reports errors as values, but the standard
// library and parsers can still throw (bad_alloc, a stray stoi, a json type error). Whatever
// escapes a command becomes one sentence and an exit code, never an abort.
int runCommand(const Command& c, const QStringList& sub)
{
    const std::string name = c.name;
    try {
        return c.run(sub);
    } catch (const std::bad_alloc&) {
        return cli::fail("'" + name + "' ran out of memory; the input asks for more than this machine can give.",
                         cli::RuntimeFailure);
    } catch (const nlohmann::json::exception& e) {
        return cli::fail("'" + name + "' met malformed JSON in its input (" + printable(e.what()) + ").", cli::BadUsage);
    } catch (const std::ios_base::failure& e) {
        return cli::fail("'" + name + "' could not read or write a file (" + printable(e.what()) + ").", cli::BadUsage);
    } catch (const std::logic_error& e) { // invalid_argument, out_of_range, length_error: values out of bounds
        return cli::fail("'" + name + "' refused a value in its input (" + printable(e.what()) + ").", cli::BadUsage);
    } catch (const std::bad_variant_access& e) {
        return cli::fail("'" + name + "' stopped on an internal error (" + printable(e.what()) + "); please report it.",
                         cli::RuntimeFailure);
    } catch (const std::exception& e) {
        return cli::fail("'" + name + "' failed (" + printable(e.what()) + ").", cli::RuntimeFailure);
    } catch (...) {
        return cli::fail("'" + name + "' stopped on an unknown internal error; please report it.", cli::RuntimeFailure);
    }
}

// A PDF report is drawn with QPainter, whose fonts need a QGuiApplication; every other command
// runs on a QCoreApplication. The CLI never opens a window, so its GUI application always uses the
// offscreen platform (no display needed).
bool needsGui(int argc, char** argv)
{
    if (argc < 2)
        return false;
    if (std::string(argv[1]) == "report")
        return true;
    for (int i = 2; i < argc; ++i)
        if (std::string(argv[i]).rfind("--report", 0) == 0)
            return true;
    return false;
}

std::unique_ptr<QCoreApplication> makeApp(int& argc, char** argv)
{
    if (!needsGui(argc, argv))
        return std::make_unique<QCoreApplication>(argc, argv);
    qputenv("QT_QPA_PLATFORM", "offscreen");
    // Without a desktop session Qt notes that XDG_RUNTIME_DIR is unset and picks a folder itself;
    // the CLI uses no runtime folder, so that note is noise on stderr (which carries sentences only).
    static QtMessageHandler previous = nullptr;
    previous = qInstallMessageHandler([](QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
        if (msg.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR not set")))
            return;
        if (previous)
            previous(type, ctx, msg);
    });
    return std::make_unique<QGuiApplication>(argc, argv);
}
} // namespace

int main(int argc, char** argv)
{
    ss::fixBlasCoreType(argv); // may re-exec: before anything else
    const auto app_holder = makeApp(argc, argv);
    QCoreApplication& app = *app_holder;
    QCoreApplication::setApplicationName("sparsescope-cli");
    QCoreApplication::setApplicationVersion(SPARSESCOPE_VERSION);
    const QStringList args = app.arguments();
    if (args.size() < 2 || args[1] == "--help" || args[1] == "-h" || args[1] == "help") {
        usage(std::cout);
        return args.size() < 2 ? cli::BadUsage : cli::Ok;
    }
    if (args[1] == "--version" || args[1] == "-v") {
        std::cout << "sparsescope-cli " << SPARSESCOPE_VERSION << " (" << SPARSESCOPE_BUILD_TYPE << ")\n";
        return cli::Ok;
    }
    for (const auto& c : kCommands)
        if (args[1] == c.name) {
            QStringList sub = args.mid(1);
            sub[0] = QString("sparsescope-cli ") + c.name;
            cli::installCancelHandler();
            return runCommand(c, sub);
        }
    std::cerr << "sparsescope-cli: unknown command '" << args[1].toStdString() << "' (see --help).\n";
    return cli::BadUsage;
}
