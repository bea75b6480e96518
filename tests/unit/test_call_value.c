/* test_call_value.c — argument text parsing and result formatting by the
 * pinned text forms, and the round trip of printed floats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include <runtime.h>

/* Types come from a signature; keep one with every type we need. */
static rt_sig *types;
enum { T_BOOL, T_CHAR, T_I8, T_U8, T_I16, T_U16, T_I32, T_U32, T_I64, T_U64,
       T_F32, T_F64, T_SIZE, T_SSIZE, T_PTR, T_STR, T_S2, T_NEST, T_SSTR,
       T_VOID };

static int setup(void **state)
{
  (void)state;
  return rt_sig_parse("(bool, char, i8, u8, i16, u16, i32, u32, i64, u64, "
                      "f32, f64, size, ssize, ptr, str, {i32, f64}, "
                      "{{i8, u16}, f32, {char}}, {str, u8, str}) -> void",
                      &types);
}

static int teardown(void **state)
{
  (void)state;
  rt_sig_free(types);
  return 0;
}

static const rt_type *ty(int i)
{
  return i == T_VOID ? rt_sig_ret(types) : rt_sig_arg(types, (size_t)i);
}

/* Parse TEXT as type I and format it back. */
static char *reprint(int i, const char *text)
{
  rt_value v;
  if (rt_value_parse(ty(i), text, &v) != 0)
    fail_msg("parse '%s' as %s: %s", text, rt_type_name(ty(i)),
             rt_last_error());
  assert_int_equal(v.kind, rt_type_kind_of(ty(i)));
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_value_format(ty(i), &v, &b), 0);
  rt_value_clear(&v);
  return rt_buf_detach(&b);
}

static void expect_round(int i, const char *text, const char *printed)
{
  char *s = reprint(i, text);
  if (strcmp(s, printed) != 0)
    fail_msg("'%s' as %s prints '%s', expected '%s'", text,
             rt_type_name(ty(i)), s, printed);
  rt_free(s);
}

static void expect_error(int i, const char *text, int code, const char *msg)
{
  rt_value v = {RT_TYPE_I32, 0, {.i32 = 5}};
  int rc = rt_value_parse(ty(i), text, &v);
  if (rc != code || !strstr(rt_last_error(), msg))
    fail_msg("'%s' as %s: rc %d '%s'; expected %d '%s'", text,
             rt_type_name(ty(i)), rc, rt_last_error(), code, msg);
  assert_int_equal(v.kind, RT_TYPE_VOID);
  assert_int_equal(v.flags, 0);
}

static void test_integers(void **state)
{
  (void)state;
  expect_round(T_I32, "42", "42");
  expect_round(T_I32, "-42", "-42");
  expect_round(T_I32, "+7", "7");
  expect_round(T_I32, " 12 ", "12");
  expect_round(T_I32, "0x7fffffff", "2147483647");
  expect_round(T_I32, "-0x80000000", "-2147483648");
  expect_round(T_I32, "010", "10"); /* decimal, not octal */
  expect_round(T_I8, "-128", "-128");
  expect_round(T_I8, "127", "127");
  expect_round(T_U8, "255", "255");
  expect_round(T_U8, "0xFF", "255");
  expect_round(T_U8, "-0", "0");
  expect_round(T_I16, "-32768", "-32768");
  expect_round(T_U16, "65535", "65535");
  expect_round(T_U32, "4294967295", "4294967295");
  expect_round(T_I64, "-9223372036854775808", "-9223372036854775808");
  expect_round(T_I64, "9223372036854775807", "9223372036854775807");
  expect_round(T_U64, "18446744073709551615", "18446744073709551615");
  expect_round(T_U64, "0xffffffffffffffff", "18446744073709551615");
  expect_round(T_SIZE, "0x10", "16");
  expect_round(T_SSIZE, "-1", "-1");
  expect_error(T_U8, "300", RT_ERANGE, "'300' is out of range for u8 (0..255)");
  expect_error(T_U8, "256", RT_ERANGE, "out of range for u8 (0..255)");
  expect_error(T_U8, "-1", RT_ERANGE, "'-1' is out of range for u8 (0..255)");
  expect_error(T_I8, "128", RT_ERANGE, "'128' is out of range for i8 "
                                       "(-128..127)");
  expect_error(T_I8, "-129", RT_ERANGE, "(-128..127)");
  expect_error(T_I32, "2147483648", RT_ERANGE, "(-2147483648..2147483647)");
  expect_error(T_U64, "18446744073709551616", RT_ERANGE,
               "out of range for u64 (0..18446744073709551615)");
  expect_error(T_I64, "-9223372036854775809", RT_ERANGE, "for i64");
  expect_error(T_U32, "0x100000000", RT_ERANGE, "u32 (0..4294967295)");
  expect_error(T_I32, "abc", RT_ETYPE, "'abc' is not a valid i32 (expected a "
                                       "decimal or 0x hex integer)");
  expect_error(T_I32, "", RT_ETYPE, "not a valid i32");
  expect_error(T_I32, "0x", RT_ETYPE, "not a valid i32");
  expect_error(T_I32, "1.5", RT_ETYPE, "not a valid i32");
  expect_error(T_I32, "12abc", RT_ETYPE, "not a valid i32");
  expect_error(T_I32, "--1", RT_ETYPE, "not a valid i32");
  expect_error(T_I32, "1 2", RT_ETYPE, "not a valid i32");
  expect_error(T_U16, "0xg", RT_ETYPE, "not a valid u16");
}

