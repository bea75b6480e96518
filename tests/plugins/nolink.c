/* nolink.c — a test plugin built with libruntime's headers but not
 * linked with -lruntime (no DT_NEEDED entry): its runtime calls would
 * bind to whatever the host happens to have.  Its constructor leaves a
 * trace, which the loader must not let run. */
#include <runtime.h>

__attribute__((constructor)) static void ran(void)
{
  rt_setenv("RT_TEST_NOLINK_CTOR", "1");
}

static void *grab(size_t n) { return rt_alloc(n); }

RT_PLUGIN("nolink", "1.0", "Not linked with -lruntime",
          RT_EXPORT(grab, "(size) -> ptr", "rt_alloc(n)"));
