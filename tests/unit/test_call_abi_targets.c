/*
 * test_call_abi_targets.c — C functions whose arguments and results sit
 * where the x86-64 and AArch64 calling conventions are easy to get wrong
 * (stack slots, mixed-class eightbytes, structs in memory, 64
 * arguments), each with a "direct" wrapper making the same call from C.
 * Their own translation unit, so nothing is inlined.
 */
#include "test_call_abi_targets.h"

#include <string.h>

#define AGG(i, T) (*(const T *)args[i].v.agg)
#define STORE(ret, T, expr)                                                   \
  do {                                                                        \
    T r_ = (expr);                                                            \
    memcpy((ret), &r_, sizeof r_);                                            \
  } while (0)

static uint64_t bits_d(double d)
{
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static uint64_t bits_f(float f)
{
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

static uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001b3ull + 7; }

/* ---- 64 arguments: (i64, f64, i8, f32) x 16 ------------------------------ */

#define P4(n) int64_t a##n, double b##n, int8_t c##n, float d##n
#define H4(n)                                                                 \
  h = mix(h, (uint64_t)a##n);                                                 \
  h = mix(h, bits_d(b##n));                                                   \
  h = mix(h, (uint64_t)(int64_t)c##n);                                        \
  h = mix(h, bits_f(d##n));
#define V4(n)                                                                 \
  args[4 * n].v.i64, args[4 * n + 1].v.f64, args[4 * n + 2].v.i8,             \
      args[4 * n + 3].v.f32
#define SEQ(X, S)                                                             \
  X(0) S X(1) S X(2) S X(3) S X(4) S X(5) S X(6) S X(7) S X(8) S X(9) S       \
  X(10) S X(11) S X(12) S X(13) S X(14) S X(15)
#define COMMA ,

static uint64_t many64(SEQ(P4, COMMA))
{
  uint64_t h = 0;
  SEQ(H4, )
  return h;
}
const vfn at_many64 = (vfn)many64;
uint64_t at_many64_direct(const rt_value *args) { return many64(SEQ(V4, COMMA)); }

/* ---- structs ------------------------------------------------------------- */

/* Structs after every register is taken: {i64, f64} (INTEGER, SSE) and
 * {f32, f32} (SSE) go to the stack whole, {i64 x3} is in memory anyway;
 * the result comes back in rax:xmm0. */
static struct at_id stack_structs(int64_t g0, int64_t g1, int64_t g2,
                                  int64_t g3, int64_t g4, int64_t g5,
                                  struct at_id a, double f0, double f1,
                                  double f2, double f3, double f4, double f5,
                                  double f6, double f7, struct at_ff b,
                                  struct at_l3 c, int8_t k)
{
  int64_t i = g0 - g1 + g2 * 3 - g3 + g4 * 5 - g5 + a.i * 7 + c.a - c.b * 11 +
              c.c * 13 + k;
  double d = f0 - f1 + f2 * 0.5 - f3 + f4 * 0.25 - f5 + f6 * 2 - f7 + a.d * 3 +
             b.a * 5 - b.b;
  return (struct at_id){i, d};
}
static void stack_structs_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_id,
        stack_structs(args[0].v.i64, args[1].v.i64, args[2].v.i64,
                      args[3].v.i64, args[4].v.i64, args[5].v.i64,
                      AGG(6, struct at_id), args[7].v.f64, args[8].v.f64,
                      args[9].v.f64, args[10].v.f64, args[11].v.f64,
                      args[12].v.f64, args[13].v.f64, args[14].v.f64,
                      AGG(15, struct at_ff), AGG(16, struct at_l3),
                      args[17].v.i8));
}

/* Mixed classes in one eightbyte ({i32, f32}: INTEGER) and across two
 * ({f32, f32, i32}: SSE, INTEGER; {i64, f32, f32}: INTEGER, SSE;
 * {f64, i64}: SSE, INTEGER); results in xmm0:rax and rax:xmm0. */
static struct at_ffi mixed_a(struct at_if x, struct at_ffi y, struct at_lff z,
                             struct at_dl w)
{
  return (struct at_ffi){y.b + x.f, (float)z.a + z.c,
                         x.i + y.c + (int32_t)w.l + (int32_t)w.d};
}
static void mixed_a_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_ffi,
        mixed_a(AGG(0, struct at_if), AGG(1, struct at_ffi),
                AGG(2, struct at_lff), AGG(3, struct at_dl)));
}

static struct at_lff mixed_b(float k, struct at_ffi y, int16_t s,
                             struct at_if x)
{
  return (struct at_lff){(int64_t)y.c * s + x.i, y.a * k, y.b - x.f};
}
static void mixed_b_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_lff,
        mixed_b(args[0].v.f32, AGG(1, struct at_ffi), args[2].v.i16,
                AGG(3, struct at_if)));
}

static struct at_dl swap_dl(struct at_dl a, float f)
{
  return (struct at_dl){(double)a.l + f, (int64_t)a.d};
}
static void swap_dl_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_dl, swap_dl(AGG(0, struct at_dl), args[1].v.f32));
}

