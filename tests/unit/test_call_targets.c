/* test_call_targets.c — target functions for the call tests (see .h). */
#include "test_call_targets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalars ------------------------------------------------------- */

#define TT_DEFINE(name, T, m)                                                 \
  T tt_id_##name(T x) { return x; }                                           \
  T tt_mid_##name(uint8_t a, T x, int16_t b)                                  \
  {                                                                           \
    (void)a;                                                                  \
    (void)b;                                                                  \
    return x;                                                                 \
  }                                                                           \
  T tt_from_##name(uint64_t bits)                                             \
  {                                                                           \
    T x;                                                                      \
    memcpy(&x, &bits, sizeof x);                                              \
    return x;                                                                 \
  }                                                                           \
  uint64_t tt_bits_##name(T x)                                                \
  {                                                                           \
    uint64_t b = 0;                                                           \
    memcpy(&b, &x, sizeof x);                                                 \
    return b;                                                                 \
  }
TT_SCALARS(TT_DEFINE)
#undef TT_DEFINE

#define TT_DEFINE_EXT(name, T, m)                                             \
  int64_t tt_ext_##name(int32_t pad, T x)                                     \
  {                                                                           \
    (void)pad;                                                                \
    return (int64_t)x;                                                        \
  }
TT_INTS(TT_DEFINE_EXT)
#undef TT_DEFINE_EXT

/* ---- families of 1..32 arguments ------------------------------------ */

static uint64_t hash_step(uint64_t h, uint64_t bits)
{
  return (h ^ bits) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
}

