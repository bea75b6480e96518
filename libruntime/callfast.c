/*
 * callfast.c — precompiled C call shapes, used instead of ffi_call for
 * the most common signatures (chosen once, by rt__fast_prepare).
 *
 * Integer shapes: up to 6 integer/pointer arguments and an integer,
 * pointer or void result.  On x86_64 (SysV) and aarch64 (AAPCS64) each
 * such argument travels in its own general register whatever its width,
 * so calling through `uint64_t (*)(uint64_t, ...)` with every argument
 * extended the way its type extends puts the same bits where the callee
 * looks; the 64-bit result is narrowed to the declared type, because the
 * upper register bits are unspecified.  Extension is branch-free: each
 * argument has a precomputed code (shift, signedness) applied to the
 * whole 8-byte union, which also needs a little-endian machine.
 *
 * Floating shapes: up to 8 arguments that are all f64 or all f32, with an
 * f64 or f32 result: called through the exact C prototype (portable), so
 * no register trick is involved.  Mixed f32/f64 or integer/floating
 * arguments go to libffi.
 */
#include "call_int.h"

#if ((defined(__x86_64__) && defined(__LP64__)) || defined(__aarch64__)) &&   \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RT_FAST_INT_CALLS 1
#endif

#define RT_FAST_MAX_INT 6
#define RT_FAST_MAX_FLOAT 8

typedef uint64_t u64;

/* ---- integer shapes ---------------------------------------------------- */

/* Extension code: the low 6 bits shift the value's bytes to the top of the
 * register and back; EXT_SIGNED makes the way back arithmetic. */
#define EXT_SIGNED 0x80u

static bool kind_is_signed(rt_type_kind k)
{
  return k == RT_TYPE_I8 || k == RT_TYPE_I16 || k == RT_TYPE_I32 ||
         k == RT_TYPE_I64 || k == RT_TYPE_SSIZE ||
         (k == RT_TYPE_CHAR && (char)-1 < 0);
}

static unsigned char ext_code(const rt_type *t)
{
  if (t->kind == RT_TYPE_VOID)
    return 0;
  unsigned shift = (unsigned)(64 - t->size * 8);
  return (unsigned char)(shift | (kind_is_signed(t->kind) ? EXT_SIGNED : 0));
}

static inline u64 extend(u64 x, unsigned code)
{
  unsigned sh = code & 63;
  x <<= sh;
  return code & EXT_SIGNED ? (u64)((int64_t)x >> sh) : x >> sh;
}

/* The result, narrowed by its extension code; a str is the caller's. */
static inline int int_result(const rt_sig *s, u64 raw, rt_value *ret)
{
  ret->kind = s->ret->kind;
  ret->flags = ret->kind == RT_TYPE_STR ? rt__str_owned((char *)(uintptr_t)raw) : 0;
  ret->v.u64 = ret->kind == RT_TYPE_VOID ? 0 : extend(raw, s->ret_ext);
  return 0;
}

/* One invoker per argument count, unrolled: check argument I's tag and
 * extend it into xI, then call. */
#define XI(i)                                                                 \
  if (RT_UNLIKELY(a[i].kind != (rt_type_kind)s->kinds[i]))                    \
    return rt__bad_args(s, a, n);                                             \
  u64 x##i = extend(a[i].v.u64, s->ext[i]);
#define INT_INVOKER(n_, params, checks, args)                                 \
  static int int##n_(const rt_fn *fn, const rt_value *a, size_t n,            \
                     rt_value *ret)                                           \
  {                                                                           \
    const rt_sig *s = fn->sig;                                                \
    (void)a;                                                                  \
    (void)n;                                                                  \
    checks;                                                                   \
    return int_result(s, ((u64(*) params)fn->fp)args, ret);                   \
  }
INT_INVOKER(0, (void), , ())
INT_INVOKER(1, (u64), XI(0), (x0))
INT_INVOKER(2, (u64, u64), XI(0) XI(1), (x0, x1))
INT_INVOKER(3, (u64, u64, u64), XI(0) XI(1) XI(2), (x0, x1, x2))
INT_INVOKER(4, (u64, u64, u64, u64), XI(0) XI(1) XI(2) XI(3),
            (x0, x1, x2, x3))
INT_INVOKER(5, (u64, u64, u64, u64, u64), XI(0) XI(1) XI(2) XI(3) XI(4),
            (x0, x1, x2, x3, x4))
INT_INVOKER(6, (u64, u64, u64, u64, u64, u64),
            XI(0) XI(1) XI(2) XI(3) XI(4) XI(5), (x0, x1, x2, x3, x4, x5))
