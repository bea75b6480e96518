/*
 * test_call_abi.c — rt_call where the calling convention is easy to get
 * wrong: 64 arguments, arguments on the stack, structs whose eightbytes
 * are of mixed class, 16-byte structs returned in rax:xmm0 and xmm0:rax,
 * structs returned in memory.  Every case runs through the fast path and
 * through libffi (RT_CALL_NO_FASTPATH=1), and both must give the bits of
 * the direct C call.  Also: the error rule of rt_call (a function that
 * sets the thread's error makes the call fail; a call starts with no
 * error) and the ownership of str members of a returned struct.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "test_call_abi_targets.h"

static rt_fn *fn_new(vfn f, const char *sig)
{
  rt_fn *fn = NULL;
  if (rt_fn_new(f, sig, &fn) != 0)
    fail_msg("rt_fn_new '%s': %s", sig, rt_last_error());
  return fn;
}

/* Scalars and structs are planned on x86-64 and aarch64. */
static bool planned(bool structs)
{
#if defined(__x86_64__) || defined(__aarch64__)
  (void)structs;
  return true;
#else
  (void)structs;
  return false;
#endif
}

static void expect_path(const rt_fn *fn, bool fast, bool structs)
{
  bool want = fast && planned(structs);
  if (rt_sig_fastpath(rt_fn_sig(fn)) != want)
    fail_msg("%s: fast path %d, expected %d", rt_sig_text(rt_fn_sig(fn)),
             rt_sig_fastpath(rt_fn_sig(fn)), want);
}

/* ---- 64 arguments ---------------------------------------------------------- */

