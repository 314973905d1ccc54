#include "cli.h"

#include "util/data_dir.h"

#include <QTextStream>

#include <csignal>
#include <cstdio>
#include <iostream>

#include <unistd.h>

namespace cli {

std::atomic<bool> g_cancel{false};

int exitCodeFor(const ss::Error& e) { return e.code == ss::ErrorCode::Runtime ? RuntimeFailure : BadUsage; }

int fail(const std::string& sentence, int code)
{
    progressDone();
    std::cerr << "sparsescope-cli: " << sentence << std::endl;
    return code;
}

int fail(const ss::Error& e) { return fail(e.message, exitCodeFor(e)); }

bool parse(QCommandLineParser& p, const QStringList& args, const QString& summary, int* exit)
{
    p.setApplicationDescription(summary);
    p.addHelpOption();
    if (!p.parse(args)) {
        *exit = fail(p.errorText().toStdString() + " (see --help).");
        return false;
    }
    if (p.isSet("help")) {
        std::cout << p.helpText().toStdString();
        *exit = Ok;
        return false;
    }
    return true;
}

namespace {
void onSigint(int) { g_cancel = true; }
bool g_progress_shown = false;
} // namespace

void installCancelHandler() { std::signal(SIGINT, onSigint); }

bool stderrIsTty() { return ::isatty(2) == 1; }

void progressLine(const std::string& text)
{
    if (!stderrIsTty())
        return;
    std::cerr << "\r\033[K" << text << std::flush;
    g_progress_shown = true;
}

void progressDone()
{
    if (g_progress_shown) {
        std::cerr << "\r\033[K" << std::flush;
        g_progress_shown = false;
    }
}

bool modelArgument(const QCommandLineParser& p, const char* command, QString* path, int* exit)
{
    const QStringList pos = p.positionalArguments();
    if (pos.size() > 1) {
        *exit = fail(std::string(command) + " takes at most one MODEL file (see --help).");
        return false;
    }
    if (pos.size() == 1) {
        *path = pos[0];
        return true;
    }
    const std::string found = ss::defaultModelPath();
    if (found.empty()) {
        std::string tried;
        for (const std::string& d : ss::dataDirCandidates())
            tried += (tried.empty() ? "" : ", ") + d + "/models";
        *exit = fail(std::string(command) + " was given no MODEL and the default model gsc-cs.safetensors is in none of " + tried +
                     "; give a model file.");
        return false;
    }
    *path = QString::fromStdString(found);
    return true;
}

bool parseDoubles(const QString& s, std::vector<double>* out)
{
    out->clear();
    for (const QString& part : s.split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const double v = part.trimmed().toDouble(&ok);
        if (!ok)
            return false;
        out->push_back(v);
    }
    return !out->empty();
}

} // namespace cli
