#ifndef LABELD_CCUPS_SHIM_H
#define LABELD_CCUPS_SHIM_H
#include <cups/cups.h>
#include <cups/ipp.h>
#include <cups/http.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

/* CUPS 2.4 calls it cupsLastError(); newer CUPS cupsGetError(). One name for labeld. */
static inline ipp_status_t ccups_last_error(void) { return cupsLastError(); }
static inline const char *ccups_last_error_string(void) {
    const char *s = cupsLastErrorString();
    return s ? s : "";
}

/* Connects to host:port without encryption (loopback print servers and printers). */
static inline http_t *ccups_connect(const char *host, int port, int timeout_ms) {
    return httpConnect2(host, port, NULL, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, timeout_ms, NULL);
}

/* The first string value of a named attribute, or NULL. */
static inline const char *ccups_string(ipp_t *ipp, const char *name) {
    ipp_attribute_t *a = ippFindAttribute(ipp, name, IPP_TAG_ZERO);
    return a ? ippGetString(a, 0, NULL) : NULL;
}

/* The first integer/enum value of a named attribute, or `fallback`. */
static inline int ccups_integer(ipp_t *ipp, const char *name, int fallback) {
    ipp_attribute_t *a = ippFindAttribute(ipp, name, IPP_TAG_ZERO);
    return a ? ippGetInteger(a, 0) : fallback;
}

static inline int ccups_boolean(ipp_t *ipp, const char *name, int fallback) {
    ipp_attribute_t *a = ippFindAttribute(ipp, name, IPP_TAG_BOOLEAN);
    return a ? ippGetBoolean(a, 0) : fallback;
}
/* Not CUPS: the one kernel call the raw-socket transport needs (ioctl is variadic, which Swift
   cannot call). Bytes written to a TCP socket that its peer has not acknowledged yet, or -1. */
static inline int ccups_socket_unacked(int fd) {
    int n = 0;
    return ioctl(fd, SIOCOUTQ, &n) < 0 ? -1 : n;
}
#endif