static void run_many64(bool fast)
{
  call_path_use(fast);
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_char(&b, '(');
  for (int k = 0; k < 16; k++)
    rt_buf_printf(&b, "%si64, f64, i8, f32", k ? ", " : "");
  rt_buf_append_str(&b, ") -> u64");
  rt_fn *fn = fn_new(at_many64, b.data);
  expect_path(fn, fast, false);
  rt_value a[64], r;
  for (int k = 0; k < 16; k++) {
    a[4 * k] = (rt_value){RT_TYPE_I64, 0, {.i64 = -1000000007ll * (k + 1)}};
    a[4 * k + 1] = (rt_value){RT_TYPE_F64, 0, {.f64 = 0.1 * k - 3}};
    a[4 * k + 2] = (rt_value){RT_TYPE_I8, 0, {.i8 = (int8_t)(-128 + 17 * k)}};
    a[4 * k + 3] = (rt_value){RT_TYPE_F32, 0, {.f32 = 1.5f * k - 7}};
  }
  assert_int_equal(rt_call(fn, a, 64, &r), 0);
  assert_int_equal(r.kind, RT_TYPE_U64);
  assert_int_equal(r.v.u64, at_many64_direct(a));
  /* A wrong tag at the last position is found before the call. */
  a[63].kind = RT_TYPE_F64;
  r = (rt_value){RT_TYPE_U8, 0, {.u8 = 7}};
  assert_int_equal(rt_call(fn, a, 64, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 64 is f64, expected f32"));
  assert_int_equal(r.kind, RT_TYPE_U8);
  rt_fn_free(fn);
  rt_buf_free(&b);
}

static void test_many64_fast(void **state) { (void)state; run_many64(true); }
static void test_many64_ffi(void **state) { (void)state; run_many64(false); }

/* ---- struct cases ------------------------------------------------------------ */

static void run_case(const struct at_case *c, bool fast)
{
  rt_fn *fn = fn_new(c->fn, c->sig);
  expect_path(fn, fast && !c->unplanned, true);
  const rt_sig *s = rt_fn_sig(fn);
  size_t n = rt_sig_nargs(s);
  rt_value args[AT_MAX_ARGS];
  for (size_t i = 0; i < n; i++)
    if (rt_value_parse(rt_sig_arg(s, i), c->args[i], &args[i]) != 0)
      fail_msg("%s: argument %zu '%s': %s", c->sig, i + 1, c->args[i],
               rt_last_error());
  const rt_type *rt = rt_sig_ret(s);
  size_t size = rt_type_size(rt);
  /* The struct arguments as they were: a callee may write to its copy of
   * one (AAPCS64 passes those over 16 bytes by reference to a copy the
   * caller makes), never to the caller's. */
  unsigned char *before[AT_MAX_ARGS] = {NULL};
  for (size_t i = 0; i < n; i++) {
    if (args[i].kind != RT_TYPE_STRUCT)
      continue;
    size_t as = rt_type_size(rt_sig_arg(s, i));
    before[i] = malloc(as);
    assert_non_null(before[i]);
    memcpy(before[i], args[i].v.agg, as);
  }
  unsigned char want[128] = {0};
  c->direct(args, want);
  rt_value r;
  if (rt_call(fn, args, n, &r) != 0)
    fail_msg("rt_call %s: %s", c->sig, rt_last_error());
  for (size_t i = 0; i < n; i++) {
    if (!before[i])
      continue;
    if (memcmp(before[i], args[i].v.agg, rt_type_size(rt_sig_arg(s, i))))
      fail_msg("%s (%s): argument %zu changed by the call", c->sig,
               fast ? "fast" : "libffi", i + 1);
    free(before[i]);
  }
  assert_int_equal(r.kind, rt_type_kind_of(rt));
  const void *got = r.kind == RT_TYPE_STRUCT ? r.v.agg : (const void *)&r.v;
  if (memcmp(got, want, size) != 0) {
    rt_buf g = RT_BUF_INIT;
    rt_value_format(rt, &r, &g);
    fail_msg("%s (%s): rt_call gives %s, not the C call's bits", c->sig,
             fast ? "fast" : "libffi", g.data);
  }
  rt_value_clear(&r);
  for (size_t i = 0; i < n; i++)
    rt_value_clear(&args[i]);
  rt_fn_free(fn);
}

static void run_cases(bool fast)
{
  call_path_use(fast);
  for (size_t i = 0; i < at_ncases; i++)
    run_case(&at_cases[i], fast);
}

static void test_structs_fast(void **state) { (void)state; run_cases(true); }
static void test_structs_ffi(void **state) { (void)state; run_cases(false); }

/* A struct argument whose memory is missing is refused before the call,
 * on the stack as in registers. */
static void run_null_agg(bool fast)
{
  call_path_use(fast);
  const struct at_case *c = &at_cases[0];
  rt_fn *fn = fn_new(c->fn, c->sig);
  rt_value a[18];
  const rt_sig *s = rt_fn_sig(fn);
  for (size_t i = 0; i < 18; i++)
    a[i] = (rt_value){rt_type_kind_of(rt_sig_arg(s, i)), 0, {0}};
  static struct at_ff ff;
  static struct at_l3 l3;
  a[15].v.agg = &ff;
  a[16].v.agg = &l3;
  rt_value r = {RT_TYPE_U8, 0, {.u8 = 7}};
  assert_int_equal(rt_call(fn, a, 18, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 7 ({i64, f64}) has no "
                                          "struct memory"));
  assert_int_equal(r.kind, RT_TYPE_U8);
  /* A wrong tag where a struct is expected is not read as an address. */
  a[6] = (rt_value){RT_TYPE_I64, 0, {.i64 = 12345}};
  assert_int_equal(rt_call(fn, a, 18, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 7 is i64, expected "
                                          "{i64, f64}"));
  rt_fn_free(fn);
}

static void test_null_agg_fast(void **state) { (void)state; run_null_agg(true); }
static void test_null_agg_ffi(void **state) { (void)state; run_null_agg(false); }

static size_t live_blocks(void);

/* A result in memory from a register-only call (x86-64: a struct slot
 * invoker, the result's address in the first word): a wrong tag or a
 * struct without memory is refused with the argument named, before any
 * storage is taken (no new heap block) and with the result untouched. */
static void run_mem_result_errors(bool fast)
{
  call_path_use(fast);
  const char *sig = "(i32, f32, ptr, {f64, f64}, f64) -> "
                    "{i64, i64, i64, i64, i64, i64, i64, i64}";
  const struct at_case *c = NULL;
  for (size_t i = 0; i < at_ncases && !c; i++)
    if (strcmp(at_cases[i].sig, sig) == 0)
      c = &at_cases[i];
  assert_non_null(c);
  rt_fn *fn = fn_new(c->fn, c->sig);
  static struct at_d2 dd = {0.5, -3};
  rt_value a[5] = {{RT_TYPE_I32, 0, {.i32 = 1}},
                   {RT_TYPE_F32, 0, {.f32 = 2}},
                   {RT_TYPE_PTR, 0, {.ptr = NULL}},
                   {RT_TYPE_STRUCT, 0, {.agg = NULL}},
                   {RT_TYPE_F64, 0, {.f64 = 4}}};
  rt_value r = {RT_TYPE_U8, 0, {.u8 = 7}};
  size_t live = live_blocks();
  assert_int_equal(rt_call(fn, a, 5, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 4 ({f64, f64}) has no "
                                          "struct memory"));
  a[3].v.agg = &dd;
  a[1] = (rt_value){RT_TYPE_F64, 0, {.f64 = 2}};
  assert_int_equal(rt_call(fn, a, 5, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 2 is f64, expected f32"));
  assert_int_equal(r.kind, RT_TYPE_U8);
  assert_int_equal(r.v.u8, 7);
  assert_int_equal(live_blocks(), live);
  /* And with the arguments right, the call goes through. */
  a[1] = (rt_value){RT_TYPE_F32, 0, {.f32 = 2}};
  assert_int_equal(rt_call(fn, a, 5, &r), 0);
  assert_int_equal(r.kind, RT_TYPE_STRUCT);
  assert_int_equal(((const int64_t *)r.v.agg)[1], 8);
  rt_value_clear(&r);
  rt_fn_free(fn);
}

static void test_mem_result_errors_fast(void **state)
{
  (void)state;
  run_mem_result_errors(true);
}
static void test_mem_result_errors_ffi(void **state)
{
  (void)state;
  run_mem_result_errors(false);
}

/* ---- the error rule ---------------------------------------------------------- */

static void run_errors(bool fast)
{
  call_path_use(fast);
  rt_fn *f = fn_new((vfn)at_fails, "(i32) -> i32");
  rt_fn *g = fn_new((vfn)at_fails_f, "(f64) -> f64");
  rt_value a = {RT_TYPE_I32, 0, {.i32 = 41}}, r;
  /* The function's error is the call's, and the result is stored. */
  assert_int_equal(rt_call(f, &a, 1, &r), RT_ERANGE);
  assert_int_equal(r.kind, RT_TYPE_I32);
  assert_int_equal(r.v.i32, 42);
  assert_string_equal(rt_last_error(), "at_fails: 41 is too large");
  assert_int_equal(rt_call(f, &a, 1, NULL), RT_ERANGE);
  rt_value d = {RT_TYPE_F64, 0, {.f64 = 1.25}};
  assert_int_equal(rt_call(g, &d, 1, &r), RT_EIO);
  assert_true(r.v.f64 == 2.5);
  /* A call starts with no error: a successful one leaves none behind. */
  rt_fn *ok = fn_new((vfn)at_one_str, "(i32) -> {str, i32}");
  rt_set_error(RT_EBUSY, "left over");
  assert_int_equal(rt_call(ok, &a, 1, &r), 0);
  assert_int_equal(rt_last_error_code(), 0);
  assert_string_equal(rt_last_error(), "");
  rt_value_clear(&r);
  rt_fn_free(ok);
  rt_fn_free(f);
  rt_fn_free(g);
}

static void test_errors_fast(void **state) { (void)state; run_errors(true); }
static void test_errors_ffi(void **state) { (void)state; run_errors(false); }

/* ---- str members of struct results --------------------------------------------- */

static size_t live_blocks(void)
{
  struct rt_heap_stats st;
  rt_heap_stats(&st);
  return st.live_blocks;
}

static void run_struct_strs(bool fast)
{
  call_path_use(fast);
  size_t before = live_blocks();
  rt_fn *one = fn_new((vfn)at_one_str, "(i32) -> {str, i32}");
  rt_fn *two = fn_new((vfn)at_two_strs, "(i32) -> {str, i32, str}");
  rt_fn *big = fn_new((vfn)at_big_strs, "() -> {str, i64, str, i64, str}");
  rt_value a = {RT_TYPE_I32, 0, {.i32 = 5}}, r;
  for (int k = 0; k < 3; k++) {
    assert_int_equal(rt_call(one, &a, 1, &r), 0);
    const struct at_si *si = r.v.agg;
    assert_string_equal(si->s, "one");
    assert_int_equal(si->n, 5);
    assert_true(r.flags & RT_VALUE_OWNED);
    rt_value_clear(&r);
    assert_int_equal(rt_call(two, &a, 1, &r), 0);
    const struct at_sis *sis = r.v.agg;
    assert_string_equal(sis->s, "first");
    assert_string_equal(sis->t, "literal"); /* not the heap's: not freed */
    rt_value_clear(&r);
    assert_int_equal(rt_call(big, NULL, 0, &r), 0);
    const struct at_big_strs *bs = r.v.agg;
    assert_string_equal(bs->a, "a");
    assert_string_equal(bs->b, "b");
    assert_null(bs->c);
    rt_value_clear(&r);
    /* Discarded results free their strings too. */
    assert_int_equal(rt_call(big, NULL, 0, NULL), 0);
  }
  rt_fn_free(one);
  rt_fn_free(two);
  rt_fn_free(big);
  assert_int_equal(live_blocks(), before);
}

static void test_struct_strs_fast(void **state) { (void)state; run_struct_strs(true); }
static void test_struct_strs_ffi(void **state) { (void)state; run_struct_strs(false); }

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many64_fast),
      cmocka_unit_test(test_many64_ffi),
      cmocka_unit_test(test_structs_fast),
      cmocka_unit_test(test_structs_ffi),
      cmocka_unit_test(test_null_agg_fast),
      cmocka_unit_test(test_null_agg_ffi),
      cmocka_unit_test(test_mem_result_errors_fast),
      cmocka_unit_test(test_mem_result_errors_ffi),
      cmocka_unit_test(test_errors_fast),
      cmocka_unit_test(test_errors_ffi),
      cmocka_unit_test(test_struct_strs_fast),
      cmocka_unit_test(test_struct_strs_ffi),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
