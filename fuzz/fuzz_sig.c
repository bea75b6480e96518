/*
 * fuzz_sig.c — libFuzzer target for signature strings (rt_sig_parse), and
 * for the two call paths behind them.
 *
 * Properties: any input either fails with RT_ESIG and a message, or parses
 * to a signature whose canonical text parses again to the same canonical
 * text.  A parsed signature is then called both ways — through its fast
 * path and through libffi (RT_CALL_NO_FASTPATH=1) — with the same
 * arguments, made from the input's bytes.  The target is generated at run
 * time without generating code: an rt_closure of that signature (libffi's
 * own closure machinery), whose handler records the arguments it receives
 * and returns a result made from them.  Both calls must deliver exactly
 * the arguments passed and return the same result.
 *
 * libffi before 3.4.7 (Debian 12 has 3.4.4) passes one pattern wrongly on
 * x86-64 (libffi PR #848; found by this target, crash-c638733b): a struct
 * whose first eightbyte is INTEGER and second SSE, when the first takes
 * the sixth general register, overwrote the first SSE register.  The
 * library now hands libffi such an argument as its two eightbytes
 * (sig.c, split_prepare), and this target checks those calls exactly,
 * like every other.
 */
#include <runtime.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes for values: the input's, cycled (zeros if there are none). */
struct bytes {
  const uint8_t *p;
  size_t n, i;
};

static uint8_t next_byte(struct bytes *b)
{
  return b->n ? b->p[b->i++ % b->n] : 0;
}

static void fill_scalar(rt_type_kind k, void *dst, size_t size,
                        struct bytes *b)
{
  static const char lit[] = "s";
  if (k == RT_TYPE_STR) {
    const char *s = lit;
    memcpy(dst, &s, sizeof s);
  } else if (k == RT_TYPE_BOOL) {
    *(bool *)dst = next_byte(b) & 1; /* only 0 and 1 are bools */
  } else {
    for (size_t i = 0; i < size; i++)
      ((uint8_t *)dst)[i] = next_byte(b);
  }
}

/* T's memory at DST (scalars and structs alike) from the bytes. */
static void fill_mem(const rt_type *t, void *dst, struct bytes *b)
{
  size_t n = rt_type_nmembers(t);
  if (rt_type_kind_of(t) != RT_TYPE_STRUCT) {
    fill_scalar(rt_type_kind_of(t), dst, rt_type_size(t), b);
    return;
  }
  for (size_t i = 0; i < n; i++)
    fill_mem(rt_type_member(t, i), (char *)dst + rt_type_offset(t, i), b);
}

struct record {
  rt_buf text; /* the arguments as the handler received them */
};

static int handler(const rt_sig *sig, const rt_value *args, size_t nargs,
                   rt_value *ret, void *userdata)
{
  struct record *r = userdata;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < nargs; i++) {
    size_t before = r->text.len;
    rt_value_format(rt_sig_arg(sig, i), &args[i], &r->text);
    rt_buf_append_char(&r->text, '|');
    for (size_t k = before; k < r->text.len; k++)
      h = (h ^ (uint8_t)r->text.data[k]) * 1099511628211ull;
  }
  uint8_t seed[8];
  memcpy(seed, &h, sizeof seed);
  struct bytes b = {seed, sizeof seed, 0};
  const rt_type *t = rt_sig_ret(sig);
  if (rt_type_kind_of(t) == RT_TYPE_STRUCT)
    fill_mem(t, ret->v.agg, &b);
  else if (rt_type_kind_of(t) != RT_TYPE_VOID)
    fill_scalar(rt_type_kind_of(t), &ret->v, rt_type_size(t), &b);
  return 0;
}

/* Call FNPTR typed by TEXT through one path; the recorded arguments and
 * the formatted result, or NULL if the path cannot be made. */
static char *call_once(const char *text, bool fast, void (*fnptr)(void),
                       struct record *rec, const uint8_t *data, size_t size)
{
  if (fast)
    unsetenv("RT_CALL_NO_FASTPATH");
  else
    setenv("RT_CALL_NO_FASTPATH", "1", 1);
  rt_fn *fn;
  if (rt_fn_new(fnptr, text, &fn) != 0)
    return NULL;
  const rt_sig *sig = rt_fn_sig(fn);
  size_t n = rt_sig_nargs(sig);
  rt_value args[RT_SIG_MAX_ARGS];
  void *mem[RT_SIG_MAX_ARGS] = {NULL};
  struct bytes b = {data, size, 0};
  for (size_t i = 0; i < n; i++) {
    const rt_type *t = rt_sig_arg(sig, i);
    args[i] = (rt_value)RT_VALUE_INIT;
    args[i].kind = rt_type_kind_of(t);
    if (args[i].kind == RT_TYPE_STRUCT) {
      mem[i] = calloc(1, rt_type_size(t));
      if (!mem[i])
        abort();
      fill_mem(t, mem[i], &b);
      args[i].v.agg = mem[i];
    } else {
      fill_scalar(args[i].kind, &args[i].v, rt_type_size(t), &b);
    }
  }
  rt_buf want = RT_BUF_INIT; /* what the handler must receive */
  for (size_t i = 0; i < n; i++) {
    rt_value_format(rt_sig_arg(sig, i), &args[i], &want);
    rt_buf_append_char(&want, '|');
  }
  rec->text.len = 0;
  rt_value ret;
  if (rt_call(fn, args, n, &ret) != 0)
    abort(); /* the handler never fails */
  if ((rec->text.len != want.len ||
                (want.len && memcmp(rec->text.data, want.data, want.len) != 0)))
    abort(); /* the arguments did not arrive as passed */
  rt_buf_free(&want);
  rt_buf_append_str(&rec->text, "->");
  rt_value_format(rt_sig_ret(sig), &ret, &rec->text);
  rt_value_clear(&ret);
  for (size_t i = 0; i < n; i++)
    free(mem[i]);
  rt_fn_free(fn);
  return rt_buf_detach(&rec->text);
}

static void compare_paths(rt_sig *sig, const uint8_t *data, size_t size)
{
  struct record rec = {RT_BUF_INIT};
  rt_closure *c;
  void (*fnptr)(void);
  if (rt_closure_new(sig, handler, &rec, &c, &fnptr) != 0)
    return;
  char *fast = call_once(rt_sig_text(sig), true, fnptr, &rec, data, size);
  char *slow = call_once(rt_sig_text(sig), false, fnptr, &rec, data, size);
  if (!fast || !slow || strcmp(fast, slow) != 0)
    abort(); /* the fast path and libffi disagree */
  rt_free(fast);
  rt_free(slow);
  rt_buf_free(&rec.text);
  rt_closure_free(c);
  unsetenv("RT_CALL_NO_FASTPATH");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = rt_strndup((const char *)data, size);
  if (text == NULL)
    return 0;
  rt_sig *sig = NULL;
  int rc = rt_sig_parse(text, &sig);
  if (rc < 0) {
    if (rt_last_error()[0] == '\0')
      abort(); /* every failure must explain itself */
  } else {
    rt_sig *again = NULL;
    if (rt_sig_parse(rt_sig_text(sig), &again) < 0)
      abort();
    if (strcmp(rt_sig_text(sig), rt_sig_text(again)) != 0)
      abort();
    rt_sig_free(again);
    compare_paths(sig, data, size);
    rt_sig_free(sig);
  }
  rt_free(text);
  return 0;
}
