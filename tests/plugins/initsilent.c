/* initsilent.c — a test plugin whose init hook fails without a message. */
#include <runtime.h>

static int32_t one(void) { return 1; }

static int setup(void) { return -1; }

RT_PLUGIN_HOOKS(setup, NULL, 0);
RT_PLUGIN("initsilent", "1.0", "Fails to initialise, silently",
          RT_EXPORT(one, "() -> i32", "1"));