static uint64_t bits_f64(double d)
{
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static uint64_t bits_f32(float f)
{
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

#define HBITS(x)                                                              \
  _Generic((x), double: bits_f64((double)(x)), float: bits_f32((float)(x)),   \
           default: (uint64_t)(x))

/* Argument k (1-based) of the mixed family: MIX_k(X) is X(ctype, member). */
#define MIX_1(X) X(int32_t, i32)
#define MIX_2(X) X(double, f64)
#define MIX_3(X) X(uint8_t, u8)
#define MIX_4(X) X(float, f32)
#define MIX_5(X) X(int64_t, i64)
#define MIX_6(X) X(int16_t, i16)
#define MIX_7(X) X(int32_t, i32)
#define MIX_8(X) X(double, f64)
#define MIX_9(X) X(uint8_t, u8)
#define MIX_10(X) X(float, f32)
#define MIX_11(X) X(int64_t, i64)
#define MIX_12(X) X(int16_t, i16)
#define MIX_13(X) X(int32_t, i32)
#define MIX_14(X) X(double, f64)
#define MIX_15(X) X(uint8_t, u8)
#define MIX_16(X) X(float, f32)
#define MIX_17(X) X(int64_t, i64)
#define MIX_18(X) X(int16_t, i16)
#define MIX_19(X) X(int32_t, i32)
#define MIX_20(X) X(double, f64)
#define MIX_21(X) X(uint8_t, u8)
#define MIX_22(X) X(float, f32)
#define MIX_23(X) X(int64_t, i64)
#define MIX_24(X) X(int16_t, i16)
#define MIX_25(X) X(int32_t, i32)
#define MIX_26(X) X(double, f64)
#define MIX_27(X) X(uint8_t, u8)
#define MIX_28(X) X(float, f32)
#define MIX_29(X) X(int64_t, i64)
#define MIX_30(X) X(int16_t, i16)
#define MIX_31(X) X(int32_t, i32)
#define MIX_32(X) X(double, f64)

/* PARAMS_n(S): the parameter list a1..an, S(k) giving the type of ak. */
#define PARAMS_1(S) S(1) a1
#define PARAMS_2(S) PARAMS_1(S), S(2) a2
#define PARAMS_3(S) PARAMS_2(S), S(3) a3
#define PARAMS_4(S) PARAMS_3(S), S(4) a4
#define PARAMS_5(S) PARAMS_4(S), S(5) a5
#define PARAMS_6(S) PARAMS_5(S), S(6) a6
#define PARAMS_7(S) PARAMS_6(S), S(7) a7
#define PARAMS_8(S) PARAMS_7(S), S(8) a8
#define PARAMS_9(S) PARAMS_8(S), S(9) a9
#define PARAMS_10(S) PARAMS_9(S), S(10) a10
#define PARAMS_11(S) PARAMS_10(S), S(11) a11
#define PARAMS_12(S) PARAMS_11(S), S(12) a12
#define PARAMS_13(S) PARAMS_12(S), S(13) a13
#define PARAMS_14(S) PARAMS_13(S), S(14) a14
#define PARAMS_15(S) PARAMS_14(S), S(15) a15
#define PARAMS_16(S) PARAMS_15(S), S(16) a16
#define PARAMS_17(S) PARAMS_16(S), S(17) a17
#define PARAMS_18(S) PARAMS_17(S), S(18) a18
#define PARAMS_19(S) PARAMS_18(S), S(19) a19
#define PARAMS_20(S) PARAMS_19(S), S(20) a20
#define PARAMS_21(S) PARAMS_20(S), S(21) a21
#define PARAMS_22(S) PARAMS_21(S), S(22) a22
#define PARAMS_23(S) PARAMS_22(S), S(23) a23
#define PARAMS_24(S) PARAMS_23(S), S(24) a24
#define PARAMS_25(S) PARAMS_24(S), S(25) a25
#define PARAMS_26(S) PARAMS_25(S), S(26) a26
#define PARAMS_27(S) PARAMS_26(S), S(27) a27
#define PARAMS_28(S) PARAMS_27(S), S(28) a28
#define PARAMS_29(S) PARAMS_28(S), S(29) a29
#define PARAMS_30(S) PARAMS_29(S), S(30) a30
#define PARAMS_31(S) PARAMS_30(S), S(31) a31
#define PARAMS_32(S) PARAMS_31(S), S(32) a32

/* HASH_n: fold a1..an into h in order. */
#define HASH_1 h = hash_step(h, HBITS(a1));
#define HASH_2 HASH_1 h = hash_step(h, HBITS(a2));
#define HASH_3 HASH_2 h = hash_step(h, HBITS(a3));
#define HASH_4 HASH_3 h = hash_step(h, HBITS(a4));
#define HASH_5 HASH_4 h = hash_step(h, HBITS(a5));
#define HASH_6 HASH_5 h = hash_step(h, HBITS(a6));
#define HASH_7 HASH_6 h = hash_step(h, HBITS(a7));
#define HASH_8 HASH_7 h = hash_step(h, HBITS(a8));
#define HASH_9 HASH_8 h = hash_step(h, HBITS(a9));
#define HASH_10 HASH_9 h = hash_step(h, HBITS(a10));
#define HASH_11 HASH_10 h = hash_step(h, HBITS(a11));
#define HASH_12 HASH_11 h = hash_step(h, HBITS(a12));
#define HASH_13 HASH_12 h = hash_step(h, HBITS(a13));
#define HASH_14 HASH_13 h = hash_step(h, HBITS(a14));
#define HASH_15 HASH_14 h = hash_step(h, HBITS(a15));
#define HASH_16 HASH_15 h = hash_step(h, HBITS(a16));
#define HASH_17 HASH_16 h = hash_step(h, HBITS(a17));
#define HASH_18 HASH_17 h = hash_step(h, HBITS(a18));
#define HASH_19 HASH_18 h = hash_step(h, HBITS(a19));
#define HASH_20 HASH_19 h = hash_step(h, HBITS(a20));
#define HASH_21 HASH_20 h = hash_step(h, HBITS(a21));
#define HASH_22 HASH_21 h = hash_step(h, HBITS(a22));
#define HASH_23 HASH_22 h = hash_step(h, HBITS(a23));
#define HASH_24 HASH_23 h = hash_step(h, HBITS(a24));
#define HASH_25 HASH_24 h = hash_step(h, HBITS(a25));
#define HASH_26 HASH_25 h = hash_step(h, HBITS(a26));
#define HASH_27 HASH_26 h = hash_step(h, HBITS(a27));
#define HASH_28 HASH_27 h = hash_step(h, HBITS(a28));
#define HASH_29 HASH_28 h = hash_step(h, HBITS(a29));
#define HASH_30 HASH_29 h = hash_step(h, HBITS(a30));
#define HASH_31 HASH_30 h = hash_step(h, HBITS(a31));
#define HASH_32 HASH_31 h = hash_step(h, HBITS(a32));

/* ARGS_n(G): the argument list G(1)..G(n). */
#define ARGS_1(G) G(1)
#define ARGS_2(G) ARGS_1(G), G(2)
#define ARGS_3(G) ARGS_2(G), G(3)
#define ARGS_4(G) ARGS_3(G), G(4)
#define ARGS_5(G) ARGS_4(G), G(5)
#define ARGS_6(G) ARGS_5(G), G(6)
#define ARGS_7(G) ARGS_6(G), G(7)
#define ARGS_8(G) ARGS_7(G), G(8)
#define ARGS_9(G) ARGS_8(G), G(9)
#define ARGS_10(G) ARGS_9(G), G(10)
#define ARGS_11(G) ARGS_10(G), G(11)
#define ARGS_12(G) ARGS_11(G), G(12)
#define ARGS_13(G) ARGS_12(G), G(13)
#define ARGS_14(G) ARGS_13(G), G(14)
#define ARGS_15(G) ARGS_14(G), G(15)
#define ARGS_16(G) ARGS_15(G), G(16)
#define ARGS_17(G) ARGS_16(G), G(17)
#define ARGS_18(G) ARGS_17(G), G(18)
#define ARGS_19(G) ARGS_18(G), G(19)
#define ARGS_20(G) ARGS_19(G), G(20)
#define ARGS_21(G) ARGS_20(G), G(21)
#define ARGS_22(G) ARGS_21(G), G(22)
#define ARGS_23(G) ARGS_22(G), G(23)
#define ARGS_24(G) ARGS_23(G), G(24)
#define ARGS_25(G) ARGS_24(G), G(25)
#define ARGS_26(G) ARGS_25(G), G(26)
#define ARGS_27(G) ARGS_26(G), G(27)
#define ARGS_28(G) ARGS_27(G), G(28)
#define ARGS_29(G) ARGS_28(G), G(29)
#define ARGS_30(G) ARGS_29(G), G(30)
#define ARGS_31(G) ARGS_30(G), G(31)
#define ARGS_32(G) ARGS_31(G), G(32)

#define ARITIES(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32)
#define STRUCT_SIZES(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33) X(34) X(35) X(36) X(37) X(38) X(39) X(40) X(41) X(42) X(43) X(44) X(45) X(46) X(47) X(48) X(49) X(50) X(51) X(52) X(53) X(54) X(55) X(56) X(57) X(58) X(59) X(60) X(61) X(62) X(63) X(64)

#define MIX_TYPE(T, m) T
#define MIX_MEMBER(T, m) m
#define MIX_NAME(T, m) #m
#define MIX_T(k) MIX_##k(MIX_TYPE)
#define I64_T(k) int64_t
#define F64_T(k) double
#define F32_T(k) float

#define DEFINE_ARITY(n)                                                       \
  static uint64_t mix##n(PARAMS_##n(MIX_T))                                   \
  {                                                                           \
    uint64_t h = n;                                                           \
    HASH_##n return h;                                                        \
  }                                                                           \
  static uint64_t i64_##n(PARAMS_##n(I64_T))                                  \
  {                                                                           \
    uint64_t h = n;                                                           \
    HASH_##n return h;                                                        \
  }                                                                           \
  static double f64_##n(PARAMS_##n(F64_T))                                    \
  {                                                                           \
    uint64_t h = n;                                                           \
    HASH_##n return (double)(h >> 11);                                        \
  }                                                                           \
  static float f32_##n(PARAMS_##n(F32_T))                                     \
  {                                                                           \
    uint64_t h = n;                                                           \
    HASH_##n return (float)(h >> 40);                                         \
  }
ARITIES(DEFINE_ARITY)

#define MIX_ARG(k) vals[k - 1].v.MIX_##k(MIX_MEMBER)
#define I64_ARG(k) vals[k - 1].v.i64
#define F64_ARG(k) vals[k - 1].v.f64
#define F32_ARG(k) vals[k - 1].v.f32

/* Calls through F typed like the family member, so the same wrapper
 * calls the C function itself or a closure with its signature. */
#define DEFINE_CALL(n)                                                        \
  static uint64_t mix##n##_call(vfn f, const rt_value *vals)                  \
  {                                                                           \
    return ((__typeof__(&mix##n))f)(ARGS_##n(MIX_ARG));                       \
  }                                                                           \
  static uint64_t i64_##n##_call(vfn f, const rt_value *vals)                 \
  {                                                                           \
    return ((__typeof__(&i64_##n))f)(ARGS_##n(I64_ARG));                      \
  }                                                                           \
  static uint64_t f64_##n##_call(vfn f, const rt_value *vals)                 \
  {                                                                           \
    return bits_f64(((__typeof__(&f64_##n))f)(ARGS_##n(F64_ARG)));            \
  }                                                                           \
  static uint64_t f32_##n##_call(vfn f, const rt_value *vals)                 \
  {                                                                           \
    return bits_f32(((__typeof__(&f32_##n))f)(ARGS_##n(F32_ARG)));            \
  }
ARITIES(DEFINE_CALL)

#define MIX_FN(n) (vfn)mix##n,
#define I64_FN(n) (vfn)i64_##n,
#define F64_FN(n) (vfn)f64_##n,
#define F32_FN(n) (vfn)f32_##n,
#define MIX_D(n) mix##n##_call,
#define I64_D(n) i64_##n##_call,
#define F64_D(n) f64_##n##_call,
#define F32_D(n) f32_##n##_call,

const struct tt_family_info tt_families[TT_NFAMILIES] = {
    [TT_MIX] = {"mix", {NULL, ARITIES(MIX_FN)}, {NULL, ARITIES(MIX_D)}, "u64"},
    [TT_I64] = {"i64", {NULL, ARITIES(I64_FN)}, {NULL, ARITIES(I64_D)}, "u64"},
    [TT_F64] = {"f64", {NULL, ARITIES(F64_FN)}, {NULL, ARITIES(F64_D)}, "f64"},
    [TT_F32] = {"f32", {NULL, ARITIES(F32_FN)}, {NULL, ARITIES(F32_D)}, "f32"},
};

#define MIX_NAME_K(k) MIX_##k(MIX_NAME),
static const char *const mix_names[] = {ARITIES(MIX_NAME_K)};

const char *tt_family_arg(enum tt_family f, int k)
{
  switch (f) {
  case TT_MIX: return mix_names[k];
  case TT_I64: return "i64";
  case TT_F64: return "f64";
  default: return "f32";
  }
}

static void set_arg(rt_value *v, const char *type, int k, int n)
{
  rt_sig *s = NULL;
  char sig[32];
  snprintf(sig, sizeof sig, "(%s) -> void", type);
  if (rt_sig_parse(sig, &s) != 0)
    abort();
  v->kind = rt_type_kind_of(rt_sig_arg(s, 0));
  v->flags = 0;
  v->v.u64 = 0;
  int64_t x = (k * 7919 + n * 31) % 251 - 125;
  switch (v->kind) {
  case RT_TYPE_I16: v->v.i16 = (int16_t)(x * 200); break;
  case RT_TYPE_I32: v->v.i32 = (int32_t)(x * 1000003); break;
  case RT_TYPE_U8: v->v.u8 = (uint8_t)x; break;
  case RT_TYPE_I64: v->v.i64 = x * 0x123456789ll; break;
  case RT_TYPE_F32: v->v.f32 = (float)x / 3.0f; break;
  default: v->v.f64 = (double)x / 7.0; break;
  }
  rt_sig_free(s);
}

char *tt_family_sig(enum tt_family f, int n)
{
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_char(&b, '(');
  for (int k = 0; k < n; k++)
    rt_buf_printf(&b, "%s%s", k ? ", " : "", tt_family_arg(f, k));
  rt_buf_printf(&b, ") -> %s", tt_families[f].ret);
  return rt_buf_detach(&b);
}

void tt_family_values(enum tt_family f, int n, rt_value *vals)
{
  for (int k = 0; k < n; k++)
    set_arg(&vals[k], tt_family_arg(f, k), k, n);
}

/* ---- byte structs ---------------------------------------------------- */

#define DEFINE_BYTES(n)                                                       \
  struct bytes##n {                                                           \
    uint8_t b[n];                                                             \
  };                                                                          \
  static struct bytes##n bump##n(struct bytes##n s, uint8_t k)                \
  {                                                                           \
    for (int i = 0; i < n; i++)                                               \
      s.b[i] = (uint8_t)(s.b[i] + k + i);                                     \
    return s;                                                                 \
  }                                                                           \
  static void bump##n##_direct(const void *in, uint8_t k, void *out)          \
  {                                                                           \
    struct bytes##n s, r;                                                     \
    memcpy(&s, in, n);                                                        \
    r = bump##n(s, k);                                                        \
    memcpy(out, &r, n);                                                       \
  }
STRUCT_SIZES(DEFINE_BYTES)

#define BUMP_FN(n) (vfn)bump##n,
#define BUMP_D(n) bump##n##_direct,
const vfn tt_bump[TT_MAX_BYTES + 1] = {NULL, STRUCT_SIZES(BUMP_FN)};
void (*const tt_bump_direct[TT_MAX_BYTES + 1])(const void *, uint8_t,
                                               void *) = {
    NULL, STRUCT_SIZES(BUMP_D)};

/* ---- structs of mixed layout ------------------------------------------ */

/* IN(i, T): argument i as a T (a struct argument through its memory). */
#define AGG(i, T) (*(const T *)args[i].v.agg)
#define STORE(ret, T, expr)                                                   \
  do {                                                                        \
    T r_ = (expr);                                                            \
    memcpy(ret, &r_, sizeof r_);                                              \
  } while (0)

struct sf1 { float x; };
static struct sf1 scale_sf1(struct sf1 s, float k) { s.x *= k; return s; }
static void scale_sf1_d(const rt_value *args, void *ret)
{
  STORE(ret, struct sf1, scale_sf1(AGG(0, struct sf1), args[1].v.f32));
}

struct sd1 { double x; };
static struct sd1 scale_sd1(struct sd1 s, double k) { s.x *= k; return s; }
static void scale_sd1_d(const rt_value *args, void *ret)
{
  STORE(ret, struct sd1, scale_sd1(AGG(0, struct sd1), args[1].v.f64));
}

struct hfa2 { float a, b; };
static struct hfa2 swap_hfa2(struct hfa2 s) { return (struct hfa2){s.b, s.a}; }
static void swap_hfa2_d(const rt_value *args, void *ret)
{
  STORE(ret, struct hfa2, swap_hfa2(AGG(0, struct hfa2)));
}

struct hfa4 { double a, b, c, d; };
static struct hfa4 rev_hfa4(struct hfa4 s)
{
  return (struct hfa4){s.d + 1, s.c + 1, s.b + 1, s.a + 1};
}
static void rev_hfa4_d(const rt_value *args, void *ret)
{
  STORE(ret, struct hfa4, rev_hfa4(AGG(0, struct hfa4)));
}

struct fi { float f; int32_t i; };
static struct fi twist_fi(int8_t k, struct fi s)
{
  return (struct fi){(float)s.i + k, (int32_t)s.f - k};
}
static void twist_fi_d(const rt_value *args, void *ret)
{
  STORE(ret, struct fi, twist_fi(args[0].v.i8, AGG(1, struct fi)));
}

struct id { int64_t i; double d; };
static struct id twist_id(struct id s, struct id t)
{
  return (struct id){s.i - t.i, s.d * t.d};
}
static void twist_id_d(const rt_value *args, void *ret)
{
  STORE(ret, struct id, twist_id(AGG(0, struct id), AGG(1, struct id)));
}

struct dc { double d; int8_t c; };
static struct dc twist_dc(struct dc s) { return (struct dc){-s.d, (int8_t)~s.c}; }
static void twist_dc_d(const rt_value *args, void *ret)
{
  STORE(ret, struct dc, twist_dc(AGG(0, struct dc)));
}

struct pad6 { uint8_t a; uint16_t b; uint8_t c; };
static struct pad6 rot_pad6(struct pad6 s, uint16_t k)
{
  return (struct pad6){s.c, (uint16_t)(s.b + k), s.a};
}
static void rot_pad6_d(const rt_value *args, void *ret)
{
  STORE(ret, struct pad6, rot_pad6(AGG(0, struct pad6), args[1].v.u16));
}

struct i3 { int32_t a, b, c; };
static struct i3 rot_i3(struct i3 s) { return (struct i3){s.b, s.c, s.a}; }
static void rot_i3_d(const rt_value *args, void *ret)
{
  STORE(ret, struct i3, rot_i3(AGG(0, struct i3)));
}

struct cl { char c; int64_t l; };
static struct cl inc_cl(struct cl s) { return (struct cl){(char)(s.c + 1), s.l + 1}; }
static void inc_cl_d(const rt_value *args, void *ret)
{
  STORE(ret, struct cl, inc_cl(AGG(0, struct cl)));
}

struct nest {
  struct { int8_t a; int16_t b; } x;
  struct { float f; struct { double d; } y; } z;
};
static struct nest flip_nest(struct nest s, double k)
{
  struct nest r = s;
  r.x.a = (int8_t)-s.x.a;
  r.x.b = (int16_t)(s.x.b * 2);
  r.z.f = s.z.f + 1;
  r.z.y.d = s.z.y.d * k;
  return r;
}
static void flip_nest_d(const rt_value *args, void *ret)
{
  STORE(ret, struct nest, flip_nest(AGG(0, struct nest), args[1].v.f64));
}

struct l8 { int64_t v[8]; };
static struct l8 sum_l8(struct l8 a, struct l8 b)
{
  for (int i = 0; i < 8; i++)
    a.v[i] += b.v[i];
  return a;
}
static void sum_l8_d(const rt_value *args, void *ret)
{
  STORE(ret, struct l8, sum_l8(AGG(0, struct l8), AGG(1, struct l8)));
}

struct si { const char *s; int32_t i; };
static struct si next_si(struct si s) { return (struct si){s.s, s.i + 1}; }
static void next_si_d(const rt_value *args, void *ret)
{
  STORE(ret, struct si, next_si(AGG(0, struct si)));
}

struct dd { double a, b; };
struct b3 { uint8_t a, b, c; };
struct ifu { int32_t i; float f; uint8_t u; };
static struct ifu many_mixed(int32_t a, struct dd d, float f, struct b3 b,
                             int64_t l)
{
  return (struct ifu){a + b.a + b.b + b.c, (float)(d.a - d.b) * f,
                      (uint8_t)(l & 0xff)};
}
static void many_mixed_d(const rt_value *args, void *ret)
{
  STORE(ret, struct ifu,
        many_mixed(args[0].v.i32, AGG(1, struct dd), args[2].v.f32,
                   AGG(3, struct b3), args[4].v.i64));
}

static double sum_dd(struct dd d) { return d.a + d.b; }
static void sum_dd_d(const rt_value *args, void *ret)
{
  STORE(ret, double, sum_dd(AGG(0, struct dd)));
}

const struct tt_struct_case tt_struct_cases[] = {
    {"({f32}, f32) -> {f32}", (vfn)scale_sf1, {"{1.5}", "-2.25"}, scale_sf1_d},
    {"({f64}, f64) -> {f64}", (vfn)scale_sd1, {"{1e300}", "3"}, scale_sd1_d},
    {"({f32, f32}) -> {f32, f32}", (vfn)swap_hfa2, {"{1.25, -0}"}, swap_hfa2_d},
    {"({f64, f64, f64, f64}) -> {f64, f64, f64, f64}", (vfn)rev_hfa4,
     {"{1, 2.5, -3, 4e10}"}, rev_hfa4_d},
    {"(i8, {f32, i32}) -> {f32, i32}", (vfn)twist_fi, {"-3", "{7.75, 100}"},
     twist_fi_d},
    {"({i64, f64}, {i64, f64}) -> {i64, f64}", (vfn)twist_id,
     {"{-9223372036854775807, 0.5}", "{1, 3}"}, twist_id_d},
    {"({f64, i8}) -> {f64, i8}", (vfn)twist_dc, {"{2.5, -128}"}, twist_dc_d},
    {"({u8, u16, u8}, u16) -> {u8, u16, u8}", (vfn)rot_pad6,
     {"{1, 65535, 255}", "2"}, rot_pad6_d},
    {"({i32, i32, i32}) -> {i32, i32, i32}", (vfn)rot_i3,
     {"{-2147483648, 0, 2147483647}"}, rot_i3_d},
    {"({char, i64}) -> {char, i64}", (vfn)inc_cl, {"{a, -9}"}, inc_cl_d},
    {"({{i8, i16}, {f32, {f64}}}, f64) -> {{i8, i16}, {f32, {f64}}}",
     (vfn)flip_nest, {"{{-5, 300}, {0.5, {1.25}}}", "-4"}, flip_nest_d},
    {"({i64, i64, i64, i64, i64, i64, i64, i64}, "
     "{i64, i64, i64, i64, i64, i64, i64, i64}) -> "
     "{i64, i64, i64, i64, i64, i64, i64, i64}",
     (vfn)sum_l8,
     {"{1, 2, 3, 4, 5, 6, 7, 8}", "{-1, 0x10, 100, 1000, -5, 0, 0, 1}"},
     sum_l8_d},
    {"({str, i32}) -> {str, i32}", (vfn)next_si, {"{hello, 41}"}, next_si_d},
    {"(i32, {f64, f64}, f32, {u8, u8, u8}, i64) -> {i32, f32, u8}",
     (vfn)many_mixed, {"10", "{5.5, 0.25}", "2", "{1, 2, 3}", "0x1ff"},
     many_mixed_d},
    {"({f64, f64}) -> f64", (vfn)sum_dd, {"{0.1, 0.2}"}, sum_dd_d},
};
const size_t tt_nstruct_cases = sizeof tt_struct_cases / sizeof *tt_struct_cases;

/* ---- strings and the rest ---------------------------------------------- */

char *tt_upper(const char *s)
{
  char *r = rt_strdup(s);
  for (char *p = r; p && *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return r;
}

size_t tt_strlen(const char *s) { return strlen(s); }

char *tt_concat(const char *a, int32_t n, const char *b)
{
  char *r = NULL;
  return rt_asprintf(&r, "%s%d%s", a, (int)n, b) < 0 ? NULL : r;
}

char *tt_null_str(void) { return NULL; }
char *tt_static_str(void) { return (char *)"static"; }

static _Thread_local int32_t counter;
void tt_set_counter(int32_t v) { counter = v; }
int32_t tt_get_counter(void) { return counter; }
double tt_pi(void) { return 3.141592653589793; }
void tt_store_f64(double *dst, double v) { *dst = v; }
