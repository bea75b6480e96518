/* test_call_sig.c — signature parsing, canonical text, types and layout,
 * and clean RT_ESIG errors for malformed signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <runtime.h>

static rt_sig *parse_ok(const char *text)
{
  rt_sig *s = NULL;
  int rc = rt_sig_parse(text, &s);
  if (rc)
    fail_msg("'%s': %s", text, rt_last_error());
  return s;
}

static void expect_canonical(const char *text, const char *canon)
{
  rt_sig *s = parse_ok(text);
  assert_string_equal(rt_sig_text(s), canon);
  /* The canonical text parses to itself. */
  rt_sig *again = parse_ok(canon);
  assert_string_equal(rt_sig_text(again), canon);
  rt_sig_free(again);
  rt_sig_free(s);
}

static void test_canonical_text(void **state)
{
  (void)state;
  expect_canonical("(i32,i32)->i32", "(i32, i32) -> i32");
  expect_canonical("( i32 , i32 ) -> i32", "(i32, i32) -> i32");
  expect_canonical(" \t(i32,\ni32)\r\n->\ti32 ", "(i32, i32) -> i32");
  expect_canonical("()->void", "() -> void");
  expect_canonical("(void)->void", "() -> void");
  expect_canonical("( void ) -> void", "() -> void");
  expect_canonical("(str)->str", "(str) -> str");
  expect_canonical("({i32,f64},{{u8},ptr})->{f32}",
                   "({i32, f64}, {{u8}, ptr}) -> {f32}");
  expect_canonical("(bool,char,i8,u8,i16,u16,i32,u32,i64,u64,f32,f64,size,"
                   "ssize,ptr,str)->void",
                   "(bool, char, i8, u8, i16, u16, i32, u32, i64, u64, f32, "
                   "f64, size, ssize, ptr, str) -> void");
}

static void test_accessors(void **state)
{
  (void)state;
  rt_sig *s = parse_ok("(u8, {i32, f64}) -> str");
  assert_int_equal(rt_sig_nargs(s), 2);
  assert_int_equal(rt_type_kind_of(rt_sig_arg(s, 0)), RT_TYPE_U8);
  assert_int_equal(rt_type_kind_of(rt_sig_arg(s, 1)), RT_TYPE_STRUCT);
  assert_null(rt_sig_arg(s, 2));
  assert_int_equal(rt_type_kind_of(rt_sig_ret(s)), RT_TYPE_STR);
  assert_string_equal(rt_type_name(rt_sig_arg(s, 1)), "{i32, f64}");
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_type_format(rt_sig_arg(s, 1), &b), 0);
  assert_int_equal(rt_type_format(rt_sig_ret(s), &b), 0);
  assert_string_equal(b.data, "{i32, f64}str");
  rt_buf_free(&b);
  const rt_type *st = rt_sig_arg(s, 1);
  assert_int_equal(rt_type_nmembers(st), 2);
  assert_int_equal(rt_type_nmembers(rt_sig_arg(s, 0)), 0);
  assert_null(rt_type_member(st, 2));
  assert_null(rt_type_member(rt_sig_arg(s, 0), 0));
  assert_int_equal(rt_type_offset(st, 5), 0);
  assert_string_equal(rt_type_kind_name(RT_TYPE_SSIZE), "ssize");
  assert_string_equal(rt_type_kind_name(RT_TYPE_STRUCT), "struct");
  assert_string_equal(rt_type_kind_name((rt_type_kind)99), "?");
  rt_sig_free(s);
  rt_sig *v = parse_ok("() -> void");
  assert_int_equal(rt_sig_nargs(v), 0);
  assert_int_equal(rt_type_kind_of(rt_sig_ret(v)), RT_TYPE_VOID);
  assert_int_equal(rt_type_size(rt_sig_ret(v)), 0);
  rt_sig_free(v);
}

/* Layouts agree with the C compiler's. */
struct lay1 { char c; double d; int16_t s; };
struct lay2 { uint8_t a; struct { uint16_t x; uint8_t y; } in; float f; };
struct lay3 { uint8_t a, b, c; };
struct lay4 { int64_t l; char c; };

static void check_layout(const char *sig, size_t size, size_t align,
                         const size_t *offs, size_t n)
{
  rt_sig *s = parse_ok(sig);
  const rt_type *t = rt_sig_ret(s);
  assert_int_equal(rt_type_size(t), size);
  assert_int_equal(rt_type_align(t), align);
  assert_int_equal(rt_type_nmembers(t), n);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(rt_type_offset(t, i), offs[i]);
  rt_sig_free(s);
}