static struct at_ff add_ff(struct at_ff a, struct at_ff b)
{
  return (struct at_ff){a.a + b.b, a.b - b.a};
}
static void add_ff_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_ff, add_ff(AGG(0, struct at_ff), AGG(1, struct at_ff)));
}

/* A result in memory: its address takes the first integer register, so
 * the sixth integer argument goes to the stack. */
static struct at_l3 memret(int64_t a, int64_t b, int64_t c, int64_t d,
                           int64_t e, int64_t f, struct at_l3 s)
{
  return (struct at_l3){a + s.c - f, b * s.b + e, c - s.a + d};
}
static void memret_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_l3,
        memret(args[0].v.i64, args[1].v.i64, args[2].v.i64, args[3].v.i64,
               args[4].v.i64, args[5].v.i64, AGG(6, struct at_l3)));
}

/* A large struct in memory after the registers, and floats on the stack. */
static double big_arg(double a, double b, double c, double d, double e,
                      double f, double g, double h, float i, struct at_big s,
                      double j)
{
  double t = a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i + j;
  for (int k = 0; k < 12; k++)
    t += (double)s.v[k] * (k + 1);
  return t;
}
static void big_arg_d(const rt_value *args, void *ret)
{
  STORE(ret, double,
        big_arg(args[0].v.f64, args[1].v.f64, args[2].v.f64, args[3].v.f64,
                args[4].v.f64, args[5].v.f64, args[6].v.f64, args[7].v.f64,
                args[8].v.f32, AGG(9, struct at_big), args[10].v.f64));
}

static struct at_u8x3 bytes3(uint8_t k, struct at_u8x3 s)
{
  return (struct at_u8x3){(uint8_t)(s.c + k), s.a, (uint8_t)(s.b ^ k)};
}
static void bytes3_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_u8x3, bytes3(args[0].v.u8, AGG(1, struct at_u8x3)));
}

/* The case of libffi PR #848, which libffi 3.4.4 passes wrongly and the
 * library works around (sig.c, split_prepare): xmm0 (K) is taken before
 * the struct's first eightbyte takes r9, the sixth general register. */
static double sixth_gp(double k, int64_t a, int64_t b, int64_t c, int64_t d,
                       int64_t e, struct at_lff s)
{
  return k * 1000 + (double)(a - b + c - d + e) + (double)s.a * 3 + s.b * 5 -
         s.c;
}
static void sixth_gp_d(const rt_value *args, void *ret)
{
  STORE(ret, double,
        sixth_gp(args[0].v.f64, args[1].v.i64, args[2].v.i64, args[3].v.i64,
                 args[4].v.i64, args[5].v.i64, AGG(6, struct at_lff)));
}

/* The same with a result in memory, whose address takes the first
 * general register, and a struct of exactly 16 bytes. */
static struct at_l3 sixth_gp_mem(double k, int64_t a, int64_t b, int64_t c,
                                 int64_t d, struct at_id s)
{
  return (struct at_l3){a - b + (int64_t)k, c * d + s.i, (int64_t)(s.d * 4)};
}
static void sixth_gp_mem_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_l3,
        sixth_gp_mem(args[0].v.f64, args[1].v.i64, args[2].v.i64,
                     args[3].v.i64, args[4].v.i64, AGG(5, struct at_id)));
}

