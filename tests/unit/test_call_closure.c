/* test_call_closure.c — closures: C function pointers that call a handler
 * with rt_values, called from C with each class of type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "test_call_targets.h"

static rt_closure *make(const char *sig_text, rt_closure_handler h, void *ud,
                        vfn *fp)
{
  rt_sig *sig = NULL;
  if (rt_sig_parse(sig_text, &sig) != 0)
    fail_msg("'%s': %s", sig_text, rt_last_error());
  rt_closure *c = NULL;
  if (rt_closure_new(sig, h, ud, &c, fp) != 0)
    fail_msg("closure '%s': %s", sig_text, rt_last_error());
  rt_sig_free(sig); /* the closure keeps its own reference */
  return c;
}

/* ---- integers ---------------------------------------------------------- */

static int sum_ints(const rt_sig *sig, const rt_value *a, size_t n,
                    rt_value *ret, void *ud)
{
  assert_int_equal(n, 7);
  assert_int_equal(rt_sig_nargs(sig), 7);
  assert_ptr_equal(ud, (void *)sum_ints);
  assert_int_equal(a[0].kind, RT_TYPE_I8);
  assert_int_equal(a[6].kind, RT_TYPE_SSIZE);
  assert_int_equal(ret->kind, RT_TYPE_I64);
  ret->v.i64 = a[0].v.i8 + a[1].v.u16 + a[2].v.i32 + (int64_t)a[3].v.u64 +
               a[4].v.b + a[5].v.c + a[6].v.ssize;
  return 0;
}

static int narrow_ret(const rt_sig *sig, const rt_value *a, size_t n,
                      rt_value *ret, void *ud)
{
  (void)sig;
  (void)n;
  (void)ud;
  switch (ret->kind) {
  case RT_TYPE_I8: ret->v.i8 = (int8_t)a[0].v.i32; break;
  case RT_TYPE_U16: ret->v.u16 = (uint16_t)a[0].v.i32; break;
  case RT_TYPE_BOOL: ret->v.b = a[0].v.i32 != 0; break;
  default: ret->v.u32 = (uint32_t)a[0].v.i32; break;
  }
  return 0;
}

static void test_integers(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("(i8, u16, i32, u64, bool, char, ssize) -> i64",
                       sum_ints, (void *)sum_ints, &fp);
  int64_t (*f)(int8_t, uint16_t, int32_t, uint64_t, bool, char, ssize_t) =
      (__typeof__(f))fp;
  assert_int_equal(f(-128, 65535, INT32_MIN, 5, true, 'a', -10),
                   -128 + 65535 + (int64_t)INT32_MIN + 5 + 1 + 'a' - 10);
  rt_closure_free(c);

  c = make("(i32) -> i8", narrow_ret, NULL, &fp);
  assert_int_equal(((int8_t (*)(int32_t))fp)(-5), -5);
  assert_int_equal(((int8_t (*)(int32_t))fp)(0x17f), 127);
  rt_closure_free(c);
  c = make("(i32) -> u16", narrow_ret, NULL, &fp);
  assert_int_equal(((uint16_t (*)(int32_t))fp)(-1), 65535);
  rt_closure_free(c);
  c = make("(i32) -> bool", narrow_ret, NULL, &fp);
  assert_true(((bool (*)(int32_t))fp)(42));
  assert_false(((bool (*)(int32_t))fp)(0));
  rt_closure_free(c);
  c = make("(i32) -> u32", narrow_ret, NULL, &fp);
  assert_int_equal(((uint32_t (*)(int32_t))fp)(-1), UINT32_MAX);
  rt_closure_free(c);
}

/* Every count of integer arguments that a closure's entry decodes from
 * the general registers, 0 to 6 (one decoder per count below 6): each
 * argument arrives in its place with its kind, and nothing more. */
static int weigh(const rt_sig *sig, const rt_value *a, size_t n,
                 rt_value *ret, void *ud)
{
  assert_int_equal(n, (size_t)(uintptr_t)ud);
  assert_int_equal(rt_sig_nargs(sig), n);
  int64_t s = 1000;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(a[i].kind, RT_TYPE_I64);
    s = s * 10 + a[i].v.i64;
  }
  ret->v.i64 = s;
  return 0;
}

