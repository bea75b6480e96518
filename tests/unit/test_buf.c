/* test_buf.c — growable buffers and string helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <runtime.h>

static void test_empty_buffer(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  assert_string_equal(rt_buf_cstr(&b), "");
  assert_int_equal(b.len, 0);
  rt_buf_free(&b);
  rt_buf_free(NULL);
}

static void test_append_grows_and_terminates(void **state)
{
  (void)state;
  rt_buf b;
  rt_buf_init(&b);
  for (int i = 0; i < 1000; i++)
    assert_int_equal(rt_buf_append_str(&b, "abc"), 0);
  assert_int_equal(b.len, 3000);
  assert_int_equal(strlen(b.data), 3000);
  assert_memory_equal(b.data + 2997, "abc", 4);
  assert_true(b.cap > b.len);
  rt_buf_free(&b);
  assert_null(b.data);
}

static void test_append_binary(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_buf_append(&b, "a\0b", 3), 0);
  assert_int_equal(rt_buf_append_char(&b, '\0'), 0);
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.data, "a\0b\0", 5);
  rt_buf_free(&b);
}

static void test_printf(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_buf_printf(&b, "%s=%d", "key", 42), 0);
  assert_int_equal(rt_buf_printf(&b, ";%05.1f", 3.14159), 0);
  assert_string_equal(b.data, "key=42;003.1");
  char big[5000];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(rt_buf_printf(&b, "%s", big), 0);
  assert_int_equal(b.len, 12 + sizeof big - 1);
  rt_buf_free(&b);
}

static void test_truncate_consume_clear(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_str(&b, "hello world");
  rt_buf_consume(&b, 6);
  assert_string_equal(b.data, "world");
  rt_buf_truncate(&b, 3);
  assert_string_equal(b.data, "wor");
  rt_buf_truncate(&b, 10);
  assert_string_equal(b.data, "wor");
  rt_buf_consume(&b, 99);
  assert_string_equal(rt_buf_cstr(&b), "");
  rt_buf_append_str(&b, "x");
  rt_buf_clear(&b);
  assert_int_equal(b.len, 0);
  assert_string_equal(rt_buf_cstr(&b), "");
  rt_buf_free(&b);
}

static void test_detach(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  char *s = rt_buf_detach(&b);
  assert_non_null(s);
  assert_string_equal(s, "");
  rt_free(s);
  rt_buf_append_str(&b, "owned");
  s = rt_buf_detach(&b);
  assert_string_equal(s, "owned");
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  rt_free(s);
}

static void test_reserve_overflow(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_str(&b, "x");
  assert_int_equal(rt_buf_reserve(&b, SIZE_MAX), RT_EOVERFLOW);
  assert_non_null(strstr(rt_last_error(), "overflow"));
  assert_string_equal(b.data, "x");
  rt_buf_free(&b);
}

static void test_append_fails_cleanly_without_memory(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_str(&b, "keep");
  rt_heap_fail_after(0);
  char big[4096] = {0};
  int rc = rt_buf_append(&b, big, sizeof big);
  rt_heap_fail_after(-1);
  assert_int_equal(rc, RT_ENOMEM);
  assert_non_null(strstr(rt_last_error(), "out of memory"));
  assert_string_equal(b.data, "keep");
  assert_int_equal(b.len, 4);
  rt_buf_free(&b);
}

static void test_asprintf(void **state)
{
  (void)state;
  char *s = NULL;
  assert_int_equal(rt_asprintf(&s, "%d-%s", 7, "seven"), 7);
  assert_string_equal(s, "7-seven");
  rt_free(s);
  assert_int_equal(rt_asprintf(NULL, "x"), RT_EINVAL);
  rt_heap_fail_after(0);
  assert_int_equal(rt_asprintf(&s, "%s", "nope"), RT_ENOMEM);
  rt_heap_fail_after(-1);
}

static void test_prefix_suffix(void **state)
{
  (void)state;
  assert_true(rt_str_has_prefix("libruntime", "lib"));
  assert_false(rt_str_has_prefix("lib", "libruntime"));
  assert_true(rt_str_has_suffix("mathx.so", ".so"));
  assert_false(rt_str_has_suffix("so", ".so"));
  assert_true(rt_str_has_suffix("x", ""));
  assert_false(rt_str_has_prefix(NULL, "a"));
  assert_false(rt_str_has_suffix("a", NULL));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_buffer),
      cmocka_unit_test(test_append_grows_and_terminates),
      cmocka_unit_test(test_append_binary),
      cmocka_unit_test(test_printf),
      cmocka_unit_test(test_truncate_consume_clear),
      cmocka_unit_test(test_detach),
      cmocka_unit_test(test_reserve_overflow),
      cmocka_unit_test(test_append_fails_cleanly_without_memory),
      cmocka_unit_test(test_asprintf),
      cmocka_unit_test(test_prefix_suffix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