/* fuzz_sig's crash-c638733b, minimised: the pattern of libffi PR #848
 * ({i32, f32, f32} in r9 and the next SSE register after xmm0 is taken)
 * in a signature with 72 stack words, which the plan cannot make (64 at
 * most), so the fast path is libffi as well. */
static double sum_bigs(const struct at_big *b)
{
  double t = 0;
  for (int i = 0; i < 6; i++)
    for (int k = 0; k < 12; k++)
      t += (double)b[i].v[k] * (i * 12 + k + 1);
  return t;
}
static double sixth_gp_stack(double k, int64_t a, int64_t b, int64_t c,
                             int64_t d, int64_t e, struct at_iff s,
                             struct at_big b0, struct at_big b1,
                             struct at_big b2, struct at_big b3,
                             struct at_big b4, struct at_big b5)
{
  const struct at_big bs[6] = {b0, b1, b2, b3, b4, b5};
  return k * 1000 + (double)(a - b + c - d + e) + (double)s.a * 3 +
         s.b * 5 - s.c + sum_bigs(bs);
}
static void sixth_gp_stack_d(const rt_value *args, void *ret)
{
  STORE(ret, double,
        sixth_gp_stack(args[0].v.f64, args[1].v.i64, args[2].v.i64,
                       args[3].v.i64, args[4].v.i64, args[5].v.i64,
                       AGG(6, struct at_iff), AGG(7, struct at_big),
                       AGG(8, struct at_big), AGG(9, struct at_big),
                       AGG(10, struct at_big), AGG(11, struct at_big),
                       AGG(12, struct at_big)));
}
/* The same without the bug's condition (xmm0 is taken after the struct):
 * libffi gets this one right, and it is compared on both paths. */
static double sixth_gp_stack_ok(int64_t a, int64_t b, int64_t c, int64_t d,
                                int64_t e, struct at_iff s, double k,
                                struct at_big b0, struct at_big b1,
                                struct at_big b2, struct at_big b3,
                                struct at_big b4, struct at_big b5)
{
  return sixth_gp_stack(k, a, b, c, d, e, s, b0, b1, b2, b3, b4, b5);
}
static void sixth_gp_stack_ok_d(const rt_value *args, void *ret)
{
  STORE(ret, double,
        sixth_gp_stack_ok(args[0].v.i64, args[1].v.i64, args[2].v.i64,
                          args[3].v.i64, args[4].v.i64, AGG(5, struct at_iff),
                          args[6].v.f64, AGG(7, struct at_big),
                          AGG(8, struct at_big), AGG(9, struct at_big),
                          AGG(10, struct at_big), AGG(11, struct at_big),
                          AGG(12, struct at_big)));
}

/* ---- AAPCS64: HFAs, general-register structs, structs by reference -- */

/* HFAs of f32 in and out; 1 + 1 + 2 + 4 members fill v0..v7 exactly. */
static struct at_f3 hfa_fa(struct at_f1 a, float k, struct at_ff b,
                           struct at_f4 d)
{
  return (struct at_f3){a.a * k + d.d, b.a - d.a * 0.5f, b.b + d.b - d.c};
}
static void hfa_fa_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_f3,
        hfa_fa(AGG(0, struct at_f1), args[1].v.f32, AGG(2, struct at_ff),
               AGG(3, struct at_f4)));
}

static struct at_f4 hfa_fb(struct at_f3 a, int32_t i, struct at_f1 b)
{
  return (struct at_f4){a.c, a.b * (float)i, a.a - b.a, b.a * 3};
}
static void hfa_fb_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_f4,
        hfa_fb(AGG(0, struct at_f3), args[1].v.i32, AGG(2, struct at_f1)));
}

static struct at_ff hfa_fc(struct at_f4 a, double k)
{
  return (struct at_ff){a.a + a.b * (float)k, a.c - a.d};
}
static void hfa_fc_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_ff, hfa_fc(AGG(0, struct at_f4), args[1].v.f64));
}

static struct at_f1 hfa_fd(struct at_ff a, struct at_ff b)
{
  return (struct at_f1){a.a * b.b - a.b * b.a};
}
static void hfa_fd_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_f1, hfa_fd(AGG(0, struct at_ff), AGG(1, struct at_ff)));
}

