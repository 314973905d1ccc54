// sparsescope-cli: a thin layer over core. Each command parses its flags, calls core, prints.
// Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input. Errors: one sentence on stderr.
#pragma once

#include "util/status.h"

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <atomic>
#include <string>

namespace cli {

enum Exit { Ok = 0, RuntimeFailure = 1, BadUsage = 2 };

int fail(const std::string& sentence, int code = BadUsage);
int fail(const ss::Error& e);
int exitCodeFor(const ss::Error& e);

// Parses args (args[0] = "sparsescope-cli <command>"); prints help and returns false with *exit set
// when the user asked for --help or the flags are wrong.
bool parse(QCommandLineParser& p, const QStringList& args, const QString& summary, int* exit);

// Set by SIGINT (Ctrl-C): long commands stop promptly and write nothing half-done.
extern std::atomic<bool> g_cancel;
void installCancelHandler();

bool stderrIsTty();
void progressLine(const std::string& text); // \r-updated line on a terminal, nothing otherwise
void progressDone();

bool parseDoubles(const QString& s, std::vector<double>* out);

// The MODEL argument of info and bench: the one given, or the shipped default model found in the
// data folders (util/data_dir.h) when none is. *exit is set (and false returned) when neither exists.
bool modelArgument(const QCommandLineParser& p, const char* command, QString* path, int* exit);

// `report RESULT.json... -o FILE`: HTML or PDF (cmd_report.cpp); and the writer bench --report uses.
int cmdReport(const QStringList& args);

int cmdInfo(const QStringList& args);
int cmdSynth(const QStringList& args);
int cmdInfer(const QStringList& args);
int cmdEval(const QStringList& args);
int cmdBench(const QStringList& args);
int cmdFpgaPlan(const QStringList& args); // cmd_fpga.cpp
int cmdDataset(const QStringList& args);  // cmd_dataset.cpp
int cmdImport(const QStringList& args);   // cmd_import.cpp
int cmdTrain(const QStringList& args);    // cmd_train.cpp
int cmdListen(const QStringList& args);   // cmd_listen.cpp
int cmdEnroll(const QStringList& args);   // cmd_enroll.cpp
int datasetStream(const QStringList& args); // cmd_listen.cpp: `dataset stream`

} // namespace cli
