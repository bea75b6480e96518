/* call.c — rt_fn and rt_call: the checks, the fast paths' dispatch and
 * the libffi call. */
#include "call_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- functions ------------------------------------------------------ */

int rt_fn_new_sig(void (*fnptr)(void), rt_sig *sig, rt_fn **out)
{
  if (out)
    *out = NULL;
  if (!fnptr || !sig || !out)
    return rt__error(RT_EINVAL, "rt_fn_new_sig: %s is NULL",
                     !fnptr ? "FNPTR" : !sig ? "SIG" : "OUT");
  rt_fn *fn = rt_calloc(1, sizeof *fn + sig->plan_bytes);
  if (!fn)
    return RT_ENOMEM;
  fn->fp = fnptr;
  fn->sig = rt_sig_ref(sig);
  fn->nargs = sig->nargs;
  if (sig->plan_bytes)
    memcpy(fn->tail, sig->plan, sig->plan_bytes);
  rt__fast_fn(fn);
  *out = fn;
  return 0;
}

int rt_fn_new(void (*fnptr)(void), const char *sig_text, rt_fn **out)
{
  if (out)
    *out = NULL;
  if (!fnptr || !out)
    return rt__error(RT_EINVAL, "rt_fn_new: %s is NULL",
                     !fnptr ? "FNPTR" : "OUT");
  rt_sig *sig;
  int rc = rt_sig_parse(sig_text, &sig);
  if (rc < 0)
    return rc;
  rc = rt_fn_new_sig(fnptr, sig, out);
  rt_sig_free(sig);
  return rc;
}

void rt_fn_free(rt_fn *fn)
{
  if (!fn)
    return;
  rt_sig_free(fn->sig);
  rt_free(fn);
}

const rt_sig *rt_fn_sig(const rt_fn *fn) { return fn->sig; }
void (*rt_fn_ptr(const rt_fn *fn))(void) { return fn->fp; }

/* ---- rt_call -------------------------------------------------------- */

int rt__bad_args(const rt_sig *s, const rt_value *args, size_t nargs)
{
  if (nargs != s->nargs)
    return rt__error(RT_EINVAL, "rt_call %s: %zu argument%s given, the "
                     "signature takes %zu", s->text, nargs,
                     nargs == 1 ? "" : "s", s->nargs);
  size_t i = 0;
  while (args[i].kind == s->args[i]->kind)
    i++;
  return rt__error(RT_EINVAL, "rt_call %s: argument %zu is %s, expected %s",
                   s->text, i + 1, rt_type_kind_name(args[i].kind),
                   s->args[i]->name);
}

int rt__no_agg(const rt_sig *s, size_t i)
{
  return rt__error(RT_EINVAL, "rt_call %s: argument %zu (%s) has no struct "
                   "memory (v.agg is NULL)", s->text, i + 1, s->args[i]->name);
}

/* libffi widens small integer results into an ffi_arg; 64-bit results
 * on a 32-bit ffi_arg platform fill the whole 8-byte buffer instead. */
union ffi_ret {
  ffi_arg a;
  uint64_t u64;
  double f64;
  float f32;
};

static void ffi_ret_set(const rt_type *t, const union ffi_ret *r,
                        rt_value *ret)
{
  if (t->kind == RT_TYPE_F32)
    rt__set_f32(r->f32, ret);
  else if (t->kind == RT_TYPE_F64)
    ret->v.f64 = r->f64;
  else if (t->size > sizeof(ffi_arg))
    rt__narrow(t->kind, r->u64, ret);
  else if (t->kind != RT_TYPE_VOID)
    rt__narrow(t->kind, (uint64_t)r->a, ret);
}

/* Struct results need their own storage; libffi and the fast path may
 * store whole registers, so it is at least two of them. */
void *rt__ret_struct_alloc(const rt_sig *s)
{
  size_t n = s->nret_strs, hdr = n ? RT__STR_HDR(n) : 0;
  size_t size = s->ret->size;
  /* Not zeroed: the callee or the result registers fill it. */
  char *mem = rt_alloc(hdr + rt__align_up(size > 16 ? size : 16, 8));
  if (!mem)
    return rt__ret_struct_nomem(s);
  return mem + hdr;
}

