/*
 * callbacks.c — rthost's built-in callbacks, for plugin functions that take
 * a function pointer (the `callback` plugin's apply, twice, sum).
 *
 * On the command line a `ptr` argument written @NAME stands for one of the
 * functions below.  Each is an rt_closure: a real C function pointer,
 * made at run time by libruntime's call part, whose code runs a host
 * handler.  So `rthost call callback apply @square 7` has the plugin call
 * back into rthost.  All have the signature (i32) -> i32.
 */
#include "rthost.h"

#include <string.h>

static int32_t arg0(const rt_value *args)
{
  return args[0].v.i32;
}

/* Arithmetic wraps modulo 2^32 (as the plugin's i32 would), never
 * overflows into undefined behaviour. */
static int square(const rt_sig *sig, const rt_value *args, size_t nargs,
                  rt_value *ret, void *ud)
{
  uint32_t x = (uint32_t)arg0(args);
  ret->v.i32 = (int32_t)(x * x);
  return 0;
}

static int negate(const rt_sig *sig, const rt_value *args, size_t nargs,
                  rt_value *ret, void *ud)
{
  ret->v.i32 = (int32_t)(0u - (uint32_t)arg0(args));
  return 0;
}

/* trace prints from the host while the plugin's call is under way: its line
 * lands between whatever the plugin printed before and after. */
static int trace(const rt_sig *sig, const rt_value *args, size_t nargs,
                 rt_value *ret, void *ud)
{
  rthost_print("callback trace(%d) ran in rthost\n", (int)arg0(args));
  ret->v.i32 = arg0(args);
  return 0;
}

static const struct builtin {
  const char *name;
  rt_closure_handler handler;
} builtins[RTHOST_NCALLBACKS] = {
    {"square", square},
    {"negate", negate},
    {"trace", trace},
};

static const char callback_sig[] = "(i32) -> i32";

static int make_closure(rthost *h, size_t i)
{
  int rc = 0;
  if (h->callback_sig == NULL)
    rc = rt_sig_parse(callback_sig, &h->callback_sig);
  if (rc == 0)
    rc = rt_closure_new(h->callback_sig, builtins[i].handler, NULL,
                        &h->closures[i], &h->closure_fns[i]);
  return rc;
}

int rthost_callback(rthost *h, const char *name, void **fnptr)
{
  for (size_t i = 0; i < RTHOST_NCALLBACKS; i++) {
    if (strcmp(builtins[i].name, name) != 0)
      continue;
    int rc = h->closures[i] == NULL ? make_closure(h, i) : 0;
    if (rc != 0)
      return rc;
    /* The ptr argument carries the closure's code address as data. */
    memcpy(fnptr, &h->closure_fns[i], sizeof *fnptr);
    return 0;
  }
  return rt_set_error(RT_ENOTFOUND,
                      "no built-in callback '@%s'; rthost has @square, "
                      "@negate and @trace, each (i32) -> i32",
                      name);
}

void rthost_callbacks_free(rthost *h)
{
  for (size_t i = 0; i < RTHOST_NCALLBACKS; i++)
    rt_closure_free(h->closures[i]);
  rt_sig_free(h->callback_sig);
}
