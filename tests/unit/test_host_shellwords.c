/* test_host_shellwords.c — the tokenizer of `rthost shell` lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "host/shellwords.h"

/* Split LINE and compare with the NULL-terminated list WANT. */
static void expect_words(const char *line, const char *const *want)
{
  char **argv;
  size_t argc, n = 0;
  assert_int_equal(rthost_split_line(line, &argv, &argc, NULL), 0);
  while (want[n] != NULL)
    n++;
  assert_int_equal(argc, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(argv[i], want[i]);
  assert_null(argv[argc]);
  rt_free(argv);
}

static void test_plain_words(void **state)
{
  (void)state;
  expect_words("call mathx.add 2 3",
               (const char *[]){"call", "mathx.add", "2", "3", NULL});
  expect_words("  \tlist\r\n", (const char *[]){"list", NULL});
  expect_words("a  b\t\tc", (const char *[]){"a", "b", "c", NULL});
}

static void test_blank_line(void **state)
{
  (void)state;
  expect_words("", (const char *[]){NULL});
  expect_words(" \t \r\n", (const char *[]){NULL});
}

static void test_quotes_group(void **state)
{
  (void)state;
  expect_words("call strings.upper \"hello world\"",
               (const char *[]){"call", "strings.upper", "hello world", NULL});
  expect_words("a\"b c\"d", (const char *[]){"ab cd", NULL});
  expect_words("\"\" x \"\"", (const char *[]){"", "x", "", NULL});
  expect_words("\"  \"", (const char *[]){"  ", NULL});
}

static void test_escapes(void **state)
{
  (void)state;
  expect_words("\"say \\\"hi\\\"\"", (const char *[]){"say \"hi\"", NULL});
  expect_words("\\\"bare\\\"", (const char *[]){"\"bare\"", NULL});
  expect_words("\"back\\\\slash\"", (const char *[]){"back\\slash", NULL});
  /* Outside quotes a backslash escapes any character, as in sh. */
  expect_words("C:\\\\dir \\n", (const char *[]){"C:\\dir", "n", NULL});
  expect_words("a\\ b c", (const char *[]){"a b", "c", NULL});
  expect_words("\\'x\\'", (const char *[]){"'x'", NULL});
  /* An escaped quote does not open a group. */
  expect_words("a\\\" b", (const char *[]){"a\"", "b", NULL});
  /* Inside double quotes it escapes only " \ $ `; others stay. */
  expect_words("\"\\$HOME \\` \\n \\x\"",
               (const char *[]){"$HOME ` \\n \\x", NULL});
}

static void test_single_quotes(void **state)
{
  (void)state;
  expect_words("'two words'", (const char *[]){"two words", NULL});
  /* Nothing is special inside: not a backslash, not a double quote. */
  expect_words("'a\\b \"c\"'", (const char *[]){"a\\b \"c\"", NULL});
  expect_words("'' x", (const char *[]){"", "x", NULL});
  expect_words("it'\"'s", (const char *[]){"it\"s", NULL});
  expect_words("'it'\\''s'", (const char *[]){"it's", NULL});
  char **argv;
  size_t argc;
  rt_buf err = RT_BUF_INIT;
  assert_int_equal(rthost_split_line("call x 'open", &argv, &argc, &err),
                   RT_EINVAL);
  assert_null(argv);
  assert_string_equal(rt_buf_cstr(&err),
                      "unterminated single quote opened at column 8");
  assert_non_null(strstr(rt_last_error(), "close it with '"));
  rt_buf_free(&err);
}

static void test_trailing_backslash(void **state)
{
  (void)state;
  char **argv;
  size_t argc;
  rt_buf err = RT_BUF_INIT;
  assert_int_equal(rthost_split_line("x \\", &argv, &argc, &err), RT_EINVAL);
  assert_null(argv);
  assert_int_equal(argc, 0);
  assert_string_equal(rt_buf_cstr(&err),
                      "a backslash ends the line at column 3");
  rt_buf_free(&err);
  expect_words("x \\\\", (const char *[]){"x", "\\", NULL});
}

static void test_nul_byte(void **state)
{
  (void)state;
  rt_buf err = RT_BUF_INIT;
  static const char line[] = "call types.slen \"ab\0cd\"\n";
  assert_int_equal(rthost_check_line(line, sizeof line - 1, &err), RT_EINVAL);
  assert_string_equal(rt_buf_cstr(&err),
                      "the line has a NUL byte at column 20");
  assert_non_null(strstr(rt_last_error(), "NUL byte at column 20"));
  rt_buf_free(&err);
  assert_int_equal(rthost_check_line("plain\n", 6, NULL), 0);
  assert_int_equal(rthost_check_line("", 0, NULL), 0);
}

static void test_unterminated_quote(void **state)
{
  (void)state;
  char **argv = (char **)1;
  size_t argc = 7;
  rt_buf err = RT_BUF_INIT;
  assert_int_equal(rthost_split_line("call x \"open", &argv, &argc, &err),
                   RT_EINVAL);
  assert_null(argv);
  assert_int_equal(argc, 0);
  assert_string_equal(rt_buf_cstr(&err),
                      "unterminated double quote opened at column 8");
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "column 8"));
  rt_buf_free(&err);
  /* An escaped quote inside a group does not close it. */
  assert_int_equal(rthost_split_line("\"a\\\"", &argv, &argc, NULL), RT_EINVAL);
  assert_null(argv);
}

static void test_out_of_memory(void **state)
{
  (void)state;
  char **argv;
  size_t argc;
  rt_heap_fail_after(0);
  int rc = rthost_split_line("a b c", &argv, &argc, NULL);
  rt_heap_fail_after(-1);
  assert_int_equal(rc, RT_ENOMEM);
  assert_null(argv);
  assert_int_equal(argc, 0);
}

static void test_long_line(void **state)
{
  (void)state;
  enum { N = 5000 };
  char *line = rt_alloc(2 * N + 1);
  assert_non_null(line);
  for (size_t i = 0; i < N; i++)
    memcpy(line + 2 * i, "x ", 2);
  line[2 * N] = '\0';
  char **argv;
  size_t argc;
  assert_int_equal(rthost_split_line(line, &argv, &argc, NULL), 0);
  assert_int_equal(argc, N);
  assert_string_equal(argv[N - 1], "x");
  assert_null(argv[N]);
  rt_free(argv);
  rt_free(line);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_words),
      cmocka_unit_test(test_blank_line),
      cmocka_unit_test(test_quotes_group),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_single_quotes),
      cmocka_unit_test(test_trailing_backslash),
      cmocka_unit_test(test_nul_byte),
      cmocka_unit_test(test_unterminated_quote),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_long_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
