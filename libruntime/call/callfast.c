/*
 * callfast.c — specialised C call shapes for the most common signatures
 * (chosen once, by rt__fast_prepare, which also makes the plan).
 *
 * Integer shapes: up to 6 integer/pointer arguments and an integer,
 * pointer or void result.  On x86_64 (SysV) and aarch64 (AAPCS64) each
 * such argument travels in its own general register whatever its width,
 * so calling through `uint64_t (*)(uint64_t, ...)` with every argument
 * extended the way its type extends puts the same bits where the callee
 * looks; the 64-bit result is narrowed to the declared type, because the
 * upper register bits are unspecified.  Extension is branch-free: each
 * argument has a precomputed mask and sign bit (struct rt__ext, kept in
 * the rt_fn) applied to the whole 8-byte union, which also needs a
 * little-endian machine.
 *
 * Invokers are specialised as far as a signature allows, to keep the
 * path short: every argument tag is checked with a single branch, the
 * floating shapes know their tags and result kind as constants, and the
 * integer shapes have one family per kind of result (value, void, str).
 *
 * Floating shapes: up to 8 arguments that are all f64 or all f32, with an
 * f64 or f32 result: called through the exact C prototype (portable), so
 * no register trick is involved.  Every other signature has the plan of
 * callplan.c (x86_64, aarch64), or libffi.
 */
#include "call_int.h"

#if ((defined(__x86_64__) && defined(__LP64__)) || defined(__aarch64__)) &&   \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RT_FAST_INT_CALLS 1
#endif

#define RT_FAST_MAX_INT 6
#define RT_FAST_MAX_FLOAT 8
_Static_assert(RT_FN_INLINE >= RT_FAST_MAX_INT, "rt_fn holds the int data");

typedef uint64_t u64;

/* The helpers below must be inlined for N to be a constant. */

/* ---- integer shapes ---------------------------------------------------- */

static bool kind_is_signed(rt_type_kind k)
{
  return k == RT_TYPE_I8 || k == RT_TYPE_I16 || k == RT_TYPE_I32 ||
         k == RT_TYPE_I64 || k == RT_TYPE_SSIZE ||
         (k == RT_TYPE_CHAR && (char)-1 < 0);
}

struct rt__ext rt__ext_of(const rt_type *t)
{
  struct rt__ext e = {~(u64)0, 0};
  if (t->kind == RT_TYPE_VOID || t->size >= 8)
    return e;
  e.m = ((u64)1 << (t->size * 8)) - 1;
  e.b = kind_is_signed(t->kind) ? (u64)1 << (t->size * 8 - 1) : 0;
  return e;
}

static inline u64 extend(u64 x, struct rt__ext e) { return ((x & e.m) ^ e.b) - e.b; }

/* The argument tags that differ from the expected ones: nonzero if any
 * does.  One branch for all of them instead of one per argument; N is a
 * constant in every caller, so the loop is unrolled. */
static inline RT_ALWAYS_INLINE unsigned tags_differ(const rt_fn *fn,
                                                    const rt_value *a,
                                                    unsigned n)
{
  unsigned d = 0;
#pragma GCC unroll 8
  for (unsigned i = 0; i < n; i++)
    d |= (unsigned)a[i].kind ^ fn->kinds[i];
  return d;
}

/* The integer shapes' results, one invoker family per class so that
 * taking the result is one instruction: the kind and flags are stored as
 * one 8-byte word before the call (only the value is left after it), and
 * the value is the register as is (64-bit kinds), sign- or zero-extended
 * from 32 bits (i32, u32), extended by the type's mask and sign bit
 * (bool, char, 8 and 16 bits), zero (void), or a str the caller owns
 * (its flags are known only after the call). */
enum int_res { IR_64, IR_S32, IR_Z32, IR_EXT, IR_VOID, IR_STR, IR_COUNT };

#define PRE_64 rt__set_word(ret, fn->ret_word);
#define PRE_S32 PRE_64
#define PRE_Z32 PRE_64
#define PRE_EXT PRE_64
#define PRE_VOID                                                              \
  rt__set_word(ret, rt__kind_word(RT_TYPE_VOID));                             \
  ret->v.u64 = 0;
#define PRE_STR
#define POST_64(raw) ret->v.u64 = (raw);
#define POST_S32(raw) ret->v.u64 = (u64)(int64_t)(int32_t)(raw);
#define POST_Z32(raw) ret->v.u64 = (uint32_t)(raw);
#define POST_EXT(raw) ret->v.u64 = extend(raw, fn->ret_ext);
#define POST_VOID(raw) (void)(raw);
#define POST_STR(raw)                                                         \
  ret->kind = RT_TYPE_STR;                                                    \
  ret->v.owned_str = (char *)(uintptr_t)(raw);                                \
  ret->flags = rt__str_owned(ret->v.owned_str);

