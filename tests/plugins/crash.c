/*
 * crash.c — a test plugin whose functions misbehave on purpose, for
 * rthost --isolate and the in-flight guard: each way a call can end
 * rthost's process (a segfault, abort(), exit(), a hang), one that prints
 * before it crashes, and one that closes its own module during the call.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <runtime.h>

static int32_t segv(void)
{
  raise(SIGSEGV);
  return 0;
}

static int32_t aborts(void)
{
  abort();
}

static int32_t exits(int32_t code)
{
  exit(code);
  return code;
}

static int32_t hangs(void)
{
  for (;;)
    pause();
  return 0;
}

/* Prints TEXT (buffered in rt_stdout, not yet written), then crashes. */
static void say_then_segv(const char *text)
{
  rt_puts(rt_stdout(), text);
  rt_puts(rt_stdout(), "\n");
  raise(SIGSEGV);
}

/* Prints TEXT and returns normally: output during a call. */
static int32_t say(const char *text)
{
  rt_puts(rt_stdout(), text);
  rt_puts(rt_stdout(), "\n");
  return 1;
}

static int32_t calls;
static int32_t count(void)
{
  return ++calls;
}

/* Drops the reference rt_module_find gave, then the caller's: the second
 * close would unload this code under the call, unless the call is
 * counted as in flight.  Returns the second close's error name. */
static char *close_self(void)
{
  rt_module *m;
  if (rt_module_find("crash", &m) != 0)
    return rt_strdup("not registered");
  (void)rt_module_close(m);
  int rc = rt_module_close(m);
  rt_clear_error(); /* the refusal is the result, not a failed call */
  return rt_strdup(rc == 0 ? "OK" : rt_err_name(rc));
}

RT_PLUGIN_HOOKS(NULL, NULL, RT_PLUGIN_UNLOAD_SAFE);
RT_PLUGIN("crash", "1.0", "Misbehaves on purpose",
          RT_EXPORT(segv, "() -> i32", "segfaults"),
          RT_EXPORT(aborts, "() -> i32", "calls abort()"),
          RT_EXPORT(exits, "(i32) -> i32", "calls exit(CODE)"),
          RT_EXPORT(hangs, "() -> i32", "never returns"),
          RT_EXPORT(say_then_segv, "(str) -> void", "prints, then segfaults"),
          RT_EXPORT(say, "(str) -> i32", "prints TEXT, returns 1"),
          RT_EXPORT(count, "() -> i32", "calls so far in this process"),
          RT_EXPORT(close_self, "() -> str", "closes its own module"));
