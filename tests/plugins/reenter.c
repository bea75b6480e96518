/* reenter.c — a test plugin whose init hook loads the plugin named by
 * RT_TEST_REENTER (a name or a path), if set: itself, which must fail
 * with its own message, or another plugin, which must work. */
#include <runtime.h>

static int32_t one(void) { return 1; }

static int setup(void)
{
  const char *what = rt_getenv("RT_TEST_REENTER");
  rt_module *m;
  if (what == NULL)
    return 0;
  int rc = rt_module_load(what, &m);
  if (rc < 0)
    return rc; /* its message stands */
  rt_setenv("RT_TEST_REENTER_LOADED", rt_module_name(m));
  return rt_module_close(m);
}

RT_PLUGIN_HOOKS(setup, NULL, 0);
RT_PLUGIN("reenter", "1.0", "Loads a plugin from its init hook",
          RT_EXPORT(one, "() -> i32", "1"));