/* HFAs of f64; 1 + 3 + 4 members fill v0..v7 exactly. */
static struct at_d4 hfa_da(struct at_d1 a, struct at_d3 b, struct at_d4 c)
{
  return (struct at_d4){a.a + c.d, b.a * c.c, b.b - c.b, b.c / c.a};
}
static void hfa_da_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_d4,
        hfa_da(AGG(0, struct at_d1), AGG(1, struct at_d3), AGG(2, struct at_d4)));
}

static struct at_d3 hfa_db(struct at_d2 a, float k, struct at_d2 b)
{
  return (struct at_d3){a.a * k, a.b - b.a, b.b * 0.5};
}
static void hfa_db_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_d3,
        hfa_db(AGG(0, struct at_d2), args[1].v.f32, AGG(2, struct at_d2)));
}

static struct at_d2 hfa_dc(struct at_d4 a, int64_t i, struct at_d1 b)
{
  return (struct at_d2){a.a + a.b + (double)i, a.c * a.d - b.a};
}
static void hfa_dc_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_d2,
        hfa_dc(AGG(0, struct at_d4), args[1].v.i64, AGG(2, struct at_d1)));
}

static struct at_d1 hfa_dd(struct at_d3 a) { return (struct at_d1){a.a - a.b * a.c}; }
static void hfa_dd_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_d1, hfa_dd(AGG(0, struct at_d3)));
}

/* After six doubles a 3-member HFA no longer fits (v6, v7 are free): it
 * goes to the stack, and so do the f64 and f32 after it (AAPCS64 C.3:
 * no floating register is used after an HFA went to the stack). */
static double hfa_late(double a, double b, double c, double d, double e,
                       double f, struct at_d3 s, double g, float h)
{
  return a - b * 2 + c * 3 - d * 4 + e * 5 - f * 6 + s.a * 7 - s.b * 8 +
         s.c * 9 - g * 10 + h * 11;
}
static void hfa_late_d(const rt_value *args, void *ret)
{
  STORE(ret, double,
        hfa_late(args[0].v.f64, args[1].v.f64, args[2].v.f64, args[3].v.f64,
                 args[4].v.f64, args[5].v.f64, AGG(6, struct at_d3),
                 args[7].v.f64, args[8].v.f32));
}

/* The same with v7 left free: {f32, f32} needs two, the f32 and the
 * 1-member HFA after it take the stack too. */
static struct at_ff hfa_late2(double a, double b, double c, double d,
                              double e, double f, double g, struct at_ff s,
                              float h, struct at_f1 t)
{
  return (struct at_ff){(float)(a + b - c + d - e + f - g) + s.a,
                        s.b * h - t.a};
}
static void hfa_late2_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_ff,
        hfa_late2(args[0].v.f64, args[1].v.f64, args[2].v.f64, args[3].v.f64,
                  args[4].v.f64, args[5].v.f64, args[6].v.f64,
                  AGG(7, struct at_ff), args[8].v.f32, AGG(9, struct at_f1)));
}

/* A 16-byte struct after seven integers: x7 is free but it needs two
 * registers, so it goes to the stack, and so do the integer and the
 * 8-byte struct after it (C.11). */
static int64_t late_li(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                       int64_t f, int64_t g, struct at_li s, int64_t h,
                       struct at_ii t)
{
  return a - b * 2 + c * 3 - d * 4 + e * 5 - f * 6 + g * 7 + s.a * 8 -
         s.b * 9 + h * 10 + t.a * 11 - t.b * 12;
}
static void late_li_d(const rt_value *args, void *ret)
{
  STORE(ret, int64_t,
        late_li(args[0].v.i64, args[1].v.i64, args[2].v.i64, args[3].v.i64,
                args[4].v.i64, args[5].v.i64, args[6].v.i64,
                AGG(7, struct at_li), args[8].v.i64, AGG(9, struct at_ii)));
}

/* Structs of 24 and 40 bytes: by reference to a caller's copy on
 * AAPCS64, which the callee may write to (test_call_abi checks that the
 * caller's structs are unchanged).  The writes are volatile, so that
 * they reach the argument's memory rather than stay in registers. */
