/*
 * test_call_matrix.c — rt_call against direct C calls: every scalar type
 * as argument and result with boundary values, 1..32 arguments of mixed
 * types, structs of 1..64 bytes and of mixed layout, strings, void.
 * The whole matrix runs twice: with the fast call shapes and with
 * RT_CALL_NO_FASTPATH=1 (libffi only); both must match the C calls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_call_targets.h"

static rt_fn *fn_new(vfn f, const char *sig)
{
  rt_fn *fn = NULL;
  if (rt_fn_new(f, sig, &fn) != 0)
    fail_msg("rt_fn_new '%s': %s", sig, rt_last_error());
  return fn;
}

static void call_ok(const rt_fn *fn, const rt_value *args, size_t n,
                    rt_value *ret)
{
  if (rt_call(fn, args, n, ret) != 0)
    fail_msg("rt_call %s: %s", rt_sig_text(rt_fn_sig(fn)), rt_last_error());
}

static uint64_t value_bits(const rt_value *v, size_t size)
{
  uint64_t b = 0;
  memcpy(&b, &v->v, size);
  return b;
}

/* ---- scalars ---------------------------------------------------------- */

static const bool vals_bool[] = {false, true};
static const char vals_char[] = {0, 'a', CHAR_MIN, CHAR_MAX, (char)0x80, '\n'};
static const int8_t vals_i8[] = {0, 1, -1, INT8_MIN, INT8_MAX};
static const uint8_t vals_u8[] = {0, 1, 0x7f, 0x80, UINT8_MAX};
static const int16_t vals_i16[] = {0, -1, INT16_MIN, INT16_MAX, 0x1234};
static const uint16_t vals_u16[] = {0, 1, 0x8000, UINT16_MAX};
static const int32_t vals_i32[] = {0, -1, INT32_MIN, INT32_MAX, 123456789};
static const uint32_t vals_u32[] = {0, 1, 0x80000000u, UINT32_MAX};
static const int64_t vals_i64[] = {0, -1, INT64_MIN, INT64_MAX,
                                   -0x123456789abcdefll};
static const uint64_t vals_u64[] = {0, 1, 0x8000000000000000ull, UINT64_MAX,
                                    0xfedcba9876543210ull};
static const size_t vals_size[] = {0, 1, SIZE_MAX, SIZE_MAX / 2 + 1};
static const ssize_t vals_ssize[] = {0, -1, SSIZE_MAX, -SSIZE_MAX - 1};
static float vals_f32[8];
static double vals_f64[9];
static void *vals_ptr[4];

static void init_floats(void)
{
  const float f[] = {0.0f, -0.0f, 1.5f, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN,
                     NAN, -INFINITY};
  const double d[] = {0.0, -0.0, 0.1, -DBL_MAX, DBL_MIN, DBL_TRUE_MIN,
                      NAN, INFINITY, -1e-310};
  memcpy(vals_f32, f, sizeof f);
  memcpy(vals_f64, d, sizeof d);
  void *p[] = {NULL, (void *)vals_f64, (void *)(uintptr_t)UINTPTR_MAX,
               (void *)(uintptr_t)0x8000000000000001ull};
  memcpy(vals_ptr, p, sizeof p);
}

/* Call tt_id/mid/from/bits of one type with each boundary value and
 * compare bit for bit with the direct calls. */