static void test_integer_counts(void **state)
{
  (void)state;
  static const char *const sigs[] = {
      "() -> i64", "(i64) -> i64", "(i64, i64) -> i64",
      "(i64, i64, i64) -> i64", "(i64, i64, i64, i64) -> i64",
      "(i64, i64, i64, i64, i64) -> i64",
      "(i64, i64, i64, i64, i64, i64) -> i64"};
  typedef int64_t i64;
  for (uintptr_t n = 0; n < sizeof sigs / sizeof *sigs; n++) {
    vfn fp;
    rt_closure *c = make(sigs[n], weigh, (void *)n, &fp);
    i64 want = 1000;
    for (uintptr_t i = 0; i < n; i++)
      want = want * 10 + (i64)(i + 1);
    i64 got;
    switch (n) {
    case 0: got = ((i64 (*)(void))fp)(); break;
    case 1: got = ((i64 (*)(i64))fp)(1); break;
    case 2: got = ((i64 (*)(i64, i64))fp)(1, 2); break;
    case 3: got = ((i64 (*)(i64, i64, i64))fp)(1, 2, 3); break;
    case 4: got = ((i64 (*)(i64, i64, i64, i64))fp)(1, 2, 3, 4); break;
    case 5: got = ((i64 (*)(i64, i64, i64, i64, i64))fp)(1, 2, 3, 4, 5); break;
    default:
      got = ((i64 (*)(i64, i64, i64, i64, i64, i64))fp)(1, 2, 3, 4, 5, 6);
      break;
    }
    if (got != want)
      fail_msg("%s: %lld, expected %lld", sigs[n], (long long)got,
               (long long)want);
    rt_closure_free(c);
  }
}

/* ---- floats ------------------------------------------------------------ */

static int float_ops(const rt_sig *sig, const rt_value *a, size_t n,
                     rt_value *ret, void *ud)
{
  (void)sig;
  (void)ud;
#define ARG(i) (a[i].kind == RT_TYPE_F32 ? (double)a[i].v.f32 : a[i].v.f64)
  double s = ARG(0);
  for (size_t i = 1; i < n; i++)
    s = s * 2 + ARG(i);
#undef ARG
  if (ret->kind == RT_TYPE_F32)
    ret->v.f32 = (float)s;
  else
    ret->v.f64 = s;
  return 0;
}

static void test_floats(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("(f32, f64) -> f32", float_ops, NULL, &fp);
  assert_true(((float (*)(float, double))fp)(1.5f, -0.25) == 2.75f);
  rt_closure_free(c);
  c = make("(f64, f64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64",
           float_ops, NULL, &fp);
  double (*f10)(double, double, double, double, double, double, double,
                double, double, double) = (__typeof__(f10))fp;
  assert_true(f10(1, 0, 0, 0, 0, 0, 0, 0, 0, 1) == 513.0);
  rt_closure_free(c);
  c = make("(f64) -> f64", float_ops, NULL, &fp);
  assert_true(isnan(((double (*)(double))fp)(NAN)));
  assert_true(signbit(((double (*)(double))fp)(-0.0)));
  rt_closure_free(c);
}

/* ---- pointers and strings ----------------------------------------------- */

static int shout(const rt_sig *sig, const rt_value *a, size_t n,
                 rt_value *ret, void *ud)
{
  (void)sig;
  (void)n;
  (void)ud;
  *(int *)a[1].v.ptr += 1;
  ret->v.owned_str = tt_upper(a[0].v.str);
  ret->flags = RT_VALUE_OWNED;
  return 0;
}

static void test_strings(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("(str, ptr) -> str", shout, NULL, &fp);
  int calls = 0;
  char *s = ((char *(*)(const char *, void *))fp)("quiet", &calls);
  assert_string_equal(s, "QUIET");
  assert_int_equal(calls, 1);
  rt_free(s); /* the C caller owns the returned string */
  rt_closure_free(c);
}

/* ---- structs -------------------------------------------------------------- */

struct id { int32_t i; double d; };
struct b3 { uint8_t a, b, c; };
struct di { double d; int32_t i; };
struct ff { float a, b; };