void *rt__ret_struct_nomem(const rt_sig *s)
{
  rt__error_context("rt_call %s: struct result", s->text);
  return NULL;
}

/* ---- the cache of result blocks (see struct rt__rcache) -------------- */

_Thread_local struct rt__rcache rt__rcache
    __attribute__((tls_model("initial-exec")));
static pthread_key_t rc_key;
static bool rc_key_ok;
static pthread_once_t rc_once = PTHREAD_ONCE_INIT;

/* At thread exit: free what the cache holds; the thread caches nothing
 * after (a later destructor's results are freed when cleared). */
static void rc_drain(void *arg)
{
  struct rt__rcache *rc = arg;
  rc->state = RT__RC_DEAD;
  for (unsigned c = 0; c < RT__RC_CLASSES; c++) {
    for (unsigned i = 0; i < RT__RC_SLOTS; i++) {
      rt_free(rc->slot[c][i]);
      rc->slot[c][i] = NULL;
    }
  }
}

static void rc_key_init(void)
{
  rc_key_ok = pthread_key_create(&rc_key, rc_drain) == 0;
}

void *rt__rc_new(const rt_sig *s, unsigned c)
{
  void *mem = rt_alloc(16 * ((size_t)c + 1));
  return mem ? mem : rt__ret_struct_nomem(s);
}

void rt__rc_twice(const void *mem)
{
  fprintf(stderr, "libruntime: rt_value_clear: the struct result storage "
          "at %p was already released (a value cleared twice, or a copy of "
          "a cleared value): clear each result once\n", mem);
  abort();
}

/* A thread's first block to keep registers the drain at its exit; with
 * no key (none left) the thread keeps nothing. */
void rt__rc_put_slow(void *mem, unsigned c)
{
  struct rt__rcache *rc = &rt__rcache;
  if (rc->state == RT__RC_NEW && rt__rc_usable()) {
    pthread_once(&rc_once, rc_key_init);
    if (rc_key_ok && pthread_setspecific(rc_key, rc) == 0) {
      rc->state = RT__RC_LIVE;
      rc->slot[c][0] = mem;
      return;
    }
    rc->state = RT__RC_DEAD;
  }
  rt_free(mem);
}

/* The str members that are runtime-heap strings become the caller's
 * like a str result (rt__str_owned); the record goes before MEM. */
void rt__ret_struct_take(const rt_sig *s, void *mem, rt_value *ret)
{
  ret->kind = RT_TYPE_STRUCT;
  ret->flags = RT_VALUE_OWNED;
  ret->v.agg = mem;
  size_t n = s->nret_strs;
  if (RT_LIKELY(n == 0))
    return;
  size_t *rec = (size_t *)mem - 1 - n;
  rec[n] = n;
  for (size_t i = 0; i < n; i++) {
    const char *str;
    memcpy(&str, (char *)mem + s->ret_strs[i], sizeof str);
    rec[i] = rt__str_owned(str) ? s->ret_strs[i] : SIZE_MAX;
  }
  ret->flags |= RT__VALUE_STRS;
}

static int call_ffi_struct(const rt_fn *fn, ffi_cif *cif, void **av,
                           rt_value *ret)
{
  unsigned flags;
  void *mem = rt__ret_block(fn->sig, fn->sig->ret->size, &flags);
  if (!mem)
    return rt__last_code;
  memset(mem, 0, 16); /* the bytes past the struct that libffi may skip */
  ffi_call(cif, FFI_FN(fn->fp), mem, av);
  rt__ret_block_take(fn->sig, mem, flags, ret);
  return rt__last_code;
}

/* Struct arguments are passed by the address of their memory, which
 * must be there. */
static int agg_args(const rt_sig *s, const rt_value *args, void **av)
{
  for (size_t i = 0; i < s->nargs; i++) {
    if (s->kinds[i] != RT_TYPE_STRUCT)
      continue;
    if (RT_UNLIKELY(args[i].v.agg == NULL))
      return rt__no_agg(s, i);
    av[i] = args[i].v.agg;
  }
  return 0;
}

