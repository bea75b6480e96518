/* good.c — a well-behaved test plugin linked against libruntime.so: its
 * allocations come from the process heap, its output goes through the
 * process's one rt_stdout, its hooks leave traces in the environment. */
#include <ctype.h>
#include <string.h>

#include <runtime.h>

static int32_t add(int32_t a, int32_t b) { return a + b; }

/* An upper-cased copy on the runtime heap; the host frees it. */
static char *shout(const char *s)
{
  char *copy = rt_strdup(s);
  for (char *p = copy; p && *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return copy;
}

static void *grab(size_t n) { return rt_alloc(n); }

static int32_t say(const char *s) { return rt_puts(rt_stdout(), s); }

/* Sets FLAG[1], then spins until FLAG[0] is set: keeps a call in flight
 * for the close test. */
static int32_t spin(int *flag)
{
  __atomic_store_n(&flag[1], 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&flag[0], __ATOMIC_ACQUIRE))
    ;
  return 1;
}

static int setup(void) { return rt_setenv("RT_TEST_GOOD_INIT", "1"); }

static void teardown(void) { rt_setenv("RT_TEST_GOOD_FINI", "1"); }

RT_PLUGIN_HOOKS(setup, teardown, RT_PLUGIN_UNLOAD_SAFE);
RT_PLUGIN("good", "1.2.3", "A plugin that does everything right",
          RT_EXPORT(add, "(i32, i32) -> i32", "sum of two integers"),
          RT_EXPORT(shout, "(str) -> str", "upper-cased copy, rt_free it"),
          RT_EXPORT(grab, "(size) -> ptr", "rt_alloc(n)"),
          RT_EXPORT(say, "(str) -> i32", "write to rt_stdout"),
          RT_EXPORT(spin, "(ptr) -> i32", "set flag[1], wait for flag[0]"));