static int mix_structs(const rt_sig *sig, const rt_value *a, size_t n,
                       rt_value *ret, void *ud)
{
  (void)n;
  (void)ud;
  const struct id *x = a[0].v.agg;
  const struct b3 *y = a[1].v.agg;
  const rt_type *rt = rt_sig_ret(sig);
  assert_int_equal(rt_type_size(rt), sizeof(struct di));
  double d = x->d * 2;
  int32_t i = x->i + y->a + y->b + y->c;
  memcpy((char *)ret->v.agg + rt_type_offset(rt, 0), &d, sizeof d);
  memcpy((char *)ret->v.agg + rt_type_offset(rt, 1), &i, sizeof i);
  return 0;
}

/* Returns its own heap memory instead of filling RET in place. */
static int swap_ff(const rt_sig *sig, const rt_value *a, size_t n,
                   rt_value *ret, void *ud)
{
  (void)sig;
  (void)n;
  (void)ud;
  const struct ff *in = a[0].v.agg;
  struct ff *out = rt_alloc(sizeof *out);
  out->a = in->b;
  out->b = in->a;
  ret->v.agg = out;
  ret->flags = RT_VALUE_OWNED;
  return 0;
}

static void test_structs(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("({i32, f64}, {u8, u8, u8}) -> {f64, i32}",
                       mix_structs, NULL, &fp);
  struct di r = ((struct di (*)(struct id, struct b3))fp)(
      (struct id){40, 1.25}, (struct b3){1, 2, 255});
  assert_true(r.d == 2.5);
  assert_int_equal(r.i, 298);
  rt_closure_free(c);
  c = make("({f32, f32}) -> {f32, f32}", swap_ff, NULL, &fp);
  struct ff s = ((struct ff (*)(struct ff))fp)((struct ff){1.5f, -2.0f});
  assert_true(s.a == -2.0f && s.b == 1.5f);
  rt_closure_free(c);
}

/* ---- void, many arguments, errors ------------------------------------------ */

static int store(const rt_sig *sig, const rt_value *a, size_t n,
                 rt_value *ret, void *ud)
{
  (void)sig;
  (void)n;
  (void)ud;
  assert_int_equal(ret->kind, RT_TYPE_VOID);
  *(int32_t *)a[0].v.ptr = a[1].v.i32;
  return 0;
}

static void test_void(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("(ptr, i32) -> void", store, NULL, &fp);
  int32_t slot = 0;
  ((void (*)(int32_t *, int32_t))fp)(&slot, -77);
  assert_int_equal(slot, -77);
  rt_closure_free(c);
}

/* The handler forwards to the real function through rt_call, so a C call of
 * the closure must equal a C call of the function itself. */
static int forward(const rt_sig *sig, const rt_value *a, size_t n,
                   rt_value *ret, void *ud)
{
  (void)sig;
  return rt_call(ud, a, n, ret);
}

static void test_many_arguments(void **state)
{
  (void)state;
  for (int f = 0; f < TT_NFAMILIES; f++) {
    const struct tt_family_info *fam = &tt_families[f];
    for (int n = 1; n <= TT_MAX_ARITY; n += 5) {
      char *text = tt_family_sig((enum tt_family)f, n);
      rt_fn *fn = NULL;
      assert_int_equal(rt_fn_new(fam->fn[n], text, &fn), 0);
      vfn fp;
      rt_closure *c = make(text, forward, fn, &fp);
      rt_value vals[TT_MAX_ARITY];
      tt_family_values((enum tt_family)f, n, vals);
      if (fam->call[n](fp, vals) != fam->call[n](fam->fn[n], vals))
        fail_msg("closure %s differs from the C function", text);
      rt_closure_free(c);
      rt_fn_free(fn);
      rt_free(text);
    }
  }
}

static int failing(const rt_sig *sig, const rt_value *a, size_t n,
                   rt_value *ret, void *ud)
{
  (void)sig;
  (void)a;
  (void)n;
  if (ud)
    return rt_set_error(RT_EINVAL, "handler refuses");
  ret->kind = RT_TYPE_F64; /* the wrong kind */
  ret->v.f64 = 1;
  return 0;
}