static void test_struct_layout(void **state)
{
  (void)state;
  size_t o1[] = {offsetof(struct lay1, c), offsetof(struct lay1, d),
                 offsetof(struct lay1, s)};
  check_layout("() -> {char, f64, i16}", sizeof(struct lay1),
               _Alignof(struct lay1), o1, 3);
  size_t o2[] = {offsetof(struct lay2, a), offsetof(struct lay2, in),
                 offsetof(struct lay2, f)};
  check_layout("() -> {u8, {u16, u8}, f32}", sizeof(struct lay2),
               _Alignof(struct lay2), o2, 3);
  size_t o3[] = {0, 1, 2};
  check_layout("() -> {u8, u8, u8}", sizeof(struct lay3), 1, o3, 3);
  size_t o4[] = {0, offsetof(struct lay4, c)};
  check_layout("() -> {i64, char}", sizeof(struct lay4),
               _Alignof(struct lay4), o4, 2);
  rt_sig *s = parse_ok("(bool, char, i16, u32, u64, f32, f64, size, ssize, "
                       "ptr, str) -> void");
  const size_t sizes[] = {sizeof(bool), 1, 2, 4, 8, 4, 8, sizeof(size_t),
                          sizeof(ssize_t), sizeof(void *), sizeof(char *)};
  for (size_t i = 0; i < 11; i++)
    assert_int_equal(rt_type_size(rt_sig_arg(s, i)), sizes[i]);
  rt_sig_free(s);
}

static char *many_args(int n)
{
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_char(&b, '(');
  for (int i = 0; i < n; i++)
    rt_buf_append_str(&b, i ? ",i32" : "i32");
  rt_buf_append_str(&b, ")->void");
  return rt_buf_detach(&b);
}

static void test_argument_limit(void **state)
{
  (void)state;
  char *t32 = many_args(32), *tmax = many_args(RT_SIG_MAX_ARGS),
       *tover = many_args(RT_SIG_MAX_ARGS + 1);
  rt_sig *s = parse_ok(t32);
  assert_int_equal(rt_sig_nargs(s), 32);
  rt_sig_free(s);
  s = parse_ok(tmax);
  assert_int_equal(rt_sig_nargs(s), RT_SIG_MAX_ARGS);
  rt_sig_free(s);
  assert_int_equal(rt_sig_parse(tover, &s), RT_ESIG);
  assert_null(s);
  assert_non_null(strstr(rt_last_error(), "more than 64 arguments at column "
                                          "258"));
  rt_free(t32);
  rt_free(tmax);
  rt_free(tover);
}

static void test_refcount_and_nulls(void **state)
{
  (void)state;
  rt_sig *s = parse_ok("(i32) -> i32");
  assert_ptr_equal(rt_sig_ref(s), s);
  rt_sig_free(s);
  assert_string_equal(rt_sig_text(s), "(i32) -> i32"); /* still alive */
  rt_sig_free(s);
  rt_sig_free(NULL);
  assert_int_equal(rt_sig_parse(NULL, &s), RT_EINVAL);
  assert_null(s);
  assert_non_null(strstr(rt_last_error(), "TEXT is NULL"));
  assert_int_equal(rt_sig_parse("()->void", NULL), RT_EINVAL);
}

static void test_parse_out_of_memory(void **state)
{
  (void)state;
  const char *text = "({i32, {u8, f64}}, {u16}) -> {ptr, {str}}";
  struct rt_heap_stats before, after;
  rt_heap_stats(&before);
  /* Fail each allocation the parse makes in turn: a clean RT_ENOMEM every
   * time, and nothing left allocated. */
  for (long k = 0; k < 32; k++) {
    rt_sig *s = NULL;
    rt_heap_fail_after(k);
    int rc = rt_sig_parse(text, &s);
    rt_heap_fail_after(-1);
    if (rc == 0) {
      assert_true(k > 2);
      rt_sig_free(s);
      break;
    }
    assert_int_equal(rc, RT_ENOMEM);
    assert_null(s);
  }
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
}

/* Malformed signatures: each a clean RT_ESIG naming the column. */
struct bad_sig {
  const char *text;
  int column;
  const char *says;
};

