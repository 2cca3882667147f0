#ifndef CZINT_SHIM_H
#define CZINT_SHIM_H
#include <zint.h>
#endif
