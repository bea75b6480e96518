/* version.c — run-time version queries. */
#include "internal.h"

unsigned rt_version(void) { return RT_VERSION_HEX; }

const char *rt_version_string(void) { return RT_VERSION_STRING; }

unsigned rt_abi_version(void) { return RT_ABI_VERSION; }
