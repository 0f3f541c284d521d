/* Thread-local last-error message, version queries. */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

#ifndef GOG_VERSION_STRING
#define GOG_VERSION_STRING "0.1.0"
#endif

static _Thread_local char last_error[512];

gog_status gog_fail(gog_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void gog_clear_error(void) { last_error[0] = '\0'; }

const char *gog_last_error(void) { return last_error; }

const char *gog_version(void) { return GOG_VERSION_STRING; }

int32_t gog_abi_version(void) { return GOG_ABI_VERSION; }
