// Runs sparsescope-cli (SS_CLI_PATH, defined by the suite's CMakeLists) and collects what it said.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace sstest {

struct CliRun {
    int exit = -1; // -1: crashed or timed out
    QString out, err;
};

inline CliRun runCli(const QStringList& args, int timeout_ms = 120000)
{
    QProcess p;
    p.start(QStringLiteral(SS_CLI_PATH), args);
    CliRun r;
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exit = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace sstest