static void test_floats(void **state)
{
  (void)state;
  expect_round(T_F64, "0.1", "0.1");
  expect_round(T_F64, "1.5", "1.5");
  expect_round(T_F64, "-2.5e-3", "-0.0025");
  expect_round(T_F64, "100000", "100000");
  expect_round(T_F64, "3", "3");
  expect_round(T_F64, "1e300", "1e+300");
  expect_round(T_F64, "1e16", "1e+16");
  expect_round(T_F64, "0.0001", "0.0001");
  expect_round(T_F64, "0.00001", "1e-05");
  expect_round(T_F64, "123456789012345678", "1.2345678901234568e+17");
  expect_round(T_F64, "-0", "-0");
  expect_round(T_F64, "0", "0");
  expect_round(T_F64, "nan", "nan");
  expect_round(T_F64, "-nan", "nan");
  expect_round(T_F64, "NaN", "nan");
  expect_round(T_F64, "inf", "inf");
  expect_round(T_F64, "-inf", "-inf");
  expect_round(T_F64, "Infinity", "inf");
  expect_round(T_F64, "0x1p-2", "0.25");
  expect_round(T_F64, "0x1.8p1", "3");
  expect_round(T_F64, "4.9406564584124654e-324", "5e-324"); /* denormal */
  expect_round(T_F64, "2.2250738585072009e-308", "2.225073858507201e-308");
  expect_round(T_F64, "1.7976931348623157e308", "1.7976931348623157e+308");
  expect_round(T_F64, "1e-400", "0"); /* underflow: nearest value */
  expect_round(T_F32, "0.1", "0.1");
  expect_round(T_F32, "16777217", "16777216");
  expect_round(T_F32, "3.4028235e38", "3.4028235e+38");
  expect_round(T_F32, "1e-45", "1e-45"); /* denormal */
  expect_round(T_F32, "-0", "-0");
  expect_round(T_F32, "inf", "inf");
  expect_error(T_F64, "1e999", RT_ERANGE, "'1e999' is out of range for f64");
  expect_error(T_F32, "1e39", RT_ERANGE, "'1e39' is out of range for f32");
  expect_error(T_F64, "abc", RT_ETYPE, "'abc' is not a valid f64");
  expect_error(T_F64, "", RT_ETYPE, "not a valid f64");
  expect_error(T_F64, "1.5x", RT_ETYPE, "not a valid f64");
  expect_error(T_F32, "1,5", RT_ETYPE, "not a valid f32");
}