#define SCRIBBLE(lv, val) (*(volatile __typeof__(lv) *)&(lv) = (val))
static int64_t by_ref(struct at_s24 a, int32_t k, struct at_s40 b)
{
  SCRIBBLE(a.a, a.a + k);
  SCRIBBLE(a.c, a.c * 2);
  SCRIBBLE(a.f, a.f - 1);
  SCRIBBLE(b.v[3], -b.v[3]);
  SCRIBBLE(b.f, b.f + 1);
  return a.a * 3 + a.b + (int64_t)a.c + (int64_t)(a.f * 4) + b.v[0] - b.v[3] +
         (int64_t)b.f;
}
static void by_ref_d(const rt_value *args, void *ret)
{
  STORE(ret, int64_t,
        by_ref(AGG(0, struct at_s24), args[1].v.i32, AGG(2, struct at_s40)));
}

/* The same after eight integers: the copies' addresses on the stack. */
static struct at_s24 by_ref_stack(int64_t a, int64_t b, int64_t c, int64_t d,
                                  int64_t e, int64_t f, int64_t g, int64_t h,
                                  struct at_s24 s, struct at_s40 t)
{
  SCRIBBLE(s.a, s.a * 2 + a - b + c - d + e - f + g - h);
  SCRIBBLE(s.b, s.b ^ (int32_t)t.v[1]);
  SCRIBBLE(t.v[0], 0);
  SCRIBBLE(s.c, s.c + t.f + (double)t.v[0]);
  SCRIBBLE(s.f, s.f * -2);
  return s;
}
static void by_ref_stack_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_s24,
        by_ref_stack(args[0].v.i64, args[1].v.i64, args[2].v.i64,
                     args[3].v.i64, args[4].v.i64, args[5].v.i64,
                     args[6].v.i64, args[7].v.i64, AGG(8, struct at_s24),
                     AGG(9, struct at_s40)));
}

/* Struct results of 1, 8, 12, 16 and 64 bytes (3: bytes3, 24: memret). */
static struct at_r1 ret1(uint8_t k) { return (struct at_r1){(uint8_t)(k * 3 + 1)}; }
static void ret1_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r1, ret1(args[0].v.u8));
}
static struct at_r8 ret8(int64_t k, double x)
{
  return (struct at_r8){(int32_t)k * 5, (int16_t)(x * 7), (int8_t)-k,
                        (int8_t)(k >> 8)};
}
static void ret8_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r8, ret8(args[0].v.i64, args[1].v.f64));
}
static struct at_r12 ret12(int64_t k, double x)
{
  return (struct at_r12){(int32_t)k, (int32_t)(x * 3), (int32_t)(k >> 33)};
}
static void ret12_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r12, ret12(args[0].v.i64, args[1].v.f64));
}
static struct at_r16 ret16(int64_t k, double x)
{
  return (struct at_r16){k * 3 - 1, (int32_t)x, (int32_t)k};
}
static void ret16_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r16, ret16(args[0].v.i64, args[1].v.f64));
}
static struct at_r64 ret64(int64_t k, double x, struct at_ii t)
{
  struct at_r64 r;
  for (int i = 0; i < 8; i++)
    r.v[i] = k * (i + 1) - (int64_t)(x * i) + (i & 1 ? t.a : t.b);
  return r;
}
static void ret64_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r64,
        ret64(args[0].v.i64, args[1].v.f64, AGG(2, struct at_ii)));
}

/* Results in memory from register-only calls (x86-64: the struct slot
 * invokers, the result's address in the first integer word): no
 * argument, every integer register taken, and floats of both widths
 * beside a two-eightbyte struct in SSE registers. */
static struct at_r64 ret64_none(void)
{
  struct at_r64 r;
  for (int i = 0; i < 8; i++)
    r.v[i] = (int64_t)0x0102030405060708 * (i + 1);
  return r;
}
static void ret64_none_d(const rt_value *args, void *ret)
{
  (void)args;
  STORE(ret, struct at_r64, ret64_none());
}
static struct at_r64 ret64_full(int64_t a, int64_t b, uint32_t c, int64_t d,
                                int32_t e)
{
  struct at_r64 r = {{a, b, c, d, e, a ^ b, (int64_t)c - d, e * 3}};
  return r;
}
static void ret64_full_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r64,
        ret64_full(args[0].v.i64, args[1].v.i64, args[2].v.u32, args[3].v.i64,
                   args[4].v.i32));
}
static struct at_r64 ret64_mix(int32_t a, float b, void *p, struct at_d2 d,
                               double e)
{
  struct at_r64 r = {{a, (int64_t)(b * 4), (int64_t)(uintptr_t)p,
                      (int64_t)(d.a * 8), (int64_t)(d.b * 16),
                      (int64_t)(e * 2), a + 1, -a}};
  return r;
}
static void ret64_mix_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_r64,
        ret64_mix(args[0].v.i32, args[1].v.f32, args[2].v.ptr,
                  AGG(3, struct at_d2), args[4].v.f64));
}

