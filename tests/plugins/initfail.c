/* initfail.c — a test plugin whose init hook fails with a message. */
#include <runtime.h>

static int32_t one(void) { return 1; }

static int setup(void)
{
  return rt_set_error(RT_ENOENT, "configuration file 'initfail.conf' not "
                      "found");
}

RT_PLUGIN_HOOKS(setup, NULL, 0);
RT_PLUGIN("initfail", "1.0", "Fails to initialise",
          RT_EXPORT(one, "() -> i32", "1"));
