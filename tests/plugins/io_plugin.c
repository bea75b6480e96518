/* io_plugin.c — a plugin-like second shared object for test_io_proc: it
 * writes through the process's one rt_stdout() and can end the process. */
#include <stdlib.h>

#include <runtime.h>

int io_plugin_say(const char *text);
int io_plugin_sayf(int n);
void io_plugin_exit(int status);

int io_plugin_say(const char *text) { return rt_puts(rt_stdout(), text); }

int io_plugin_sayf(int n)
{
  return rt_printf(rt_stdout(), "plugin %d %s\n", n, "formatted");
}

/* Leaves output pending in the shared buffer, then exits the process. */
void io_plugin_exit(int status)
{
  rt_puts(rt_stdout(), "plugin: last words\n");
  exit(status);
}
