/*
 * call.c — `rthost call` and the shell's `call`: convert the argument texts
 * per the export's signature, call through libffi, print the result.
 */
#include "rthost.h"
#include "json.h"

#include <string.h>
#include <unistd.h>

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
 * came from the one heap.  The call goes through rt_module_call(), which
 * counts it as in flight: a plugin that closes its own module during the
 * call gets RT_EBUSY instead of being unmapped under it. */
static int invoke(rthost *h, rt_module *mod, const char *function,
                  const rt_value *vals, size_t nargs, rt_value *ret)
{
  struct rt_heap_stats before, after;
  if (h->stats)
    (void)rt_heap_stats(&before);
  rt_clear_error();
  int rc = rt_module_call(mod, function, vals, nargs, ret);
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
                      const rt_value *ret, const rt_buf *output)
{
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "plugin");
  rthost_json_string(&j, rt_module_name(mod));
  rthost_json_key(&j, "function");
  rthost_json_string(&j, function);
  rthost_json_key(&j, "signature");
  rthost_json_string(&j, rt_sig_text(sig));
  rthost_json_key(&j, "result");
  rthost_json_value(&j, rt_sig_ret(sig), ret);
  rthost_json_key(&j, "output");
  rthost_json_string_n(&j, output->data ? output->data : "", output->len);
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

/* With --json the plugin's output during the call is captured, so that
 * stdout carries the document alone; it becomes the "output" member. */
static int invoke_captured(rthost *h, rt_module *mod, const char *function,
                           const rt_value *vals, size_t nargs, rt_value *ret,
                           rt_buf *output)
{
  int saved = -1;
  if (h->json && rthost_capture_begin(h, &saved) != 0)
    return rt_last_error_code();
  int rc = invoke(h, mod, function, vals, nargs, ret);
  if (h->json) {
    int err = rt_last_error_code();
    rt_buf why = RT_BUF_INIT;
    (void)rt_buf_append_str(&why, rt_last_error());
    (void)rthost_capture_end(h, saved, output);
    if (rc != 0)
      rt_set_error(err, "%s", rt_buf_cstr(&why));
    rt_buf_free(&why);
  }
  return rc;
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
  rt_buf output = RT_BUF_INIT;
  int rc = invoke_captured(h, mod, function, vals, nargs, &ret, &output);
  clear_values(vals, nargs);
  if (rc != 0) {
    rt_buf why = RT_BUF_INIT;
    (void)rt_buf_printf(&why, "%s%s failed: %s", function, rt_sig_text(sig),
                        rt_last_error());
    rt_set_error(rc, "%s", rt_buf_cstr(&why));
    status = rthost_error_rt(plugin, RTHOST_ECALL);
    if (h->json)
      status = rthost_max(status, rthost_json_error_doc(status, output.data,
                                                        output.len));
    rt_buf_free(&why);
  } else if (h->json) {
    status = print_json(mod, function, sig, &ret, &output);
  } else {
    print_text(sig, &ret);
  }
  rt_buf_free(&output);
  release(h, &ret);
  return status;
}

/* FUNCTION is not exported by MOD: the library's message, and the nearest
 * export's name. */
static int no_function(rt_module *mod, const char *plugin,
                       const char *function)
{
  const char *names[256];
  size_t n = 0;
  /* rt_module_export succeeds, and a success clears the thread's error:
   * keep the library's message across the listing. */
  int code = rt_last_error_code();
  char *msg = rt_strdup(rt_last_error());
  while (n < rt_module_nexports(mod) && n < 256 &&
         rt_module_export(mod, n, &names[n], NULL, NULL) == 0)
    n++;
  rt_set_error(code, "%s", msg ? msg : rt_strerror(code));
  rt_free(msg);
  rt_buf hint = RT_BUF_INIT;
  rthost_did_you_mean(function, names, n, &hint);
  int status = rthost_error_rt_hint(plugin, RTHOST_ECALL, rt_buf_cstr(&hint));
  rt_buf_free(&hint);
  return status;
}

static int call_here(rthost *h, const char *plugin, const char *function,
                     char **args, size_t nargs)
{
  rt_module *mod;
  int status = rthost_plugin_get(h, plugin, &mod);
  if (status != RTHOST_OK)
    return status;
  const rt_fn *fn;
  if (rt_module_fn(mod, function, &fn) != 0)
    return no_function(mod, plugin, function);
  return call_fn(h, mod, plugin, function, fn, args, nargs);
}

struct isolated_call {
  const char *plugin, *function;
  char **args;
  size_t nargs;
};

static int call_in_child(rthost *h, void *ctx, rt_buf *msg)
{
  struct isolated_call *c = ctx;
  h->isolate = false;
  return call_here(h, c->plugin, c->function, c->args, c->nargs);
}

/* --isolate: the whole call (load, conversion, call, result) in a child;
 * a crash there is this call's failure, not rthost's. */
static int call_isolated(rthost *h, const char *plugin, const char *function,
                         char **args, size_t nargs)
{
  struct isolated_call c = {plugin, function, args, nargs};
  rt_buf msg = RT_BUF_INIT, why = RT_BUF_INIT, what = RT_BUF_INIT;
  if (h->json && rthost_capture_fd(h) >= 0)
    (void)ftruncate(h->capture_fd, 0);
  int status = rthost_in_child(h, call_in_child, &c, &msg, &why);
  h->calls++;
  if (status == RTHOST_CHILD_SYSFAIL) {
    status = rthost_error_rt(plugin, RTHOST_EFAIL);
  } else if (status == RTHOST_CHILD_DIED) {
    (void)rt_buf_printf(&what, "%s.%s", plugin, function);
    rthost_error(rt_buf_cstr(&what), "%s", rt_buf_cstr(&why));
    status = RTHOST_ECALL;
    rt_buf output = RT_BUF_INIT;
    if (h->json && rthost_capture_read(h, &output) == 0)
      status = rthost_max(status, rthost_json_error_doc(status, output.data
                                                        ? output.data : "",
                                                        output.len));
    rt_buf_free(&output);
  }
  rt_buf_free(&msg);
  rt_buf_free(&why);
  rt_buf_free(&what);
  return status;
}

int rthost_call(rthost *h, const char *plugin, const char *function,
                char **args, size_t nargs)
{
  if (h->isolate)
    return call_isolated(h, plugin, function, args, nargs);
  return call_here(h, plugin, function, args, nargs);
}

/* PLUGIN.FUNCTION in one word, as the shell writes it: the function is
 * after the last dot of the last path component (./lib/x.so.add works),
 * unless the word ends in .so (then it is a plugin file). */
char *rthost_split_dotted(char *word)
{
  const char *base = strrchr(word, '/');
  base = base != NULL ? base + 1 : word;
  char *dot = strrchr(base, '.');
  if (dot == NULL || dot == base || dot[1] == '\0' ||
      rt_str_has_suffix(word, ".so"))
    return NULL;
  *dot = '\0';
  return dot + 1;
}

int rthost_cmd_call(rthost *h, char **args, size_t nargs)
{
  char *function = nargs > 0 ? rthost_split_dotted(args[0]) : NULL;
  if (function != NULL)
    return rthost_call(h, args[0], function, args + 1, nargs - 1);
  if (nargs < 2) {
    rthost_error("call", "expected PLUGIN FUNCTION [ARG...] or "
                         "PLUGIN.FUNCTION [ARG...], e.g. rthost call mathx "
                         "add 2 3");
    return RTHOST_EUSAGE;
  }
  return rthost_call(h, args[0], args[1], args + 2, nargs - 2);
}
