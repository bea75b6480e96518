/*
 * closure.c — rt_closure: a real C function pointer (a precompiled entry
 * point of callplan.c where the signature allows, else a libffi closure)
 * whose calls arrive at an rt_closure_handler as rt_values.
 */
#include "call_int.h"

#include <pthread.h>
#include <string.h>


/* libffi wants integer results smaller than a register widened to a
 * whole ffi_arg, with the extension of their type. */
static void store_ret(const rt_type *t, const rt_value *v, void *resp)
{
  if (rt__kind_is_int(t->kind) && t->size <= sizeof(ffi_arg))
    *(ffi_arg *)resp = (ffi_arg)rt__widen(v);
  else if (t->kind != RT_TYPE_VOID)
    rt__value_store(t, v, resp);
}

static void zero_ret(const rt_type *t, void *resp)
{
  if (t->kind != RT_TYPE_VOID)
    memset(resp, 0, t->size > sizeof(ffi_arg) ? t->size : sizeof(ffi_arg));
}

int rt__closure_check(const rt_closure *c, const rt_value *ret, int rc)
{
  const rt_type *t = c->sig->ret;
  if (rc == 0 && ret->kind != t->kind)
    return rt__error(RT_ETYPE, "closure %s: the handler returned %s, "
                     "expected %s", c->sig->text,
                     rt_type_kind_name(ret->kind), t->name);
  return rc;
}

static void finish(const rt_closure *c, rt_value *ret, int rc, void *resp)
{
  const rt_type *t = c->sig->ret;
  if (rt__closure_check(c, ret, rc) == 0)
    store_ret(t, ret, resp);
  else
    zero_ret(t, resp);
  if (t->kind == RT_TYPE_STRUCT && ret->v.agg != resp)
    rt_value_clear(ret);
}

static void trampoline(ffi_cif *cif, void *resp, void **av, void *user)
{
  (void)cif;
  const rt_closure *c = user;
  const rt_sig *s = c->sig;
  rt_value args[RT_SIG_MAX_ARGS];
  for (size_t i = 0; i < s->nargs; i++)
    rt__value_load(s->args[i], av[i], &args[i]);
  rt_value ret = {s->ret->kind, 0, {0}};
  if (s->ret->kind == RT_TYPE_STRUCT) {
    memset(resp, 0, s->ret->size);
    ret.v.agg = resp;
  }
  int rc = c->handler(s, args, s->nargs, &ret, c->userdata);
  finish(c, &ret, rc, resp);
}

/* libffi's closure allocator initialises itself lazily behind an
 * unsynchronised check, a data race when two threads make their first
 * closures at the same time (ThreadSanitizer reports it).  One warm-up
 * allocation under pthread_once orders that initialisation before every
 * other use. */
static pthread_once_t ffi_closures_ready = PTHREAD_ONCE_INIT;

static void warm_up_ffi_closures(void)
{
  void *code;
  ffi_closure *fc = ffi_closure_alloc(sizeof(ffi_closure), &code);
  if (fc)
    ffi_closure_free(fc);
}

int rt_closure_new(const rt_sig *sig, rt_closure_handler handler,
                   void *userdata, rt_closure **out, void (**fnptr)(void))
{
  if (out)
    *out = NULL;
  if (!sig || !handler || !out || !fnptr)
    return rt__error(RT_EINVAL, "rt_closure_new: %s is NULL",
                     !sig ? "SIG" : !handler ? "HANDLER" : !out ? "OUT" : "FNPTR");
  rt_closure *c = rt_calloc(1, sizeof *c + sig->plan_size);
  if (!c)
    return rt__error_context("rt_closure_new %s", sig->text);
  c->sig = rt_sig_ref((rt_sig *)sig);
  c->handler = handler;
  c->userdata = userdata;
  if ((c->entry = rt__plan_entry_take(c, fnptr)) >= 0) {
    *out = c;
    return 0;
  }
  void *code = NULL;
  pthread_once(&ffi_closures_ready, warm_up_ffi_closures);
  c->fc = ffi_closure_alloc(sizeof(ffi_closure), &code);
  if (!c->fc) {
    rt_sig_free(c->sig);
    rt_free(c);
    return rt__error(RT_ENOMEM, "rt_closure_new %s: libffi could not "
                     "allocate executable memory for a closure", sig->text);
  }
  ffi_status st = ffi_prep_closure_loc(c->fc, &c->sig->cif, trampoline, c, code);
  if (st != FFI_OK) {
    rt_closure_free(c);
    return rt__error(RT_ENOTSUP, "rt_closure_new %s: libffi cannot make "
                     "closures here (status %d)", sig->text, (int)st);
  }
  *out = c;
  *fnptr = (void (*)(void))code;
  return 0;
}

void rt_closure_free(rt_closure *c)
{
  if (!c)
    return;
  if (c->fc)
    ffi_closure_free(c->fc);
  else
    rt__plan_entry_release(c->entry);
  rt_sig_free(c->sig);
  rt_free(c);
}