/* One invoker per argument count, result class and argument mode,
 * unrolled: check the tags, load argument I into xI, call.  Arguments
 * of 32 and 64 bits (i32 u32 i64 u64 size ssize ptr str) go as the whole
 * 8-byte union (mode W): the callee reads only the low 32 bits of a
 * 32-bit argument, on both ABIs.  Mode N, for signatures with a bool,
 * char or 8/16-bit argument, extends every argument by its type's mask
 * and sign bit (gcc and clang callers extend those to 32 bits, and clang
 * callees rely on it on x86_64).  The arguments are read before RET is
 * written, so RET may be one of them. */
#define XW(i) a[i].v.u64
#define XN(i) extend(a[i].v.u64, fn->ext[i])
/* The arguments are loaded into locals first, then RET's word is
 * stored, then the call: written so, the compiler keeps that order
 * whether or not RET aliases ARGS. */
#define INT_INVOKER_ARGS(name, n_, R, X)                                      \
  RT_CALL_ALIGN static int name##n_(const rt_fn *fn, const rt_value *a,     \
                                   rt_value *ret)                           \
  {                                                                           \
    if (RT_UNLIKELY(tags_differ(fn, a, n_)))                                  \
      return rt__bad_args(fn->sig, a, n_);                                    \
    LOADS_##n_(X)                                                             \
    PRE_##R                                                                   \
    u64 raw = CALL_##n_(fn->fp);                                              \
    POST_##R(raw)                                                             \
    return rt__last_code;                                                     \
  }
#define LOADS_0(X)
#define LOADS_1(X) u64 x0 = X(0);
#define LOADS_2(X) LOADS_1(X) u64 x1 = X(1);
#define LOADS_3(X) LOADS_2(X) u64 x2 = X(2);
#define LOADS_4(X) LOADS_3(X) u64 x3 = X(3);
#define LOADS_5(X) LOADS_4(X) u64 x4 = X(4);
#define LOADS_6(X) LOADS_5(X) u64 x5 = X(5);
#define CALL_0(fp) ((u64(*)(void))(fp))()
#define CALL_1(fp) ((u64(*)(u64))(fp))(x0)
#define CALL_2(fp) ((u64(*)(u64, u64))(fp))(x0, x1)
#define CALL_3(fp) ((u64(*)(u64, u64, u64))(fp))(x0, x1, x2)
#define CALL_4(fp) ((u64(*)(u64, u64, u64, u64))(fp))(x0, x1, x2, x3)
#define CALL_5(fp)                                                            \
  ((u64(*)(u64, u64, u64, u64, u64))(fp))(x0, x1, x2, x3, x4)
#define CALL_6(fp)                                                            \
  ((u64(*)(u64, u64, u64, u64, u64, u64))(fp))(x0, x1, x2, x3, x4, x5)
#define INT_SHAPE(name, R, X)                                                 \
  INT_INVOKER_ARGS(name, 0, R, X)                                             \
  INT_INVOKER_ARGS(name, 1, R, X)                                             \
  INT_INVOKER_ARGS(name, 2, R, X)                                             \
  INT_INVOKER_ARGS(name, 3, R, X)                                             \
  INT_INVOKER_ARGS(name, 4, R, X)                                             \
  INT_INVOKER_ARGS(name, 5, R, X)                                             \
  INT_INVOKER_ARGS(name, 6, R, X)
