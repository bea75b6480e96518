/* test_version.c — compile-time and run-time versions agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <runtime.h>

static void test_runtime_matches_headers(void **state)
{
  (void)state;
  assert_int_equal(rt_version(), RT_VERSION_HEX);
  assert_string_equal(rt_version_string(), RT_VERSION_STRING);
  assert_int_equal(rt_abi_version(), RT_ABI_VERSION);
}

static void test_string_matches_numbers(void **state)
{
  (void)state;
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", RT_VERSION_MAJOR, RT_VERSION_MINOR,
           RT_VERSION_PATCH);
  assert_string_equal(rt_version_string(), want);
  assert_int_equal(rt_version() >> 16, RT_VERSION_MAJOR);
}

static void test_abi_major_is_soname(void **state)
{
  (void)state;
  /* libruntime.so.1 carries plugin ABI 1.x. */
  assert_int_equal(RT_ABI_MAJOR, 1);
  assert_int_equal(rt_abi_version() >> 16, 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_runtime_matches_headers),
      cmocka_unit_test(test_string_matches_numbers),
      cmocka_unit_test(test_abi_major_is_soname),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
