/* initexit.c — a test plugin whose init hook ends the process. */
#include <stdlib.h>

#include <runtime.h>

static int32_t one(void) { return 1; }

static int setup(void) { exit(7); }

RT_PLUGIN_HOOKS(setup, NULL, 0);
RT_PLUGIN("initexit", "1.0", "Exits in init",
          RT_EXPORT(one, "() -> i32", "1"));
