/*
 * call.c — `rthost call` and the shell's `call`: convert the argument texts
 * per the export's signature, call through libffi, print the result.
 */
#include "rthost.h"
#include "json.h"

#include <string.h>

static void clear_values(rt_value *vals, size_t n)
{
  for (size_t i = 0; i < n; i++)
    rt_value_clear(&vals[i]);
}

/* A ptr argument written @NAME is one of rthost's built-in callbacks;
 * everything else is text in the forms of rt_value_parse(). */
static int convert_one(rthost *h, const rt_type *t, const char *text,
                       rt_value *out)
{
  if (rt_type_kind_of(t) != RT_TYPE_PTR || text[0] != '@')
    return rt_value_parse(t, text, out);
  *out = (rt_value)RT_VALUE_INIT;
  out->kind = RT_TYPE_PTR;
  return rthost_callback(h, text + 1, &out->v.ptr);
}

static int check_count(const char *plugin, const char *function,
                       const rt_sig *sig, char **args, size_t nargs)
{
  size_t want = rt_sig_nargs(sig);
  if (nargs < want)
    rthost_error(plugin,
                 "%s%s: missing argument %zu (%s): it takes %zu, "
                 "got %zu",
                 function, rt_sig_text(sig), nargs + 1,
                 rt_type_name(rt_sig_arg(sig, nargs)), want, nargs);
  else if (nargs > want)
    rthost_error(plugin,
                 "%s%s: too many arguments: it takes %zu, got %zu "
                 "(the first extra one is '%s')",
                 function, rt_sig_text(sig), want, nargs, args[want]);
  return nargs == want ? RTHOST_OK : RTHOST_EUSAGE;
}

static int convert_args(rthost *h, const char *plugin, const char *function,
                        const rt_sig *sig, char **args, size_t nargs,
                        rt_value *vals)
{
  int status = check_count(plugin, function, sig, args, nargs);
  for (size_t i = 0; status == RTHOST_OK && i < nargs; i++) {
    const rt_type *t = rt_sig_arg(sig, i);
    if (convert_one(h, t, args[i], &vals[i]) == 0)
      continue;
    rthost_error(plugin, "%s%s: argument %zu expects %s: %s", function,
                 rt_sig_text(sig), i + 1, rt_type_name(t), rt_last_error());
    clear_values(vals, i);
    status = RTHOST_EUSAGE;
  }
  return status;
}

/* The call itself.  A plugin function reports failure through
 * rt_set_error() (returning NULL if it returns a string), so the thread's
 * last error is cleared before and read after.  With --stats, the heap's
 * allocation counter is read around the call: what the plugin allocated
 * came from the one heap. */
static int invoke(rthost *h, const rt_fn *fn, const rt_value *vals,
                  size_t nargs, rt_value *ret)
{
  struct rt_heap_stats before, after;
  if (h->stats)
    (void)rt_heap_stats(&before);
  rt_clear_error();
  int rc = rt_call(fn, vals, nargs, ret);
  if (rc == 0)
    rc = rt_last_error_code();
  if (h->stats) {
    (void)rt_heap_stats(&after);
    h->call_allocs += after.total_allocs - before.total_allocs;
  }
  h->calls++;
  return rc;
}

static void print_text(const rt_sig *sig, const rt_value *ret)
{
  const rt_type *t = rt_sig_ret(sig);
  if (rt_type_kind_of(t) == RT_TYPE_VOID)
    return;
  rt_buf out = RT_BUF_INIT;
  if (rt_value_format(t, ret, &out) == 0 && rt_buf_append_char(&out, '\n') == 0)
    rthost_write(out.data, out.len);
  else
    rthost_error("result", "%s", rt_last_error());
  rt_buf_free(&out);
}

static int print_json(rt_module *mod, const char *function, const rt_sig *sig,
                      const rt_value *ret)
{
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init(&j, &doc);
  rthost_json_object(&j);
  rthost_json_key(&j, "plugin");
  rthost_json_string(&j, rt_module_name(mod));
  rthost_json_key(&j, "function");
  rthost_json_string(&j, function);
  rthost_json_key(&j, "signature");
  rthost_json_string(&j, rt_sig_text(sig));
  rthost_json_key(&j, "result");
  rthost_json_value(&j, rt_sig_ret(sig), ret);
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}

/* A string a plugin returned is freed here, by the host: fine only because
 * both sides use the one heap, which --stats confirms block by block. */
static void release(rthost *h, rt_value *ret)
{
  if (ret->kind == RT_TYPE_STR && ret->v.owned_str != NULL) {
    h->plugin_strs++;
    h->plugin_strs_owned += rt_heap_owns(ret->v.owned_str);
  }
  rt_value_clear(ret);
}

static int call_fn(rthost *h, rt_module *mod, const char *plugin,
                   const char *function, const rt_fn *fn, char **args,
                   size_t nargs)
{
  const rt_sig *sig = rt_fn_sig(fn);
  rt_value vals[RT_SIG_MAX_ARGS], ret = RT_VALUE_INIT;
  int status = convert_args(h, plugin, function, sig, args, nargs, vals);
  if (status != RTHOST_OK)
    return status;
  int rc = invoke(h, fn, vals, nargs, &ret);
  clear_values(vals, nargs);
  if (rc != 0) {
    rthost_error(plugin, "%s%s failed: %s", function, rt_sig_text(sig),
                 rt_last_error());
    status = RTHOST_ECALL;
  } else if (h->json) {
    status = print_json(mod, function, sig, &ret);
  } else {
    print_text(sig, &ret);
  }
  release(h, &ret);
  return status;
}

int rthost_call(rthost *h, const char *plugin, const char *function,
                char **args, size_t nargs)
{
  rt_module *mod;
  int status = rthost_plugin_get(h, plugin, &mod);
  if (status != RTHOST_OK)
    return status;
  const rt_fn *fn;
  if (rt_module_fn(mod, function, &fn) != 0) {
    rthost_error(plugin, "%s", rt_last_error());
    return RTHOST_ECALL;
  }
  return call_fn(h, mod, plugin, function, fn, args, nargs);
}

int rthost_cmd_call(rthost *h, char **args, size_t nargs)
{
  if (nargs < 2) {
    rthost_error("call", "expected PLUGIN FUNCTION [ARG...], e.g. "
                         "rthost call mathx add 2 3");
    return RTHOST_EUSAGE;
  }
  return rthost_call(h, args[0], args[1], args + 2, nargs - 2);
}