/* Printed floats read back as the same value, bit for bit. */
static void test_float_round_trip(void **state)
{
  (void)state;
  uint64_t x = 0x243f6a8885a308d3ull;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    float f;
    uint32_t fb = (uint32_t)(x >> 32);
    memcpy(&d, &x, sizeof d);
    memcpy(&f, &fb, sizeof f);
    if (isnan(d) || isnan(f))
      continue;
    rt_value v = {RT_TYPE_F64, 0, {.f64 = d}}, back;
    rt_buf b = RT_BUF_INIT;
    assert_int_equal(rt_value_format(ty(T_F64), &v, &b), 0);
    assert_int_equal(rt_value_parse(ty(T_F64), b.data, &back), 0);
    if (memcmp(&back.v.f64, &d, sizeof d) != 0)
      fail_msg("%a printed as '%s' reads back as %a", d, b.data, back.v.f64);
    rt_buf_clear(&b);
    v.kind = RT_TYPE_F32;
    v.v.f32 = f;
    assert_int_equal(rt_value_format(ty(T_F32), &v, &b), 0);
    assert_int_equal(rt_value_parse(ty(T_F32), b.data, &back), 0);
    if (memcmp(&back.v.f32, &f, sizeof f) != 0)
      fail_msg("%a printed as '%s' reads back as %a", (double)f, b.data,
               (double)back.v.f32);
    rt_buf_free(&b);
  }
}

static void test_bool_char_ptr_str(void **state)
{
  (void)state;
  const char *yes[] = {"true", "TRUE", "yes", "Yes", "1"};
  const char *no[] = {"false", "False", "no", "NO", "0"};
  for (int i = 0; i < 5; i++) {
    expect_round(T_BOOL, yes[i], "true");
    expect_round(T_BOOL, no[i], "false");
  }
  expect_error(T_BOOL, "2", RT_ETYPE, "'2' is not a valid bool (expected "
                                      "true, false, yes, no, 1 or 0)");
  expect_error(T_BOOL, "on", RT_ETYPE, "not a valid bool");
  expect_round(T_CHAR, "a", "a");
  expect_round(T_CHAR, " ", " ");
  expect_round(T_CHAR, "7", "7");
  expect_round(T_CHAR, "65", "A");
  expect_round(T_CHAR, "0x41", "A");
  expect_error(T_CHAR, "256", RT_ERANGE, "'256' is out of range for char "
                                         "(0..255)");
  expect_error(T_CHAR, "ab", RT_ETYPE, "'ab' is not a valid char (expected "
                                       "one character or a decimal code");
  expect_error(T_CHAR, "-1", RT_ETYPE, "not a valid char");
  expect_error(T_CHAR, "", RT_ETYPE, "not a valid char");
  expect_round(T_PTR, "NULL", "0x0");
  expect_round(T_PTR, "null", "0x0");
  expect_round(T_PTR, "0", "0x0");
  expect_round(T_PTR, "0xdeadbeef", "0xdeadbeef");
  expect_round(T_PTR, "4096", "0x1000");
  expect_round(T_PTR, "0xffffffffffffffff", "0xffffffffffffffff");
  expect_error(T_PTR, "-1", RT_ETYPE, "'-1' is not a valid ptr (expected 0x "
                                      "hex, decimal or NULL)");
  expect_error(T_PTR, "0x10000000000000000", RT_ERANGE, "out of range for ptr");
  expect_error(T_PTR, "nil", RT_ETYPE, "not a valid ptr");
  expect_round(T_STR, "hello world", "hello world");
  expect_round(T_STR, "  spaced, {kept}  ", "  spaced, {kept}  ");
  expect_round(T_STR, "", "");
  rt_value v;
  assert_int_equal(rt_value_parse(ty(T_STR), "x", &v), 0);
  assert_true(v.flags & RT_VALUE_OWNED);
  rt_value_clear(&v);
  rt_value n = {RT_TYPE_STR, 0, {.str = NULL}};
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_value_format(ty(T_STR), &n, &b), 0);
  assert_string_equal(b.data, "NULL");
  rt_buf_free(&b);
}