static const struct bad_sig bad_sigs[] = {
    {"", 1, "expected '('"},
    {"   ", 4, "expected '('"},
    {"i32", 1, "expected '('"},
    {"i32 -> i32", 1, "expected '('"},
    {"{i32}->i32", 1, "expected '('"},
    {")->void", 1, "expected '('"},
    {"(", 2, "expected a type"},
    {"(i32", 5, "expected ',' or ')'"},
    {"(i32, i32", 10, "expected ',' or ')'"},
    {"(i32 i32)->i32", 6, "expected ',' or ')'"},
    {"(i32;i32)->i32", 5, "expected ',' or ')'"},
    {"(i32})->void", 5, "expected ',' or ')'"},
    {"(i32,)->i32", 6, "expected a type"},
    {"(,i32)->i32", 2, "expected a type"},
    {"(i32,,i32)->i32", 6, "expected a type"},
    {"((i32))->void", 2, "expected a type"},
    {"(\xff)->void", 2, "expected a type"},
    {"(i32)", 6, "expected '->'"},
    {"(i32)-i32", 6, "expected '->'"},
    {"(i32)>i32", 6, "expected '->'"},
    {"(i32) => i32", 7, "expected '->'"},
    {"(ptr)-->ptr", 6, "expected '->'"},
    {"(char*)->void", 6, "expected ',' or ')'"},
    {"(i32)->", 8, "expected a type"},
    {"(i32)\n->\n", 10, "expected a type"},
    {"(i32)->(i32)", 8, "expected a type"},
    {"(i32)->-> i32", 8, "expected a type"},
    {"(i32)->{}", 9, "expected a type"},
    {"(i32)->i32 extra", 12, "expected end of text"},
    {"(i32)->i32->i32", 11, "expected end of text"},
    {"(i32)-> void void", 14, "expected end of text"},
    {"(i32)->ptr*", 11, "expected end of text"},
    {"(i32)->void;", 12, "expected end of text"},
    {"(i32)->void)", 12, "expected end of text"},
    {"(i33)->void", 2, "unknown type 'i33'"},
    {"(int)->void", 2, "unknown type 'int'"},
    {"(I32)->void", 2, "unknown type 'I32'"},
    {"(const char)->void", 2, "unknown type 'const'"},
    {"(i 32)->void", 2, "unknown type 'i'"},
    {"(_)->void", 2, "unknown type '_'"},
    {"(u8 )-> u", 9, "unknown type 'u'"},
    {"(f64)->f", 8, "unknown type 'f'"},
    {"(str)->string", 8, "unknown type 'string'"},
    {"(bool,char,i8,u8,i16,u16,i32,u32,i64,u64,f32,f64,size,ssize,ptr,str,"
     "x)->void",
     69, "unknown type 'x'"},
    {"(void, i32)->void", 2, "void is only allowed"},
    {"(void void)->i32", 2, "void is only allowed"},
    {"(i32, void)->void", 7, "void is only allowed"},
    {"({void})->void", 3, "void is only allowed"},
    {"(i32)->{void}", 9, "void is only allowed"},
    {"({})->void", 3, "expected a type"},
    {"({i32)->void", 6, "expected ',' or '}'"},
    {"({i32 f64})->void", 7, "expected ',' or '}'"},
    {"({i32,})->void", 7, "expected a type"},
    {"(i32)->{i32", 12, "expected ',' or '}'"},
    {"(i32)->{i32,}", 13, "expected a type"},
    {"(i32, {i32, {f64, }})->void", 19, "expected a type"},
    {"({{{{{{{{{{{{{{{{{i8}}}}}}}}}}}}}}}}})->void", 18,
     "structs nested more than 16 deep"},
};

static void test_malformed_signatures(void **state)
{
  (void)state;
  size_t n = sizeof bad_sigs / sizeof *bad_sigs;
  assert_true(n >= 50);
  for (size_t i = 0; i < n; i++) {
    const struct bad_sig *b = &bad_sigs[i];
    rt_sig *s = (rt_sig *)&s;
    char col[64], quoted[256];
    snprintf(col, sizeof col, "at column %d", b->column);
    snprintf(quoted, sizeof quoted, "in '%s'", b->text);
    int rc = rt_sig_parse(b->text, &s);
    const char *msg = rt_last_error();
    if (rc != RT_ESIG || s != NULL || !strstr(msg, col) ||
        !strstr(msg, b->says) ||
        !strstr(msg, quoted))
      fail_msg("'%s': rc %d, message \"%s\"; wanted column %d, \"%s\"",
               b->text, rc, msg, b->column, b->says);
    assert_int_equal(rt_last_error_code(), RT_ESIG);
  }
}

/* The grammar is ASCII in every locale: in an 8-bit one (de_DE is
 * ISO-8859-1), where isalnum() is true for the byte of 'ä', that byte
 * still ends a type name, as in the C locale. */
static void test_signatures_ascii_in_8bit_locale(void **state)
{
  (void)state;
  static const char *const texts[] = {"(i32\xe4)->void", "(void\xe4)->void",
                                      "({i8, f64\xe4})->void"};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    rt_sig *s = NULL;
    assert_int_equal(rt_sig_parse(texts[i], &s), RT_ESIG);
    char in_c[512];
    snprintf(in_c, sizeof in_c, "%s", rt_last_error());
    if (!setlocale(LC_ALL, "de_DE"))
      fail_msg("locale de_DE (ISO-8859-1) is not installed (Debian: "
               "locales-all)");
    assert_true(isalnum(0xe4)); /* really in effect */
    int rc = rt_sig_parse(texts[i], &s);
    setlocale(LC_ALL, "C");
    assert_int_equal(rc, RT_ESIG);
    assert_null(s);
    assert_string_equal(rt_last_error(), in_c);
  }
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
      cmocka_unit_test(test_canonical_text),
      cmocka_unit_test(test_accessors),
      cmocka_unit_test(test_struct_layout),
      cmocka_unit_test(test_argument_limit),
      cmocka_unit_test(test_refcount_and_nulls),
      cmocka_unit_test(test_parse_out_of_memory),
      cmocka_unit_test(test_malformed_signatures),
      cmocka_unit_test_teardown(test_signatures_ascii_in_8bit_locale,
                                c_locale),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