/* The call through the signature's second cif, in which struct argument
 * K = split - 1 is its two eightbytes (sig.c, split_prepare): AV becomes
 * the addresses of the two words of a copy, the rest shifted by one. */
static int call_ffi_split(const rt_fn *fn, void **av, rt_value *ret)
{
  const rt_sig *s = fn->sig;
  size_t k = s->split - 1, n = s->nargs;
  void *sv[RT_SIG_MAX_ARGS + 1];
  uint64_t half[2] = {0, 0};
  memcpy(half, av[k], s->args[k]->size); /* 9 to 16 bytes */
  memcpy(sv, av, k * sizeof *av);
  sv[k] = &half[0];
  sv[k + 1] = &half[1];
  memcpy(sv + k + 2, av + k + 1, (n - k - 1) * sizeof *av);
  if (s->ret->kind == RT_TYPE_STRUCT)
    return call_ffi_struct(fn, s->split_cif, sv, ret);
  union ffi_ret r;
  ffi_call(s->split_cif, FFI_FN(fn->fp), &r, sv);
  ret->kind = s->ret->kind;
  ret->flags = 0;
  ret->v.u64 = 0;
  ffi_ret_set(s->ret, &r, ret);
  return rt__last_code;
}

/* Through libffi.  All the tags are checked with one branch while the
 * argument addresses are collected; struct arguments (rare) are fixed up
 * after.  A result that libffi stores as a whole 8-byte word of the right
 * value (ret_direct) is stored straight into RET. */
int rt__call_ffi(const rt_fn *fn, const rt_value *args, rt_value *ret)
{
  const rt_sig *s = fn->sig;
  size_t n = s->nargs;
  void *av[RT_SIG_MAX_ARGS];
  unsigned bad = 0;
  for (size_t i = 0; i < n; i++) {
    bad |= (unsigned)args[i].kind ^ s->kinds[i];
    av[i] = (void *)&args[i].v;
  }
  if (RT_UNLIKELY(bad))
    return rt__bad_args(s, args, n);
  if (RT_UNLIKELY(s->agg_args)) {
    int rc = agg_args(s, args, av);
    if (rc < 0)
      return rc;
    if (RT_UNLIKELY(s->split))
      return call_ffi_split(fn, av, ret);
  }
  const rt_type *t = s->ret;
  if (RT_UNLIKELY(t->kind == RT_TYPE_STRUCT))
    return call_ffi_struct(fn, (ffi_cif *)&s->cif, av, ret);
  ret->kind = t->kind;
  ret->flags = 0;
  if (RT_LIKELY(s->ret_direct)) {
    ffi_call((ffi_cif *)&s->cif, FFI_FN(fn->fp), &ret->v, av);
    return rt__last_code;
  }
  union ffi_ret r;
  ffi_call((ffi_cif *)&s->cif, FFI_FN(fn->fp), &r, av);
  ret->v.u64 = 0;
  ffi_ret_set(t, &r, ret);
  return rt__last_code;
}

static int call_discard(const rt_fn *fn, const rt_value *args, size_t nargs)
{
  rt_value discard = RT_VALUE_INIT;
  int rc = rt_call(fn, args, nargs, &discard);
  rt_value_clear(&discard);
  return rc;
}

/* Every call starts with no error, and a function that reports one with
 * rt_set_error makes the call return it (issue 18): the code is a
 * static-TLS word, cleared here with one store (with a zero code there
 * is no error, whatever the message buffer holds: rt_last_error), and
 * every invoker returns it after the call (so that this is a tail call). */
RT_CALL_ALIGN int rt_call(const rt_fn *fn, const rt_value *args, size_t nargs,
                          rt_value *ret)
{
  rt__last_code = 0;
  if (RT_UNLIKELY(!fn || (nargs && !args)))
    return rt__error(RT_EINVAL, "rt_call: %s is NULL", fn ? "ARGS" : "FN");
  if (RT_UNLIKELY(nargs != fn->nargs))
    return rt__bad_args(fn->sig, args, nargs);
  if (RT_UNLIKELY(ret == NULL))
    return call_discard(fn, args, nargs);
  return fn->invoke(fn, args, ret);
}