static void test_structs(void **state)
{
  (void)state;
  expect_round(T_S2, "{1,2.5}", "{1, 2.5}");
  expect_round(T_S2, " { -1 , 0x10 } ", "{-1, 16}");
  expect_round(T_S2, "{2147483647, nan}", "{2147483647, nan}");
  expect_round(T_NEST, "{{1,2},3.5,{z}}", "{{1, 2}, 3.5, {z}}");
  expect_round(T_NEST, "{{-128, 65535}, -0, {66}}", "{{-128, 65535}, -0, {B}}");
  expect_round(T_SSTR, "{hello world, 7, x}", "{hello world, 7, x}");
  /* A char member the struct syntax cannot carry prints as its code, so
   * the printed struct reads back (found by fuzz_value: a form feed). */
  expect_round(T_NEST, "{{1,2},3.5,{12}}", "{{1, 2}, 3.5, {12}}");
  expect_round(T_NEST, "{{1,2},3.5,{32}}", "{{1, 2}, 3.5, {32}}");
  expect_round(T_NEST, "{{1,2},3.5,{44}}", "{{1, 2}, 3.5, {44}}");
  expect_round(T_NEST, "{{1,2},3.5,{0x7b}}", "{{1, 2}, 3.5, {123}}");
  expect_round(T_NEST, "{{1,2},3.5,{0x7d}}", "{{1, 2}, 3.5, {125}}");
  expect_round(T_NEST, "{{1,2},3.5,{0}}", "{{1, 2}, 3.5, {0}}");
  expect_round(T_NEST, "{{1, 2}, 3.5, {32}}", "{{1, 2}, 3.5, {32}}");
  rt_value v;
  assert_int_equal(rt_value_parse(ty(T_S2), "{3, 0.5}", &v), 0);
  assert_int_equal(v.kind, RT_TYPE_STRUCT);
  assert_true(v.flags & RT_VALUE_OWNED);
  const rt_type *t = ty(T_S2);
  int32_t i;
  double d;
  memcpy(&i, (char *)v.v.agg + rt_type_offset(t, 0), sizeof i);
  memcpy(&d, (char *)v.v.agg + rt_type_offset(t, 1), sizeof d);
  assert_int_equal(i, 3);
  assert_true(d == 0.5);
  rt_value_clear(&v);
  expect_error(T_S2, "{1}", RT_ETYPE, "'{1}' is not a valid {i32, f64}: "
                                      "expected ',' at column 3");
  expect_error(T_S2, "{1,2,3}", RT_ETYPE, "expected '}' at column 5");
  expect_error(T_S2, "1,2", RT_ETYPE, "expected '{' at column 1");
  expect_error(T_S2, "{1,2} x", RT_ETYPE, "expected end of text at column 7");
  expect_error(T_S2, "{1,2", RT_ETYPE, "expected '}' at column 5");
  expect_error(T_S2, "{x,2}", RT_ETYPE, "member 1 of {i32, f64}: 'x' is not "
                                        "a valid i32");
  expect_error(T_NEST, "{{1,70000},2,{a}}", RT_ERANGE,
               "member 1 of {{i8, u16}, f32, {char}}: member 2 of {i8, u16}: "
               "'70000' is out of range for u16");
  expect_error(T_NEST, "{{1,2},2,{ab}}", RT_ETYPE, "member 1 of {char}");
  expect_error(T_NEST, "{1,2,{a}}", RT_ETYPE, "expected '{' at column 2");
}

static void test_format_errors(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rt_value v = {RT_TYPE_I32, 0, {.i32 = 1}};
  assert_int_equal(rt_value_format(ty(T_U8), &v, &b), RT_ETYPE);
  assert_string_equal(rt_last_error(), "rt_value_format: the value is i32, "
                                       "expected u8");
  assert_int_equal(rt_value_format(NULL, &v, &b), RT_EINVAL);
  assert_int_equal(rt_value_format(ty(T_I32), NULL, &b), RT_EINVAL);
  rt_value s = {RT_TYPE_STRUCT, 0, {.agg = NULL}};
  assert_int_equal(rt_value_format(ty(T_S2), &s, &b), RT_EINVAL);
  rt_value none = RT_VALUE_INIT;
  assert_int_equal(rt_value_format(ty(T_VOID), &none, &b), 0);
  assert_int_equal(b.len, 0);
  rt_buf_free(&b);
  expect_error(T_VOID, "1", RT_EINVAL, "void has no values");
  assert_int_equal(rt_value_parse(ty(T_I32), NULL, &v), RT_EINVAL);
  assert_int_equal(rt_value_parse(NULL, "1", &v), RT_EINVAL);
  assert_int_equal(rt_value_parse(ty(T_I32), "1", NULL), RT_EINVAL);
  rt_value_clear(NULL);
}

