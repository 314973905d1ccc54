// Build-time helper: writes the 256 px icon scaled to N px (smooth), for the hicolor PNG sizes.
#include <QImage>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: scale_icon IN.png SIZE OUT.png\n");
        return 2;
    }
    const QImage in(QString::fromLocal8Bit(argv[1]));
    const int n = std::atoi(argv[2]);
    if (in.isNull() || n < 1 || n > 1024) {
        std::fprintf(stderr, "scale_icon: cannot read %s or bad size %s\n", argv[1], argv[2]);
        return 1;
    }
    const QImage out = in.convertToFormat(QImage::Format_ARGB32).scaled(n, n, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return out.save(QString::fromLocal8Bit(argv[3]), "PNG") ? 0 : 1;
}
