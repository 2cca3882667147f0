#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <cstring>
#include "czxing.h"

extern "C" int czxing_read(const uint8_t *grey, int width, int height, int rowStride, int formats, int pure,
                           char *text, int capacity, int *format) {
    try {
        ZXing::ImageView image(grey, width, height, ZXing::ImageFormat::Lum, rowStride);
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormats(static_cast<ZXing::BarcodeFormat>(formats)));
        hints.setTryRotate(false);
        hints.setTryHarder(!pure);
        hints.setTryDownscale(false);
        hints.setIsPure(pure != 0);
        hints.setBinarizer(ZXing::Binarizer::FixedThreshold);
        hints.setMaxNumberOfSymbols(1);
        hints.setValidateITFCheckSum(true);
        auto result = ZXing::ReadBarcode(image, hints);
        if (!result.isValid()) return -1;
        std::string s = result.text();
        int n = static_cast<int>(s.size());
        std::memcpy(text, s.data(), static_cast<size_t>(n < capacity ? n : capacity));
        if (format) *format = static_cast<int>(result.format());
        return n;
    } catch (...) {
        return -1;
    }
}