#define INT_FAMILY(R)                                                         \
  INT_SHAPE(w_##R, R, XW)                                                     \
  INT_SHAPE(n_##R, R, XN)
INT_FAMILY(64)
INT_FAMILY(S32)
INT_FAMILY(Z32)
INT_FAMILY(EXT)
INT_FAMILY(VOID)
INT_FAMILY(STR)
#undef XW
#undef XN

#define ROW(name) {name##0, name##1, name##2, name##3, name##4, name##5, name##6}
#define ROWS(m)                                                               \
  {ROW(m##_64), ROW(m##_S32), ROW(m##_Z32), ROW(m##_EXT), ROW(m##_VOID),      \
   ROW(m##_STR)}
/* [narrow][result class][count] */
static const rt__invoker int_invokers[2][IR_COUNT][RT_FAST_MAX_INT + 1] = {
    ROWS(w), ROWS(n)};

static enum int_res int_res_of(const rt_type *t)
{
  switch (t->kind) {
  case RT_TYPE_VOID: return IR_VOID;
  case RT_TYPE_STR: return IR_STR;
  case RT_TYPE_I32: return IR_S32;
  case RT_TYPE_U32: return IR_Z32;
  default: return t->size >= 8 ? IR_64 : IR_EXT;
  }
}

/* True if an argument of type T must be extended by the caller: bool,
 * char and the 8- and 16-bit integers. */
static bool arg_is_narrow(const rt_type *t) { return t->size < 4; }

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

/* The tags of the N arguments that differ from K (a constant here, as
 * are N and the result's kind: one invoker per combination). */
static inline RT_ALWAYS_INLINE unsigned tags_not(const rt_value *a,
                                                 unsigned n, unsigned k)
{
#pragma GCC unroll 8
  for (unsigned i = 0; i < n; i++)
    if (RT_UNLIKELY((unsigned)a[i].kind != k)) /* a compare with a constant */
      return 1;
  return 0;
}

#define FLOAT_INVOKER(name, n_, R, RK, set, AK, params, args)                 \
  RT_CALL_ALIGN static int name##n_(const rt_fn *fn, const rt_value *a,     \
                                   rt_value *r)                             \
  {                                                                           \
    if (RT_UNLIKELY(tags_not(a, n_, AK)))                                     \
      return rt__bad_args(fn->sig, a, n_);                                    \
    R x = ((R(*) params)fn->fp)args;                                          \
    rt__set_word(r, rt__kind_word(RK));                                       \
    set(x, r);                                                                \
    return rt__last_code;                                                     \
  }
#define FLOAT_SHAPE(name, R, RK, set, A, AK, m)                               \
  FLOAT_INVOKER(name, 0, R, RK, set, AK, (void), ())                          \
  FLOAT_INVOKER(name, 1, R, RK, set, AK, (A), (a[0].v.m))                     \
  FLOAT_INVOKER(name, 2, R, RK, set, AK, (A, A), (a[0].v.m, a[1].v.m))        \
  FLOAT_INVOKER(name, 3, R, RK, set, AK, (A, A, A),                           \
                (a[0].v.m, a[1].v.m, a[2].v.m))                               \
  FLOAT_INVOKER(name, 4, R, RK, set, AK, (A, A, A, A),                        \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m))                     \
  FLOAT_INVOKER(name, 5, R, RK, set, AK, (A, A, A, A, A),                     \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m))           \
  FLOAT_INVOKER(name, 6, R, RK, set, AK, (A, A, A, A, A, A),                  \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m)) \
  FLOAT_INVOKER(name, 7, R, RK, set, AK, (A, A, A, A, A, A, A),               \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m,  \
                 a[6].v.m))                                                   \
  FLOAT_INVOKER(name, 8, R, RK, set, AK, (A, A, A, A, A, A, A, A),            \
                (a[0].v.m, a[1].v.m, a[2].v.m, a[3].v.m, a[4].v.m, a[5].v.m,  \
                 a[6].v.m, a[7].v.m))                                         \
  static const rt__invoker name[] = {name##0, name##1, name##2,               \
                                     name##3, name##4, name##5,               \
                                     name##6, name##7, name##8};

FLOAT_SHAPE(d_d, double, RT_TYPE_F64, set_f64, double, RT_TYPE_F64, f64)
FLOAT_SHAPE(d_f, float, RT_TYPE_F32, rt__set_f32, double, RT_TYPE_F64, f64)
FLOAT_SHAPE(f_d, double, RT_TYPE_F64, set_f64, float, RT_TYPE_F32, f32)
FLOAT_SHAPE(f_f, float, RT_TYPE_F32, rt__set_f32, float, RT_TYPE_F32, f32)

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

/* The plan is made for every signature that has one (closures decode
 * their arguments by it); calls use a specialised shape where there is
 * one, the plan otherwise. */
int rt__fast_prepare(rt_sig *s)
{
  int rc = rt__plan_prepare(s);
  if (rc < 0)
    return rc;
  if (int_shape(s)) {
    bool narrow = false;
    for (size_t i = 0; i < s->nargs; i++)
      narrow |= arg_is_narrow(s->args[i]);
    s->fast = int_invokers[narrow][int_res_of(s->ret)][s->nargs];
    s->plan_bytes = 0; /* the plan is the closures' only */
  } else if (float_invoker(s) != NULL) {
    s->fast = float_invoker(s);
    s->plan_bytes = 0;
  }
  return 0;
}

void rt__fast_release(rt_sig *s) { rt_free(s->plan); }

void rt__fast_fn(rt_fn *fn)
{
  const rt_sig *s = fn->sig;
  fn->invoke = s->fast ? s->fast : rt__call_ffi;
  if (!s->fast || !int_shape(s))
    return;
  for (size_t i = 0; i < s->nargs; i++) {
    fn->kinds[i] = s->kinds[i];
    fn->ext[i] = rt__ext_of(s->args[i]);
  }
  fn->ret_kind = (unsigned char)s->ret->kind;
  fn->ret_ext = rt__ext_of(s->ret);
  fn->ret_word = rt__kind_word(s->ret->kind);
}
