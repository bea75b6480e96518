/*
 * callfast.c — precompiled C call shapes, used instead of ffi_call for
 * the most common signatures.
 *
 * Integer shapes: up to 6 integer/pointer arguments and an integer,
 * pointer or void result.  On x86_64 (SysV) and aarch64 (AAPCS64) each
 * such argument travels in its own general register whatever its width,
 * so calling through `uint64_t (*)(uint64_t, ...)` with every argument
 * widened the way its type extends (rt__widen) puts the same bits where
 * the callee looks; the 64-bit result is narrowed to the declared type
 * (rt__narrow), because the upper register bits are unspecified.
 *
 * Floating shapes: up to 8 arguments that are all f64 or all f32, with an
 * f64 or f32 result: called through the exact C prototype, so no register
 * trick is involved.  Mixed f32/f64 arguments go to libffi.
 *
 * Other machines use libffi for everything.
 */
#include "call_int.h"

#if (defined(__x86_64__) && defined(__LP64__)) || defined(__aarch64__)
#define RT_FAST_INT_CALLS 1
#endif

#define RT_FAST_MAX_INT 6
#define RT_FAST_MAX_FLOAT 8

uint64_t rt__widen(const rt_value *v)
{
  switch (v->kind) {
  case RT_TYPE_BOOL: return v->v.b;
  case RT_TYPE_CHAR: return (uint64_t)(int64_t)v->v.c;
  case RT_TYPE_I8: return (uint64_t)(int64_t)v->v.i8;
  case RT_TYPE_U8: return v->v.u8;
  case RT_TYPE_I16: return (uint64_t)(int64_t)v->v.i16;
  case RT_TYPE_U16: return v->v.u16;
  case RT_TYPE_I32: return (uint64_t)(int64_t)v->v.i32;
  case RT_TYPE_U32: return v->v.u32;
  case RT_TYPE_I64: return (uint64_t)v->v.i64;
  case RT_TYPE_U64: return v->v.u64;
  case RT_TYPE_SIZE: return v->v.size;
  case RT_TYPE_SSIZE: return (uint64_t)(int64_t)v->v.ssize;
  case RT_TYPE_PTR: return (uintptr_t)v->v.ptr;
  case RT_TYPE_STR: return (uintptr_t)v->v.str;
  default: return 0;
  }
}

static bool all_kind(const rt_sig *s, rt_type_kind k)
{
  for (size_t i = 0; i < s->nargs; i++)
    if (s->args[i]->kind != k)
      return false;
  return true;
}

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

enum rt__shape rt__fast_shape(const rt_sig *s)
{
  if (int_shape(s))
    return RT__SHAPE_INT;
  rt_type_kind r = s->ret->kind;
  if (s->nargs > RT_FAST_MAX_FLOAT || (r != RT_TYPE_F64 && r != RT_TYPE_F32))
    return RT__SHAPE_FFI;
  if (all_kind(s, RT_TYPE_F64))
    return r == RT_TYPE_F64 ? RT__SHAPE_D_D : RT__SHAPE_D_F;
  if (all_kind(s, RT_TYPE_F32))
    return r == RT_TYPE_F64 ? RT__SHAPE_F_D : RT__SHAPE_F_F;
  return RT__SHAPE_FFI;
}

typedef uint64_t u64;

static u64 call_int(void (*fp)(void), const u64 *a, size_t n)
{
  switch (n) {
  case 0: return ((u64 (*)(void))fp)();
  case 1: return ((u64 (*)(u64))fp)(a[0]);
  case 2: return ((u64 (*)(u64, u64))fp)(a[0], a[1]);
  case 3: return ((u64 (*)(u64, u64, u64))fp)(a[0], a[1], a[2]);
  case 4: return ((u64 (*)(u64, u64, u64, u64))fp)(a[0], a[1], a[2], a[3]);
  case 5:
    return ((u64 (*)(u64, u64, u64, u64, u64))fp)(a[0], a[1], a[2], a[3],
                                                  a[4]);
  default:
    return ((u64 (*)(u64, u64, u64, u64, u64, u64))fp)(a[0], a[1], a[2],
                                                       a[3], a[4], a[5]);
  }
}

/* One function per (result, argument) float type pair, N = 0..8. */
#define FLOAT_SHAPE(name, R, A, m)                                            \
  static R name(void (*fp)(void), const rt_value *a, size_t n)                \
  {                                                                           \
    switch (n) {                                                              \
    case 0: return ((R(*)(void))fp)();                                        \
    case 1: return ((R(*)(A))fp)(a[0].v.m);                                   \
    case 2: return ((R(*)(A, A))fp)(a[0].v.m, a[1].v.m);                      \
    case 3: return ((R(*)(A, A, A))fp)(a[0].v.m, a[1].v.m, a[2].v.m);         \
    case 4:                                                                   \
      return ((R(*)(A, A, A, A))fp)(a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m);  \
    case 5:                                                                   \
      return ((R(*)(A, A, A, A, A))fp)(a[0].v.m, a[1].v.m, a[2].v.m,          \
                                       a[3].v.m, a[4].v.m);                   \
    case 6:                                                                   \
      return ((R(*)(A, A, A, A, A, A))fp)(a[0].v.m, a[1].v.m, a[2].v.m,       \
                                          a[3].v.m, a[4].v.m, a[5].v.m);      \
    case 7:                                                                   \
      return ((R(*)(A, A, A, A, A, A, A))fp)(a[0].v.m, a[1].v.m, a[2].v.m,    \
                                             a[3].v.m, a[4].v.m, a[5].v.m,    \
                                             a[6].v.m);                       \
    default:                                                                  \
      return ((R(*)(A, A, A, A, A, A, A, A))fp)(                              \
          a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m,         \
          a[6].v.m, a[7].v.m);                                                \
    }                                                                         \
  }

FLOAT_SHAPE(call_d_d, double, double, f64)
FLOAT_SHAPE(call_d_f, float, double, f64)
FLOAT_SHAPE(call_f_d, double, float, f32)
FLOAT_SHAPE(call_f_f, float, float, f32)

static void call_int_shape(const rt_fn *fn, const rt_value *args,
                           rt_value *ret)
{
  u64 a[RT_FAST_MAX_INT];
  size_t n = fn->sig->nargs;
  for (size_t i = 0; i < n; i++)
    a[i] = rt__widen(&args[i]);
  u64 raw = call_int(fn->fp, a, n);
  rt__narrow(ret->kind, raw, ret);
}

void rt__call_fast(const rt_fn *fn, const rt_value *args, rt_value *ret)
{
  size_t n = fn->sig->nargs;
  switch (fn->sig->shape) {
  case RT__SHAPE_INT: call_int_shape(fn, args, ret); break;
  case RT__SHAPE_D_D: ret->v.f64 = call_d_d(fn->fp, args, n); break;
  case RT__SHAPE_D_F: ret->v.f32 = call_d_f(fn->fp, args, n); break;
  case RT__SHAPE_F_D: ret->v.f64 = call_f_d(fn->fp, args, n); break;
  case RT__SHAPE_F_F: ret->v.f32 = call_f_f(fn->fp, args, n); break;
  default: break;
  }
}
