/*
 * hello — greets through rt_stdout(), the stream rthost itself prints to.
 * Because there is one IO layer, the greeting appears exactly where the
 * call happened among the host's own output, however the output is
 * buffered.
 */
#include <runtime.h>

/* A write error stays in the shared stream (it is sticky) and the host
 * reports it when it flushes; a void function has no other way out. */
static void greet(const char *who)
{
  (void)rt_printf(rt_stdout(), "Hello, %s! (printed by the hello plugin)\n",
                  who);
}

static char *greeting(const char *who)
{
  char *s = NULL;
  if (rt_asprintf(&s, "Hello, %s!", who) < 0)
    return NULL;
  return s;
}

RT_PLUGIN("hello", "1.0.0", "Greetings through the shared rt_stdout() stream",
          RT_EXPORT(greet, "(str) -> void",
                    "print 'Hello, WHO!' on rt_stdout()"),
          RT_EXPORT(greeting, "(str) -> str",
                    "the greeting as a string on the runtime heap"));
