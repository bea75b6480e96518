/* An application outside the source tree, built against an installed
 * libruntime with plain `cc app.c -lruntime` (tests/build/deb.sh) or
 * through CMake (tests/install/CMakeLists.txt):
 *
 *   app PLUGIN FUNCTION [ARG...]
 *
 * loads PLUGIN (a name, searched down to the installed plugin directory,
 * or a path), converts each ARG to the type the function's signature
 * gives, calls it and prints "PLUGIN.FUNCTION(ARGS) = RESULT". */
#include <runtime.h>

#define MAX_ARGS 8

static int fail(const char *what)
{
  rt_printf(rt_stderr(), "app: %s: %s\n", what, rt_last_error());
  return 1;
}

int main(int argc, char **argv)
{
  rt_module *m;
  const rt_fn *fn;
  rt_value args[MAX_ARGS], ret = RT_VALUE_INIT;
  rt_buf text = RT_BUF_INIT;
  size_t n = (size_t)(argc > 3 ? argc - 3 : 0), i;

  if (argc < 3 || n > MAX_ARGS) {
    rt_printf(rt_stderr(), "usage: app PLUGIN FUNCTION [ARG...]\n");
    return 2;
  }
  if (rt_module_load(argv[1], &m) != 0)
    return fail(argv[1]);
  if (rt_module_fn(m, argv[2], &fn) != 0)
    return fail(argv[2]);
  const rt_sig *sig = rt_fn_sig(fn);
  for (i = 0; i < n && i < rt_sig_nargs(sig); i++)
    if (rt_value_parse(rt_sig_arg(sig, i), argv[3 + i], &args[i]) != 0)
      return fail(argv[3 + i]);
  if (rt_call(fn, args, i, &ret) != 0 ||
      rt_value_format(rt_sig_ret(sig), &ret, &text) != 0)
    return fail(argv[2]);
  rt_printf(rt_stdout(), "%s.%s(", rt_module_name(m), argv[2]);
  for (size_t k = 0; k < n; k++)
    rt_printf(rt_stdout(), "%s%s", k ? ", " : "", argv[3 + k]);
  rt_printf(rt_stdout(), ") = %s\n", rt_buf_cstr(&text));
  for (size_t k = 0; k < i; k++)
    rt_value_clear(&args[k]);
  rt_value_clear(&ret);
  rt_buf_free(&text);
  return rt_module_close(m) != 0;
}
