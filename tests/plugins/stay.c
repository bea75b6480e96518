/* stay.c — a test plugin that does not declare itself unload-safe, so it
 * stays resident after its last close. */
#include <runtime.h>

static int32_t twice(int32_t x) { return 2 * x; }

RT_PLUGIN("stay", "0.1", "Stays loaded",
          RT_EXPORT(twice, "(i32) -> i32", "2x"));
