#ifndef CZXING_H
#define CZXING_H
// A C face on zxing-cpp 1.4 (Debian libzxing-dev): the independent decoder labeld's
// verification reads its own rasters with. zxing-cpp shares no code with zint.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Format bits as zxing-cpp numbers them (ZXing::BarcodeFormat).
enum {
    CZXING_AZTEC = 1 << 0, CZXING_CODABAR = 1 << 1, CZXING_CODE39 = 1 << 2, CZXING_CODE93 = 1 << 3,
    CZXING_CODE128 = 1 << 4, CZXING_DATABAR = 1 << 5, CZXING_DATABAR_EXPANDED = 1 << 6,
    CZXING_DATAMATRIX = 1 << 7, CZXING_EAN8 = 1 << 8, CZXING_EAN13 = 1 << 9, CZXING_ITF = 1 << 10,
    CZXING_MAXICODE = 1 << 11, CZXING_PDF417 = 1 << 12, CZXING_QRCODE = 1 << 13, CZXING_UPCA = 1 << 14,
    CZXING_UPCE = 1 << 15, CZXING_MICROQR = 1 << 16
};

/// Decodes one symbol of `formats` from an 8-bit grey image (0 = black, 255 = white).
/// `pure`: the image holds only the symbol and its quiet zone, upright (faster, stricter).
/// Writes the decoded text (UTF-8, no terminator) into `text` (at most `capacity` bytes) and the
/// symbol's format into `format`. Returns the text's full length, or -1 when nothing decoded.
int czxing_read(const uint8_t *grey, int width, int height, int rowStride, int formats, int pure,
                char *text, int capacity, int *format);

#ifdef __cplusplus
}
#endif
#endif