static void test_handler_errors(void **state)
{
  (void)state;
  vfn fp;
  rt_closure *c = make("(i32) -> i64", failing, (void *)1, &fp);
  assert_int_equal(((int64_t (*)(int32_t))fp)(5), 0);
  assert_string_equal(rt_last_error(), "handler refuses");
  rt_closure_free(c);
  c = make("(i32) -> i64", failing, NULL, &fp);
  assert_int_equal(((int64_t (*)(int32_t))fp)(5), 0);
  assert_int_equal(rt_last_error_code(), RT_ETYPE);
  assert_string_equal(rt_last_error(), "closure (i32) -> i64: the handler "
                                       "returned f64, expected i64");
  rt_closure_free(c);
  c = make("() -> {i32, i32}", failing, (void *)1, &fp);
  struct ii { int32_t a, b; } r = ((struct ii (*)(void))fp)();
  assert_int_equal(r.a, 0);
  assert_int_equal(r.b, 0);
  rt_closure_free(c);

  rt_sig *sig = NULL;
  assert_int_equal(rt_sig_parse("()->void", &sig), 0);
  rt_closure *out = (rt_closure *)&out;
  assert_int_equal(rt_closure_new(NULL, failing, NULL, &out, &fp), RT_EINVAL);
  assert_null(out);
  assert_int_equal(rt_closure_new(sig, NULL, NULL, &out, &fp), RT_EINVAL);
  assert_int_equal(rt_closure_new(sig, failing, NULL, &out, NULL), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "FNPTR is NULL"));
  rt_heap_fail_after(0);
  assert_int_equal(rt_closure_new(sig, failing, NULL, &out, &fp), RT_ENOMEM);
  rt_heap_fail_after(-1);
  rt_sig_free(sig);
  rt_closure_free(NULL);
}

/* Closures with a register-only scalar signature run through a pool of
 * precompiled entries (x86_64, aarch64); more closures than entries fall
 * back to libffi, and a freed entry is used again.  Every closure must
 * call its own handler with its own userdata, whichever way it runs. */
static int add_k(const rt_sig *sig, const rt_value *args, size_t nargs,
                 rt_value *ret, void *userdata)
{
  (void)sig;
  assert_int_equal(nargs, 2);
  ret->v.i64 = args[0].v.i32 * (int64_t)(intptr_t)userdata + args[1].v.i8;
  return 0;
}

static int scale_h(const rt_sig *sig, const rt_value *args, size_t nargs,
                   rt_value *ret, void *userdata)
{
  (void)sig, (void)nargs;
  ret->v.f32 = (float)(args[0].v.f64 * (double)(intptr_t)userdata +
                       args[1].v.u16);
  return 0;
}

#define POOL_TEST 200
static void test_entry_pool(void **state)
{
  (void)state;
  static rt_closure *ci[POOL_TEST], *cf[POOL_TEST];
  static vfn fi[POOL_TEST], ff[POOL_TEST];
  for (int round = 0; round < 2; round++) {
    for (intptr_t k = 0; k < POOL_TEST; k++) {
      ci[k] = make("(i32, i8) -> i64", add_k, (void *)(k + 1), &fi[k]);
      cf[k] = make("(f64, u16) -> f32", scale_h, (void *)(k + 1), &ff[k]);
    }
    for (intptr_t k = 0; k < POOL_TEST; k++) {
      int64_t (*f)(int32_t, int8_t) = (int64_t (*)(int32_t, int8_t))fi[k];
      float (*g)(double, uint16_t) = (float (*)(double, uint16_t))ff[k];
      assert_int_equal(f(-3, -100), -3 * (k + 1) - 100);
      assert_true(g(0.5, 65535) == (float)(0.5 * (double)(k + 1) + 65535));
    }
    /* Free every other one, then make them again: the entries come back. */
    for (intptr_t k = 0; k < POOL_TEST; k += 2) {
      rt_closure_free(ci[k]);
      ci[k] = make("(i32, i8) -> i64", add_k, (void *)(k + 7), &fi[k]);
    }
    for (intptr_t k = 0; k < POOL_TEST; k += 2) {
      int64_t (*f)(int32_t, int8_t) = (int64_t (*)(int32_t, int8_t))fi[k];
      assert_int_equal(f(2, 1), 2 * (k + 7) + 1);
    }
    for (intptr_t k = 0; k < POOL_TEST; k++) {
      rt_closure_free(ci[k]);
      rt_closure_free(cf[k]);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_integer_counts),
      cmocka_unit_test(test_floats),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_structs),
      cmocka_unit_test(test_void),
      cmocka_unit_test(test_many_arguments),
      cmocka_unit_test(test_handler_errors),
      cmocka_unit_test(test_entry_pool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