static void test_parse_out_of_memory(void **state)
{
  (void)state;
  rt_value v;
  rt_heap_fail_after(0);
  assert_int_equal(rt_value_parse(ty(T_SSTR), "{a, 1, b}", &v), RT_ENOMEM);
  assert_int_equal(rt_value_parse(ty(T_STR), "abc", &v), RT_ENOMEM);
  assert_int_equal(rt_value_parse(ty(T_I32), "1", &v), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_int_equal(v.kind, RT_TYPE_VOID);
}

/* Text is the C locale's whatever the process's locale is: under
 * de_DE.UTF-8 (decimal comma) "2.5" still parses and 1.25 prints "1.25",
 * in structs too, and the process's locale is left as it was. */
static void test_locale_independent(void **state)
{
  (void)state;
  if (!setlocale(LC_ALL, "de_DE.UTF-8"))
    fail_msg("locale de_DE.UTF-8 is not installed (Debian: locales-all)");
  char probe[16];
  snprintf(probe, sizeof probe, "%.2f", 1.25);
  assert_string_equal(probe, "1,25"); /* the locale is really in effect */
  expect_round(T_F64, "2.5", "2.5");
  expect_round(T_F64, "-1.25e-3", "-0.00125");
  expect_round(T_F32, "0.1", "0.1");
  expect_round(T_F64, "0x1.8p1", "3");
  expect_round(T_S2, "{7, 1.5}", "{7, 1.5}");
  expect_error(T_F64, "2,5", RT_ETYPE, "not a valid f64");
  rt_value v = {RT_TYPE_F64, 0, {.f64 = 1.25}};
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_value_format(ty(T_F64), &v, &b), 0);
  assert_string_equal(b.data, "1.25");
  rt_buf_free(&b);
  snprintf(probe, sizeof probe, "%.2f", 1.25);
  assert_string_equal(probe, "1,25"); /* still the process's locale */
  setlocale(LC_ALL, "C");
}

/* Under tr_TR.UTF-8, where strcasecmp("INF", "inf") is not 0 (I folds
 * to a dotless i), words are still read without regard to ASCII case. */
static void test_turkish_locale_words(void **state)
{
  (void)state;
  if (!setlocale(LC_ALL, "tr_TR.UTF-8"))
    fail_msg("locale tr_TR.UTF-8 is not installed (Debian: locales-all)");
  /* In effect: i has no one-byte capital.  (Not strcasecmp: the
   * sanitizers replace it with an ASCII one of their own.) */
  assert_int_equal(toupper('i'), 'i');
  expect_round(T_F64, "INF", "inf");
  expect_round(T_F64, "-Infinity", "-inf");
  expect_round(T_F32, "+INFINITY", "inf");
  expect_round(T_F64, "NaN", "nan");
  expect_round(T_BOOL, "YES", "true");
  expect_round(T_BOOL, "FALSE", "false");
  expect_round(T_PTR, "null", "0x0");
  expect_round(T_I32, "0XFF", "255");
  expect_error(T_F64, "1e999", RT_ERANGE, "is out of range for f64");
}

/* Whatever a locale test left: the C locale again. */
static int c_locale(void **state)
{
  (void)state;
  setlocale(LC_ALL, "C");
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_integers),
      cmocka_unit_test(test_floats),
      cmocka_unit_test(test_float_round_trip),
      cmocka_unit_test(test_bool_char_ptr_str),
      cmocka_unit_test(test_structs),
      cmocka_unit_test(test_format_errors),
      cmocka_unit_test(test_parse_out_of_memory),
      cmocka_unit_test(test_locale_independent),
      cmocka_unit_test_teardown(test_turkish_locale_words, c_locale),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
