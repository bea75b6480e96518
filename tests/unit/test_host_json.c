/* test_host_json.c — the JSON writer behind rthost --json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "host/json.h"

static void test_document(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init(&j, &b);
  rthost_json_object(&j);
  rthost_json_key(&j, "name");
  rthost_json_string(&j, "mathx");
  rthost_json_key(&j, "exports");
  rthost_json_array(&j);
  rthost_json_int(&j, -5);
  rthost_json_uint(&j, UINT64_MAX);
  rthost_json_bool(&j, true);
  rthost_json_null(&j);
  rthost_json_object(&j);
  rthost_json_end_object(&j);
  rthost_json_end_array(&j);
  rthost_json_key(&j, "none");
  rthost_json_string(&j, NULL);
  rthost_json_end_object(&j);
  assert_int_equal(rthost_json_finish(&j), 0);
  assert_string_equal(b.data, "{\"name\":\"mathx\",\"exports\":[-5,"
                              "18446744073709551615,true,null,{}],"
                              "\"none\":null}");
  rt_buf_free(&b);
}

static void expect_escape(const char *in, size_t n, const char *want)
{
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rthost_json_escape(&b, in, n), 0);
  assert_string_equal(rt_buf_cstr(&b), want);
  rt_buf_free(&b);
}

static void test_escaping(void **state)
{
  (void)state;
  expect_escape("plain", 5, "\"plain\"");
  expect_escape("", 0, "\"\"");
  expect_escape("q\"b\\s/", 6, "\"q\\\"b\\\\s/\"");
  expect_escape("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
  expect_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
  expect_escape("a\0b", 3, "\"a\\u0000b\"");
  /* Valid UTF-8 passes through, invalid bytes become U+FFFD. */
  expect_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
                "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  expect_escape("\xff", 1, "\"\\ufffd\"");
  expect_escape("\xc3", 1, "\"\\ufffd\"");                       /* truncated */
  expect_escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");            /* overlong */
  expect_escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
  expect_escape("\xf4\x90\x80\x80", 4,
                "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
}

static void test_numbers(void **state)
{
  (void)state;
  const char *good[] = {"0",   "-0",   "5",      "-12", "2.5",
                        "1e9", "1E+2", "5e-324", "0.1", "-1.5e-10"};
  const char *bad[] = {"",     "-",    "01", "1.",  ".5", "nan", "inf",
                       "-inf", "0x10", "1e", "1e+", "+1", "1 ",  "1.5.2"};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    assert_true(rthost_json_is_number(good[i]));
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_false(rthost_json_is_number(bad[i]));

  rt_buf b = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init(&j, &b);
  rthost_json_array(&j);
  rthost_json_number(&j, "-0");
  rthost_json_number(&j, "nan");
  rthost_json_number(&j, "-inf");
  rthost_json_end_array(&j);
  assert_int_equal(rthost_json_finish(&j), 0);
  assert_string_equal(b.data, "[-0,\"nan\",\"-inf\"]");
  rt_buf_free(&b);
}

static void test_misuse_is_reported(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rthost_json j;

  rthost_json_init(&j, &b); /* a value in an object without a key */
  rthost_json_object(&j);
  rthost_json_int(&j, 1);
  rthost_json_end_object(&j);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* unbalanced */
  rthost_json_array(&j);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* mismatched close */
  rthost_json_array(&j);
  rthost_json_end_object(&j);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* a key outside an object */
  rthost_json_array(&j);
  rthost_json_key(&j, "k");
  rthost_json_end_array(&j);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* two documents */
  rthost_json_int(&j, 1);
  rthost_json_int(&j, 2);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* nothing written */
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);

  rthost_json_init(&j, &b); /* too deep */
  for (int i = 0; i <= RTHOST_JSON_MAX_DEPTH; i++)
    rthost_json_array(&j);
  assert_int_equal(rthost_json_finish(&j), RT_EINVAL);
  rt_buf_free(&b);
}

static void test_out_of_memory(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init(&j, &b);
  rt_heap_fail_after(0);
  rthost_json_object(&j);
  rthost_json_key(&j, "k");
  rthost_json_string(&j, "v");
  rthost_json_end_object(&j);
  rt_heap_fail_after(-1);
  assert_int_equal(rthost_json_finish(&j), RT_ENOMEM);
  rt_buf_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_document),
      cmocka_unit_test(test_escaping),
      cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_misuse_is_reported),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