/* Nested structs that flatten to HFAs ({{f32, f32}, f32}: 3 x f32;
 * {f64, {f64, {f64, f64}}}: 4 x f64), and one of mixed kinds that does
 * not ({f32, f32, {f64}}: 16 bytes in two general registers on
 * AAPCS64). */
static struct at_nd nested(struct at_nf a, struct at_nd b, struct at_nx c)
{
  return (struct at_nd){b.x.y.d + a.c, {b.x.y.c * a.x.a, {b.x.b - c.x.b,
                                                          b.a + a.x.b + c.a - c.e}}};
}
static void nested_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_nd,
        nested(AGG(0, struct at_nf), AGG(1, struct at_nd), AGG(2, struct at_nx)));
}
static struct at_nf nested_f(struct at_nd a, struct at_nx b)
{
  return (struct at_nf){{(float)a.a, (float)(a.x.y.c * b.x.b)},
                        (float)a.x.b + b.a};
}
static void nested_f_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_nf, nested_f(AGG(0, struct at_nd), AGG(1, struct at_nx)));
}
static struct at_nx nested_x(struct at_nx a, float k)
{
  return (struct at_nx){a.a * k, a.e + k, {a.x.b - k}};
}
static void nested_x_d(const rt_value *args, void *ret)
{
  STORE(ret, struct at_nx, nested_x(AGG(0, struct at_nx), args[1].v.f32));
}

#define AT_BIG "{i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64}"
#define AT_BIGS AT_BIG ", " AT_BIG ", " AT_BIG ", " AT_BIG ", " AT_BIG ", " AT_BIG
#define AT_BIGV(x)                                                            \
  "{" x "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12}"