#define SCALAR_TEST(name, T, m)                                               \
  static void scalar_##name(void)                                             \
  {                                                                           \
    rt_fn *id = fn_new((vfn)tt_id_##name, "(" #name ") -> " #name);           \
    rt_fn *mid = fn_new((vfn)tt_mid_##name,                                   \
                        "(u8, " #name ", i16) -> " #name);                    \
    rt_fn *from = fn_new((vfn)tt_from_##name, "(u64) -> " #name);             \
    rt_fn *bits = fn_new((vfn)tt_bits_##name, "(" #name ") -> u64");          \
    for (size_t i = 0; i < sizeof vals_##name / sizeof *vals_##name; i++) {   \
      T x = vals_##name[i];                                                   \
      rt_value a[3] = {{RT_TYPE_U8, 0, {.u8 = 0xff}}, RT_VALUE_INIT,          \
                       {RT_TYPE_I16, 0, {.i16 = -1}}};                        \
      a[1].kind = rt_type_kind_of(rt_sig_arg(rt_fn_sig(id), 0));              \
      a[1].v.m = x;                                                           \
      rt_value r;                                                             \
      T want = tt_id_##name(x);                                               \
      call_ok(id, &a[1], 1, &r);                                              \
      assert_int_equal(r.kind, a[1].kind);                                    \
      assert_int_equal(value_bits(&r, sizeof(T)), tt_bits_##name(want));      \
      call_ok(mid, a, 3, &r);                                                 \
      assert_int_equal(value_bits(&r, sizeof(T)),                             \
                       tt_bits_##name(tt_mid_##name(0xff, x, -1)));           \
      call_ok(bits, &a[1], 1, &r);                                            \
      assert_int_equal(r.v.u64, tt_bits_##name(x));                           \
      /* Results built from a full 64-bit pattern: the callee leaves the     \
       * upper register bits unspecified; rt_call must narrow. */             \
      rt_value b = {RT_TYPE_U64, 0, {.u64 = tt_bits_##name(x) |              \
                                            (UINT64_MAX << (sizeof(T) * 8 % 64))}}; \
      if (sizeof(T) == 8)                                                     \
        b.v.u64 = tt_bits_##name(x);                                          \
      call_ok(from, &b, 1, &r);                                               \
      assert_int_equal(value_bits(&r, sizeof(T)),                             \
                       tt_bits_##name(tt_from_##name(b.v.u64)));              \
    }                                                                         \
    rt_fn_free(id);                                                           \
    rt_fn_free(mid);                                                          \
    rt_fn_free(from);                                                         \
    rt_fn_free(bits);                                                         \
  }
TT_SCALARS(SCALAR_TEST)
#undef SCALAR_TEST

#define EXT_TEST(name, T, m)                                                  \
  static void ext_##name(void)                                                \
  {                                                                           \
    rt_fn *ext = fn_new((vfn)tt_ext_##name, "(i32, " #name ") -> i64");       \
    for (size_t i = 0; i < sizeof vals_##name / sizeof *vals_##name; i++) {   \
      rt_value a[2] = {{RT_TYPE_I32, 0, {.i32 = -7}}, RT_VALUE_INIT};         \
      a[1].kind = rt_type_kind_of(rt_sig_arg(rt_fn_sig(ext), 1));             \
      a[1].v.m = vals_##name[i];                                              \
      rt_value r;                                                             \
      call_ok(ext, a, 2, &r);                                                 \
      assert_int_equal(r.v.i64, tt_ext_##name(-7, vals_##name[i]));           \
    }                                                                         \
    rt_fn_free(ext);                                                          \
  }
TT_INTS(EXT_TEST)
#undef EXT_TEST

/* Which path the signatures take; the tests run under both. */
static bool want_fast;

static void use_path(bool fast)
{
  want_fast = fast;
  call_path_use(fast);
}

static void expect_path(const char *sig, bool fast_shape)
{
  rt_sig *s = NULL;
  assert_int_equal(rt_sig_parse(sig, &s), 0);
  if (rt_sig_fastpath(s) != (want_fast && fast_shape))
    fail_msg("'%s': fast path %d, expected %d", sig, rt_sig_fastpath(s),
             want_fast && fast_shape);
  rt_sig_free(s);
}

/* Structs by value are planned on x86-64 and aarch64. */
#if defined(__x86_64__) || defined(__aarch64__)
#define PLANNED_STRUCTS true
#else
#define PLANNED_STRUCTS false
#endif

static void check_paths(void)
{
  expect_path("(i32, i32) -> i32", true);
  expect_path("(ptr, size) -> ptr", true);
  expect_path("(i8, u16, bool, char, str, ssize) -> void", true);
  expect_path("() -> u8", true);
  expect_path("(i8, u16, bool, char, str, ssize, i32) -> void", true);
  expect_path("(f64, f64, f64, f64) -> f64", true);
  expect_path("(f32, f32, f32, f32, f32, f32, f32, f32) -> f64", true);
  expect_path("(f64, f64, f64, f64, f64, f64, f64, f64, f64) -> f64", true);
  expect_path("(f32, f64) -> f64", true);
  expect_path("(i32, f64) -> f64", true);
  expect_path("(f64) -> i32", true);
  expect_path("({i32}) -> i32", PLANNED_STRUCTS);
  expect_path("(i32) -> {i32}", PLANNED_STRUCTS);
  expect_path("(i32) -> {i64, i64, i64}", PLANNED_STRUCTS);
  expect_path("({f32, f32, f32, f32}, {f64}) -> {f64, {f64, f64}}",
              PLANNED_STRUCTS);
  expect_path("(f64, f64, f64, f64, f64, f64, f64, {f32, f32}, f32) -> f32",
              PLANNED_STRUCTS);
  /* 64 stack words fit the largest prototype, 65 do not; on aarch64,
   * which passes a struct over 16 bytes as the address of a copy, 64
   * words of copies fit, 65 do not (and results in memory of up to 512
   * bytes are planned; x86-64's of any size). */
  char *sig = NULL;
  rt_buf b = RT_BUF_INIT;
  for (int i = 0; i < 64; i++)
    rt_buf_append_str(&b, i ? ", i64" : "i64");
  assert_true(rt_asprintf(&sig, "(i64, i64, i64, i64, i64, i64, {%s}) -> void",
                          b.data) > 0);
  expect_path(sig, PLANNED_STRUCTS);
  rt_free(sig);
  assert_true(rt_asprintf(&sig, "(i64, i64, i64, i64, i64, i64, {%s, i8}) -> void",
                          b.data) > 0);
  expect_path(sig, false);
  rt_free(sig);
  assert_true(rt_asprintf(&sig, "(i32) -> {%s}", b.data) > 0);
  expect_path(sig, PLANNED_STRUCTS);
  rt_free(sig);
  assert_true(rt_asprintf(&sig, "(i32) -> {%s, i8}", b.data) > 0);
#if defined(__x86_64__)
  expect_path(sig, true);
#else
  expect_path(sig, false);
#endif
  rt_free(sig);
  rt_buf_free(&b);
  for (int i = 0; i < 40; i++)
    rt_buf_append_str(&b, i ? ", i64" : "i64");
  assert_true(rt_asprintf(&sig, "({%s}, {%s}) -> i32", b.data, b.data) > 0);
  expect_path(sig, false); /* 80 words */
  rt_free(sig);
  rt_buf_free(&b);
}

static void run_scalars(bool fast)
{
  use_path(fast);
  init_floats();
  check_paths();
#define RUN(name, T, m) scalar_##name();
  TT_SCALARS(RUN)
#undef RUN
#define RUN_EXT(name, T, m) ext_##name();
  TT_INTS(RUN_EXT)
#undef RUN_EXT
}

static void test_scalars_fast(void **state) { (void)state; run_scalars(true); }
static void test_scalars_ffi(void **state) { (void)state; run_scalars(false); }

/* ---- 1..32 arguments ------------------------------------------------- */

static void run_family(enum tt_family f)
{
  const struct tt_family_info *fam = &tt_families[f];
  for (int n = 1; n <= TT_MAX_ARITY; n++) {
    char *sig = tt_family_sig(f, n);
    rt_fn *fn = fn_new(fam->fn[n], sig);
    rt_value args[TT_MAX_ARITY], r;
    tt_family_values(f, n, args);
    call_ok(fn, args, (size_t)n, &r);
    size_t rsize = rt_type_size(rt_sig_ret(rt_fn_sig(fn)));
    uint64_t want = fam->call[n](fam->fn[n], args);
    if (value_bits(&r, rsize) != want)
      fail_msg("%s: rt_call gives %#llx, the C call %#llx", sig,
               (unsigned long long)value_bits(&r, rsize),
               (unsigned long long)want);
    rt_fn_free(fn);
    rt_free(sig);
  }
}

static void run_arities(bool fast)
{
  use_path(fast);
  for (int f = 0; f < TT_NFAMILIES; f++)
    run_family((enum tt_family)f);
}

static void test_arities_fast(void **state) { (void)state; run_arities(true); }
static void test_arities_ffi(void **state) { (void)state; run_arities(false); }

/* ---- structs ---------------------------------------------------------- */

static void run_byte_structs(void)
{
  for (int n = 1; n <= TT_MAX_BYTES; n++) {
    rt_buf b = RT_BUF_INIT;
    rt_buf_append_char(&b, '{');
    for (int i = 0; i < n; i++)
      rt_buf_append_str(&b, i ? ", u8" : "u8");
    rt_buf_append_char(&b, '}');
    char *sig = NULL;
    assert_true(rt_asprintf(&sig, "(%s, u8) -> %s", b.data, b.data) > 0);
    rt_fn *fn = fn_new(tt_bump[n], sig);
    assert_int_equal(rt_type_size(rt_sig_ret(rt_fn_sig(fn))), (size_t)n);
    uint8_t in[TT_MAX_BYTES], want[TT_MAX_BYTES];
    for (int i = 0; i < n; i++)
      in[i] = (uint8_t)(i * 37 + n);
    rt_value args[2] = {{RT_TYPE_STRUCT, 0, {.agg = in}},
                        {RT_TYPE_U8, 0, {.u8 = 200}}};
    rt_value r;
    call_ok(fn, args, 2, &r);
    tt_bump_direct[n](in, 200, want);
    assert_int_equal(r.kind, RT_TYPE_STRUCT);
    assert_true(r.flags & RT_VALUE_OWNED);
    assert_true(rt_heap_owns(r.v.agg));
    assert_memory_equal(r.v.agg, want, (size_t)n);
    rt_value_clear(&r);
    assert_null(r.v.agg);
    rt_fn_free(fn);
    rt_free(sig);
    rt_buf_free(&b);
  }
}

static char *format_value(const rt_type *t, const rt_value *v)
{
  rt_buf b = RT_BUF_INIT;
  if (rt_value_format(t, v, &b) != 0)
    fail_msg("format %s: %s", rt_type_name(t), rt_last_error());
  return rt_buf_detach(&b);
}

static void run_struct_case(const struct tt_struct_case *c)
{
  rt_fn *fn = fn_new(c->fn, c->sig);
  const rt_sig *s = rt_fn_sig(fn);
  size_t n = rt_sig_nargs(s);
  rt_value args[6];
  for (size_t i = 0; i < n; i++)
    if (rt_value_parse(rt_sig_arg(s, i), c->args[i], &args[i]) != 0)
      fail_msg("%s: argument %zu '%s': %s", c->sig, i + 1, c->args[i],
               rt_last_error());
  rt_value r;
  call_ok(fn, args, n, &r);
  const rt_type *rt = rt_sig_ret(s);
  void *want = calloc(1, rt_type_size(rt) + 8);
  c->direct(args, want);
  rt_value w = {rt_type_kind_of(rt), 0, {.agg = want}};
  if (rt_type_kind_of(rt) != RT_TYPE_STRUCT)
    memcpy(&w.v, want, rt_type_size(rt));
  char *got_text = format_value(rt, &r), *want_text = format_value(rt, &w);
  if (strcmp(got_text, want_text) != 0)
    fail_msg("%s: rt_call gives %s, the C call %s", c->sig, got_text,
             want_text);
  rt_free(got_text);
  rt_free(want_text);
  free(want);
  rt_value_clear(&r);
  for (size_t i = 0; i < n; i++)
    rt_value_clear(&args[i]);
  rt_fn_free(fn);
}

static void run_structs(bool fast)
{
  use_path(fast);
  run_byte_structs();
  for (size_t i = 0; i < tt_nstruct_cases; i++)
    run_struct_case(&tt_struct_cases[i]);
}

static void test_structs_fast(void **state) { (void)state; run_structs(true); }
static void test_structs_ffi(void **state) { (void)state; run_structs(false); }

/* ---- strings, void, no arguments --------------------------------------- */

static void run_strings(bool fast)
{
  use_path(fast);
  struct rt_heap_stats before, after;
  rt_heap_stats(&before);
  rt_fn *up = fn_new((vfn)tt_upper, "(str) -> str");
  rt_value a = {RT_TYPE_STR, 0, {.str = "Hello, World"}}, r;
  call_ok(up, &a, 1, &r);
  assert_int_equal(r.kind, RT_TYPE_STR);
  assert_string_equal(r.v.owned_str, "HELLO, WORLD");
  assert_true(rt_heap_owns(r.v.owned_str));
  assert_true(r.flags & RT_VALUE_OWNED);
  rt_value_clear(&r);
  assert_int_equal(r.kind, RT_TYPE_VOID);
  call_ok(up, &a, 1, NULL); /* discarded: the string is freed */
  rt_fn_free(up);

  rt_fn *cat = fn_new((vfn)tt_concat, "(str, i32, str) -> str");
  rt_value c[3] = {{RT_TYPE_STR, 0, {.str = "a"}},
                   {RT_TYPE_I32, 0, {.i32 = -42}},
                   {RT_TYPE_STR, 0, {.str = "b"}}};
  call_ok(cat, c, 3, &r);
  assert_string_equal(r.v.owned_str, "a-42b");
  rt_value_clear(&r);
  rt_fn_free(cat);

  rt_fn *len = fn_new((vfn)tt_strlen, "(str) -> size");
  call_ok(len, &a, 1, &r);
  assert_int_equal(r.v.size, 12);
  rt_fn_free(len);

  rt_fn *null = fn_new((vfn)tt_null_str, "() -> str");
  call_ok(null, NULL, 0, &r);
  assert_null(r.v.owned_str);
  assert_int_equal(r.flags, 0);
  rt_value_clear(&r);
  rt_fn_free(null);

  /* A callee breaking the rule (a literal, not a heap string): the result
   * is not owned, so clearing it does not hand foreign memory to rt_free. */
  rt_fn *lit = fn_new((vfn)tt_static_str, "() -> str");
  call_ok(lit, NULL, 0, &r);
  assert_string_equal(r.v.str, "static");
  assert_int_equal(r.flags, 0);
  rt_value_clear(&r);
  rt_fn_free(lit);
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
}

static void test_strings_fast(void **state) { (void)state; run_strings(true); }
static void test_strings_ffi(void **state) { (void)state; run_strings(false); }

static void run_void(bool fast)
{
  use_path(fast);
  rt_fn *set = fn_new((vfn)tt_set_counter, "(i32) -> void");
  rt_fn *get = fn_new((vfn)tt_get_counter, "(void) -> i32");
  rt_fn *pi = fn_new((vfn)tt_pi, "() -> f64");
  rt_fn *store = fn_new((vfn)tt_store_f64, "(ptr, f64) -> void");
  rt_value a = {RT_TYPE_I32, 0, {.i32 = -99}}, r;
  call_ok(set, &a, 1, &r);
  assert_int_equal(r.kind, RT_TYPE_VOID);
  call_ok(get, NULL, 0, &r);
  assert_int_equal(r.v.i32, -99);
  call_ok(pi, NULL, 0, &r);
  assert_true(r.v.f64 == tt_pi());
  double slot = 0;
  rt_value s[2] = {{RT_TYPE_PTR, 0, {.ptr = &slot}},
                   {RT_TYPE_F64, 0, {.f64 = -2.5}}};
  call_ok(store, s, 2, NULL);
  assert_true(slot == -2.5);
  rt_fn_free(set);
  rt_fn_free(get);
  rt_fn_free(pi);
  rt_fn_free(store);
}

static void test_void_fast(void **state) { (void)state; run_void(true); }
static void test_void_ffi(void **state) { (void)state; run_void(false); }

/* ---- errors ---------------------------------------------------------- */

/* A wrong tag at any position is refused before the call, by every
 * invoker family (integer shapes with a value, void or str result; each
 * floating shape; libffi), with the position named and RET untouched. */
static int never_calls;
static uint64_t never(void)
{
  never_calls++;
  return 0;
}

static rt_type_kind other_kind(rt_type_kind k)
{
  return k == RT_TYPE_F64 ? RT_TYPE_F32 : k == RT_TYPE_I64 ? RT_TYPE_U64
                                                            : RT_TYPE_F64;
}

static void run_tag_errors(bool fast)
{
  static const char *const sigs[] = {
      "(i32, u8, ptr) -> i32", "(i64, size) -> void", "(ptr) -> str",
      "(i8, i16, u32, u64, ssize, bool) -> char",
      "(f64, f64, f64) -> f64", "(f64, f64) -> f32", "(f32, f32, f32) -> f64",
      "(f32) -> f32", "(f64, f64, f64, f64, f64, f64, f64, f64) -> f64",
      "(i32, f64, ptr, i64, f32, u8) -> f64"};
  use_path(fast);
  for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) {
    rt_fn *fn = fn_new((vfn)never, sigs[k]);
    const rt_sig *sig = rt_fn_sig(fn);
    size_t n = rt_sig_nargs(sig);
    rt_value a[8];
    for (size_t p = 0; p < n; p++) {
      for (size_t i = 0; i < n; i++)
        a[i] = (rt_value){rt_type_kind_of(rt_sig_arg(sig, i)), 0, {0}};
      a[p].kind = other_kind(a[p].kind);
      rt_value r = {RT_TYPE_U8, 0, {.u8 = 7}};
      assert_int_equal(rt_call(fn, a, n, &r), RT_EINVAL);
      char want[64];
      snprintf(want, sizeof want, "argument %zu is %s, expected %s", p + 1,
               rt_type_kind_name(a[p].kind),
               rt_type_name(rt_sig_arg(sig, p)));
      if (strstr(rt_last_error(), want) == NULL)
        fail_msg("%s, argument %zu: '%s'", sigs[k], p + 1, rt_last_error());
      assert_int_equal(r.kind, RT_TYPE_U8);
      assert_int_equal(r.v.u8, 7);
    }
    rt_fn_free(fn);
  }
  assert_int_equal(never_calls, 0);
}

static void test_tag_errors_fast(void **state) { (void)state; run_tag_errors(true); }
static void test_tag_errors_ffi(void **state) { (void)state; run_tag_errors(false); }

static void test_argument_errors(void **state)
{
  (void)state;
  use_path(true);
  rt_fn *fn = fn_new((vfn)tt_ext_i32, "(i32, i32) -> i64");
  rt_value a[2] = {{RT_TYPE_I32, 0, {.i32 = 1}}, {RT_TYPE_F64, 0, {.f64 = 1}}};
  rt_value r = {RT_TYPE_U8, 0, {.u8 = 7}};
  assert_int_equal(rt_call(fn, a, 2, &r), RT_EINVAL);
  assert_string_equal(rt_last_error(), "rt_call (i32, i32) -> i64: argument 2 "
                                       "is f64, expected i32");
  assert_int_equal(r.v.u8, 7); /* untouched */
  assert_int_equal(rt_call(fn, a, 1, &r), RT_EINVAL);
  assert_string_equal(rt_last_error(), "rt_call (i32, i32) -> i64: 1 argument "
                                       "given, the signature takes 2");
  assert_int_equal(rt_call(fn, a, 3, &r), RT_EINVAL);
  assert_int_equal(rt_call(NULL, a, 2, &r), RT_EINVAL);
  assert_int_equal(rt_call(fn, NULL, 2, &r), RT_EINVAL);
  rt_fn_free(fn);

  fn = fn_new(tt_bump[2], "({u8, u8}, u8) -> {u8, u8}");
  rt_value s[2] = {{RT_TYPE_STRUCT, 0, {.agg = NULL}},
                   {RT_TYPE_U8, 0, {.u8 = 1}}};
  assert_int_equal(rt_call(fn, s, 2, &r), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "argument 1 ({u8, u8}) has no "
                                          "struct memory"));
  assert_int_equal(r.kind, RT_TYPE_U8); /* untouched */
  uint8_t mem[2] = {1, 2};
  s[0].v.agg = mem;
  rt_heap_fail_after(0);
  assert_int_equal(rt_call(fn, s, 2, &r), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_non_null(strstr(rt_last_error(), "struct result"));
  assert_int_equal(r.v.u8, 7);
  rt_fn_free(fn);

  rt_fn *out = NULL;
  assert_int_equal(rt_fn_new(NULL, "()->void", &out), RT_EINVAL);
  assert_null(out);
  assert_int_equal(rt_fn_new((vfn)tt_pi, "()->", &out), RT_ESIG);
  assert_null(out);
  assert_int_equal(rt_fn_new_sig((vfn)tt_pi, NULL, &out), RT_EINVAL);
  rt_fn_free(NULL);
}

static void test_shared_sig(void **state)
{
  (void)state;
  rt_sig *s = NULL;
  assert_int_equal(rt_sig_parse("(i32) -> i32", &s), 0);
  rt_fn *a, *b;
  assert_int_equal(rt_fn_new_sig((vfn)tt_id_i32, s, &a), 0);
  assert_int_equal(rt_fn_new_sig((vfn)tt_mid_i32, s, &b), 0);
  rt_sig_free(s); /* the functions keep it alive */
  assert_ptr_equal(rt_fn_sig(a), rt_fn_sig(b));
  assert_ptr_equal(rt_fn_ptr(a), (vfn)tt_id_i32);
  assert_string_equal(rt_sig_text(rt_fn_sig(b)), "(i32) -> i32");
  rt_value x = {RT_TYPE_I32, 0, {.i32 = 5}}, r;
  call_ok(a, &x, 1, &r);
  assert_int_equal(r.v.i32, 5);
  rt_fn_free(a);
  rt_fn_free(b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars_fast),
      cmocka_unit_test(test_scalars_ffi),
      cmocka_unit_test(test_arities_fast),
      cmocka_unit_test(test_arities_ffi),
      cmocka_unit_test(test_structs_fast),
      cmocka_unit_test(test_structs_ffi),
      cmocka_unit_test(test_strings_fast),
      cmocka_unit_test(test_strings_ffi),
      cmocka_unit_test(test_void_fast),
      cmocka_unit_test(test_void_ffi),
      cmocka_unit_test(test_argument_errors),
      cmocka_unit_test(test_tag_errors_fast),
      cmocka_unit_test(test_tag_errors_ffi),
      cmocka_unit_test(test_shared_sig),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
