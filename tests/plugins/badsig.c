/* badsig.c — a test plugin with a malformed signature. */
#include <runtime.h>

static int32_t one(int32_t x) { return x; }

RT_PLUGIN("badsig", "1.0", "Bad signature",
          RT_EXPORT(one, "(i32,) -> i32", "a trailing comma"));