const struct at_case at_cases[] = {
    {"(i64, i64, i64, i64, i64, i64, {i64, f64}, f64, f64, f64, f64, f64, "
     "f64, f64, f64, {f32, f32}, {i64, i64, i64}, i8) -> {i64, f64}",
     (vfn)stack_structs,
     {"1", "-2", "3", "-4", "5", "-6", "{7, 0.5}", "1.5", "2.5", "3.5", "4.5",
      "5.5", "6.5", "7.5", "8.5", "{-1.25, 3}", "{100, 200, -300}", "-9"},
     stack_structs_d, false},
    {"({i32, f32}, {f32, f32, i32}, {i64, f32, f32}, {f64, i64}) -> "
     "{f32, f32, i32}",
     (vfn)mixed_a,
     {"{-7, 2.5}", "{1.5, -0.25, 40}", "{9000000000, 3, 0.125}",
      "{-2.75, 123456789012}"},
     mixed_a_d, false},
    {"(f32, {f32, f32, i32}, i16, {i32, f32}) -> {i64, f32, f32}",
     (vfn)mixed_b, {"-1.5", "{2, 3.25, 70000}", "-300", "{5, 0.5}"},
     mixed_b_d, false},
    {"({f64, i64}, f32) -> {f64, i64}", (vfn)swap_dl, {"{-1e300, -42}", "0.75"},
     swap_dl_d, false},
    {"({f32, f32}, {f32, f32}) -> {f32, f32}", (vfn)add_ff,
     {"{1.5, -2}", "{0.25, 1e30}"}, add_ff_d, false},
    {"(i64, i64, i64, i64, i64, i64, {i64, i64, i64}) -> {i64, i64, i64}",
     (vfn)memret, {"1", "2", "3", "4", "5", "6", "{-7, 8, 0x7fffffffffff}"},
     memret_d, false},
    {"(f64, f64, f64, f64, f64, f64, f64, f64, f32, "
     "{i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64}, f64) -> f64",
     (vfn)big_arg,
     {"1", "2", "3", "4", "5", "6", "7", "8", "0.5",
      "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12}", "-0.125"},
     big_arg_d, false},
    {"(u8, {u8, u8, u8}) -> {u8, u8, u8}", (vfn)bytes3, {"200", "{1, 2, 255}"},
     bytes3_d, false},
    {"(f64, i64, i64, i64, i64, i64, {i64, f32, f32}) -> f64", (vfn)sixth_gp,
     {"0.5", "1", "2", "3", "4", "5", "{6, 7.5, -8.25}"}, sixth_gp_d,
     false},
    {"(f64, i64, i64, i64, i64, {i64, f64}) -> {i64, i64, i64}",
     (vfn)sixth_gp_mem, {"-2.5", "10", "3", "-7", "6", "{-100, 0.375}"},
     sixth_gp_mem_d, false},
    {"(f64, i64, i64, i64, i64, i64, {i32, f32, f32}, " AT_BIGS ") -> f64",
     (vfn)sixth_gp_stack,
     {"0.5", "1", "2", "3", "4", "5", "{6, 7.5, -8.25}", AT_BIGV(""),
      AT_BIGV("-"), AT_BIGV("10"), AT_BIGV("2"), AT_BIGV("-3"), AT_BIGV("7")},
     sixth_gp_stack_d, true},
    {"(i64, i64, i64, i64, i64, {i32, f32, f32}, f64, " AT_BIGS ") -> f64",
     (vfn)sixth_gp_stack_ok,
     {"1", "2", "3", "4", "5", "{6, 7.5, -8.25}", "0.5", AT_BIGV(""),
      AT_BIGV("-"), AT_BIGV("10"), AT_BIGV("2"), AT_BIGV("-3"), AT_BIGV("7")},
     sixth_gp_stack_ok_d, true},
    /* AAPCS64's cases (see above), on x86-64 too. */
    {"({f32}, f32, {f32, f32}, {f32, f32, f32, f32}) -> {f32, f32, f32}",
     (vfn)hfa_fa, {"{1.5}", "-2", "{0.25, 3}", "{4, -5.5, 6.125, 1e-3}"},
     hfa_fa_d, false},
    {"({f32, f32, f32}, i32, {f32}) -> {f32, f32, f32, f32}", (vfn)hfa_fb,
     {"{1, -2.5, 3e20}", "-7", "{0.375}"}, hfa_fb_d, false},
    {"({f32, f32, f32, f32}, f64) -> {f32, f32}", (vfn)hfa_fc,
     {"{1, 2, 3, -4}", "0.5"}, hfa_fc_d, false},
    {"({f32, f32}, {f32, f32}) -> {f32}", (vfn)hfa_fd,
     {"{1.25, -2}", "{3, 4.5}"}, hfa_fd_d, false},
    {"({f64}, {f64, f64, f64}, {f64, f64, f64, f64}) -> {f64, f64, f64, f64}",
     (vfn)hfa_da, {"{1e300}", "{-1.5, 2.25, 3}", "{0.1, 0.2, -0.3, 4e-300}"},
     hfa_da_d, false},
    {"({f64, f64}, f32, {f64, f64}) -> {f64, f64, f64}", (vfn)hfa_db,
     {"{1.5, -2}", "0.25", "{3.5, 1e-310}"}, hfa_db_d, false},
    {"({f64, f64, f64, f64}, i64, {f64}) -> {f64, f64}", (vfn)hfa_dc,
     {"{1, 2, 3, 4}", "-9000000000", "{0.5}"}, hfa_dc_d, false},
    {"({f64, f64, f64}) -> {f64}", (vfn)hfa_dd, {"{1.5, -2, 0.125}"},
     hfa_dd_d, false},
    {"(f64, f64, f64, f64, f64, f64, {f64, f64, f64}, f64, f32) -> f64",
     (vfn)hfa_late,
     {"1", "2", "3", "4", "5", "6", "{7.5, -8.25, 9.125}", "-10.5", "11.25"},
     hfa_late_d, false},
    {"(f64, f64, f64, f64, f64, f64, f64, {f32, f32}, f32, {f32}) -> "
     "{f32, f32}",
     (vfn)hfa_late2,
     {"1", "2", "3", "4", "5", "6", "7", "{0.5, -1.5}", "2.5", "{-3.75}"},
     hfa_late2_d, false},
    {"(i64, i64, i64, i64, i64, i64, i64, {i64, i32}, i64, {i32, i32}) -> i64",
     (vfn)late_li,
     {"1", "2", "3", "4", "5", "6", "7", "{-8000000000, 9}", "10",
      "{-11, 12}"},
     late_li_d, false},
    {"({i64, i32, f32, f64}, i32, {i64, i64, i64, i64, f32}) -> i64",
     (vfn)by_ref, {"{100, -7, 0.75, 2.5}", "5", "{1, 2, 3, 4, 0.5}"}, by_ref_d, false},
    {"(i64, i64, i64, i64, i64, i64, i64, i64, {i64, i32, f32, f64}, "
     "{i64, i64, i64, i64, f32}) -> {i64, i32, f32, f64}",
     (vfn)by_ref_stack,
     {"1", "2", "3", "4", "5", "6", "7", "8", "{100, 0x5555, 3.5, -2.5}",
      "{9, 0x0f0f, -3, 4, 1.25}"},
     by_ref_stack_d, false},
    {"(u8) -> {u8}", (vfn)ret1, {"77"}, ret1_d, false},
    {"(i64, f64) -> {i32, i16, i8, i8}", (vfn)ret8, {"-123456", "99.5"}, ret8_d,
     false},
    {"(i64, f64) -> {i32, i32, i32}", (vfn)ret12, {"-123456789012", "-7.25"},
     ret12_d, false},
    {"(i64, f64) -> {i64, i32, i32}", (vfn)ret16, {"0x123456789", "-65536.5"},
     ret16_d, false},
    {"(i64, f64, {i32, i32}) -> {i64, i64, i64, i64, i64, i64, i64, i64}",
     (vfn)ret64, {"1000000000007", "3.5", "{-1, 2}"}, ret64_d, false},
    {"() -> {i64, i64, i64, i64, i64, i64, i64, i64}", (vfn)ret64_none, {""},
     ret64_none_d, false},
    {"(i64, i64, u32, i64, i32) -> {i64, i64, i64, i64, i64, i64, i64, i64}",
     (vfn)ret64_full, {"-9000000000000000000", "77", "4294967295", "-1", "-5"},
     ret64_full_d, false},
    {"(i32, f32, ptr, {f64, f64}, f64) -> "
     "{i64, i64, i64, i64, i64, i64, i64, i64}",
     (vfn)ret64_mix, {"-2000000000", "-1.25", "0x7fff12345678", "{0.5, -3}",
                      "1e15"},
     ret64_mix_d, false},
    {"({{f32, f32}, f32}, {f64, {f64, {f64, f64}}}, {f32, f32, {f64}}) -> "
     "{f64, {f64, {f64, f64}}}",
     (vfn)nested, {"{{1.5, -2}, 3}", "{0.5, {1.25, {-2.5, 8}}}", "{4, -0.5, {-9.75}}"},
     nested_d, false},
    {"({f64, {f64, {f64, f64}}}, {f32, f32, {f64}}) -> {{f32, f32}, f32}",
     (vfn)nested_f, {"{0.5, {1.25, {-2.5, 8}}}", "{4, -0.5, {-9.75}}"}, nested_f_d,
     false},
    {"({f32, f32, {f64}}, f32) -> {f32, f32, {f64}}", (vfn)nested_x,
     {"{4, -0.5, {-9.75}}", "0.5"}, nested_x_d, false},
};
const size_t at_ncases = sizeof at_cases / sizeof *at_cases;

/* ---- errors and strings ---------------------------------------------------- */

int32_t at_fails(int32_t x)
{
  rt_set_error(RT_ERANGE, "at_fails: %d is too large", (int)x);
  return x + 1;
}

double at_fails_f(double x)
{
  rt_set_error(RT_EIO, "at_fails_f");
  return x * 2;
}

struct at_si at_one_str(int32_t n) { return (struct at_si){rt_strdup("one"), n}; }

struct at_sis at_two_strs(int32_t n)
{
  return (struct at_sis){rt_strdup("first"), n, "literal"};
}

struct at_big_strs at_big_strs(void)
{
  struct at_big_strs r = {rt_strdup("a"), 1, rt_strdup("b"), 2, NULL};
  return r;
}
