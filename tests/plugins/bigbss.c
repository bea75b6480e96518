/* bigbss.c — a test plugin with a gibibyte of zeroes: the dynamic loader
 * cannot map it under an address-space limit (test_module,
 * tests/host/oom.sh). */
#include <runtime.h>

static char zeroes[1 << 30];

static int32_t touch(int32_t i)
{
  zeroes[i & ((1 << 30) - 1)] = 1;
  return zeroes[0] + i;
}

RT_PLUGIN("bigbss", "1.0.0", "A gibibyte of zeroes",
          RT_EXPORT(touch, "(i32) -> i32", "writes one byte"));