#undef XI

static const rt__invoker int_invokers[] = {int0, int1, int2, int3,
                                           int4, int5, int6};

static bool int_shape(const rt_sig *s)
{
#ifdef RT_FAST_INT_CALLS
  if (s->nargs > RT_FAST_MAX_INT)
    return false;
  if (s->ret->kind != RT_TYPE_VOID && !rt__kind_is_int(s->ret->kind))
    return false;
  for (size_t i = 0; i < s->nargs; i++)
    if (!rt__kind_is_int(s->args[i]->kind))
      return false;
  return true;
#else
  (void)s;
  return false;
#endif
}

/* ---- floating shapes --------------------------------------------------- */

static inline void set_f64(double d, rt_value *r) { r->v.f64 = d; }

/* The tags of all N arguments must be K. */
static inline bool all_tags(const rt_value *a, size_t n, rt_type_kind k)
{
  bool ok = true;
  for (size_t i = 0; i < n; i++)
    ok &= a[i].kind == k;
  return ok;
}

#define FLOAT_INVOKER(name, n_, R, set, params, args)                         \
  static int name##n_(const rt_fn *fn, const rt_value *a, size_t n,           \
                      rt_value *r)                                            \
  {                                                                           \
    const rt_sig *s = fn->sig;                                                \
    if (RT_UNLIKELY(!all_tags(a, n_, n_ ? (rt_type_kind)s->kinds[0] : 0)))   \
      return rt__bad_args(s, a, n);                                           \
    r->kind = s->ret->kind;                                                   \
    r->flags = 0;                                                             \
    set(((R(*) params)fn->fp)args, r);                                        \
    return 0;                                                                 \
  }
#define FLOAT_SHAPE(name, R, set, A, m)                                       \
  FLOAT_INVOKER(name, 0, R, set, (void), ())                                  \
  FLOAT_INVOKER(name, 1, R, set, (A), (a[0].v.m))                             \
  FLOAT_INVOKER(name, 2, R, set, (A, A), (a[0].v.m, a[1].v.m))                \
  FLOAT_INVOKER(name, 3, R, set, (A, A, A), (a[0].v.m, a[1].v.m, a[2].v.m))   \
  FLOAT_INVOKER(name, 4, R, set, (A, A, A, A),                                \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m))                     \
  FLOAT_INVOKER(name, 5, R, set, (A, A, A, A, A),                             \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m))           \
  FLOAT_INVOKER(name, 6, R, set, (A, A, A, A, A, A),                          \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m)) \
  FLOAT_INVOKER(name, 7, R, set, (A, A, A, A, A, A, A),                       \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m,  \
                 a[6].v.m))                                                   \
  FLOAT_INVOKER(name, 8, R, set, (A, A, A, A, A, A, A, A),                    \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m,  \
                 a[6].v.m, a[7].v.m))                                         \
  static const rt__invoker name[] = {name##0, name##1, name##2,               \
                                     name##3, name##4, name##5,               \
                                     name##6, name##7, name##8};

FLOAT_SHAPE(d_d, double, set_f64, double, f64)
FLOAT_SHAPE(d_f, float, rt__set_f32, double, f64)
FLOAT_SHAPE(f_d, double, set_f64, float, f32)
FLOAT_SHAPE(f_f, float, rt__set_f32, float, f32)

static bool all_kind(const rt_sig *s, rt_type_kind k)
{
  for (size_t i = 0; i < s->nargs; i++)
    if (s->args[i]->kind != k)
      return false;
  return true;
}

static rt__invoker float_invoker(const rt_sig *s)
{
  rt_type_kind r = s->ret->kind;
  if (s->nargs > RT_FAST_MAX_FLOAT || (r != RT_TYPE_F64 && r != RT_TYPE_F32))
    return NULL;
  bool rd = r == RT_TYPE_F64;
  if (all_kind(s, RT_TYPE_F64))
    return (rd ? d_d : d_f)[s->nargs];
  if (all_kind(s, RT_TYPE_F32))
    return (rd ? f_d : f_f)[s->nargs];
  return NULL;
}

void rt__fast_prepare(rt_sig *s)
{
  if (int_shape(s)) {
    for (size_t i = 0; i < s->nargs; i++)
      s->ext[i] = ext_code(s->args[i]);
    s->ret_ext = ext_code(s->ret);
    s->fast = int_invokers[s->nargs];
  } else {
    s->fast = float_invoker(s);
  }
}
