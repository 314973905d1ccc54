// listen --device / --list-devices: the capture path (app/capture) feeding the listen session.
#include "cli.h"
#include "listen_session.h"

#include "audiocapture.h"

#include <QCoreApplication>
#include <QTimer>

#include <iostream>

namespace cli {

namespace {
// Qt Multimedia talks to the sound server on stderr ("PulseAudioService: pa_context_connect()
// failed"); the CLI's contract is one sentence of its own, so those go unless asked for.
void quietQtMessages()
{
    if (qEnvironmentVariableIsSet("SPARSESCOPE_QT_MESSAGES"))
        return;
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& msg) {
        if (type == QtFatalMsg)
            std::cerr << msg.toStdString() << std::endl;
    });
}
} // namespace

int listDevices()
{
    quietQtMessages();
    const QList<QAudioDevice> all = AudioCapture::inputs();
    if (all.isEmpty()) {
        std::cout << "No audio input device was found (no sound server running, or no microphone).\n";
        return Ok;
    }
    const QAudioDevice def = AudioCapture::defaultInput(0);
    for (const auto& d : all)
        std::cout << d.description().toStdString() << (d == def ? "  (default)" : "") << "  [" << d.id().toStdString() << "; "
                  << AudioCapture::describe(d.preferredFormat()).toStdString() << "]\n";
    return Ok;
}

int listenDevice(const QString& name, double seconds, ListenSession& session)
{
    quietQtMessages();
    auto device = AudioCapture::findInput(name);
    if (!device)
        return fail(device.error());
    AudioCapture capture(session.sampleRate());
    if (auto s = capture.start(*device); !s)
        return fail(s.error());
    std::cerr << "Listening to '" << device->description().toStdString() << "' (" << capture.formatNote().toStdString()
              << "); Ctrl-C stops.\n";
    int code = Ok;
    bool cancelled = false;
    QObject::connect(&capture, &AudioCapture::samples, [&](const QList<float>& mono) {
        size_t n = size_t(mono.size());
        if (seconds > 0) // stop exactly at --seconds of audio
            n = std::min(n, size_t(std::max(0.0, seconds * session.sampleRate() - session.streamSeconds() * session.sampleRate())));
        session.feed(mono.constData(), n);
        if (seconds > 0 && session.streamSeconds() >= seconds - 1e-9)
            QCoreApplication::quit();
    });
    QObject::connect(&capture, &AudioCapture::failed, [&](const QString& sentence) {
        std::cerr << "sparsescope-cli: " << sentence.toStdString() << std::endl;
        code = RuntimeFailure;
        QCoreApplication::quit();
    });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (g_cancel) {
            cancelled = true;
            QCoreApplication::quit();
        }
    });
    poll.start(50);
    QCoreApplication::exec();
    capture.stop();
    const int summary = session.finish(cancelled);
    return code != Ok ? code : summary;
}

} // namespace cli
