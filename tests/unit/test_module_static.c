/* test_module_static.c — a host linked with a static copy of libruntime
 * (libruntime.a, here libruntime's sources) loading a correct plugin:
 * the host is at fault, and the message says so, before dlopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <runtime.h>

static void test_static_host_blamed(void **state)
{
  (void)state;
  char good[PATH_MAX];
  const char *top = getenv("top_builddir");
  snprintf(good, sizeof good, "%s/tests/plugins/.libs/good.so",
           top ? top : ".");
  rt_module *m = (rt_module *)1;
  int rc = rt_module_open(good, RT_MODULE_TRUST_ANY, &m);
  const char *msg = rt_last_error();
  if (rc != RT_ENOTSUP)
    fail_msg("got %s (%s)", rt_err_name(rc), msg);
  assert_null(m);
  assert_non_null(strstr(msg, "plugin 'good'"));
  assert_non_null(strstr(msg, "linked with a static copy of libruntime"));
  assert_non_null(strstr(msg, "the program is at fault, not the plugin"));
  assert_null(getenv("RT_TEST_GOOD_INIT"));
  assert_int_equal(rt_module_count(), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_static_host_blamed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
