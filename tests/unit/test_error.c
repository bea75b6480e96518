/* test_error.c — status codes, messages and the per-thread last error. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

#include "testutil.h"

static void test_system_codes_are_negative_errno(void **state)
{
  (void)state;
  assert_int_equal(RT_ENOENT, -ENOENT);
  assert_int_equal(RT_EINVAL, -EINVAL);
  assert_int_equal(RT_ENOMEM, -ENOMEM);
  assert_int_equal(RT_EPIPE, -EPIPE);
  assert_int_equal(RT_ENOSPC, -ENOSPC);
}

static void test_strerror_and_name(void **state)
{
  (void)state;
  assert_string_equal(rt_strerror(RT_OK), "success");
  assert_string_equal(rt_strerror(RT_ENOENT), "no such file or directory");
  assert_string_equal(rt_err_name(RT_ENOENT), "ENOENT");
  assert_string_equal(rt_err_name(RT_ESIG), "ESIG");
  assert_string_equal(rt_err_name(RT_EDUPRUNTIME), "EDUPRUNTIME");
  assert_string_equal(rt_err_name(RT_OK), "OK");
}

static void test_unknown_code(void **state)
{
  (void)state;
  assert_string_equal(rt_strerror(-99999), "unknown error");
  assert_string_equal(rt_err_name(12345), "UNKNOWN");
}

/* Every code in the list has a distinct value, name and message. */
static void test_codes_distinct(void **state)
{
  (void)state;
  static const int codes[] = {
#define CODE(name, value, msg) RT_##name,
      RT_ERRNO_MAP(CODE)
#undef CODE
  };
  size_t n = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < n; i++) {
    assert_true(codes[i] < 0);
    assert_string_not_equal(rt_err_name(codes[i]), "UNKNOWN");
    for (size_t j = i + 1; j < n; j++)
      assert_int_not_equal(codes[i], codes[j]);
  }
}

static void test_set_and_clear(void **state)
{
  (void)state;
  rt_clear_error();
  assert_string_equal(rt_last_error(), "");
  assert_int_equal(rt_last_error_code(), 0);
  assert_int_equal(rt_set_error(RT_EINVAL, "width %d out of range", 7),
                   RT_EINVAL);
  assert_string_equal(rt_last_error(), "width 7 out of range");
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
  rt_clear_error();
  assert_string_equal(rt_last_error(), "");
}

/* A failing library call leaves a message naming the input. */
static void test_library_failure_sets_detail(void **state)
{
  (void)state;
  rt_clear_error();
  assert_int_equal(rt_heap_stats(NULL), RT_EINVAL);
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "rt_heap_stats"));
}

static void *other_thread(void *arg)
{
  (void)arg;
  rt_set_error(RT_EPIPE, "thread-local");
  return NULL;
}

static void test_last_error_is_per_thread(void **state)
{
  (void)state;
  rt_set_error(RT_EIO, "main thread");
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
  pthread_join(t, NULL);
  assert_string_equal(rt_last_error(), "main thread");
  assert_int_equal(rt_last_error_code(), RT_EIO);
}

static void test_long_message_truncated(void **state)
{
  (void)state;
  char big[4096];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  rt_set_error(RT_EINVAL, "%s", big);
  size_t n = strlen(rt_last_error());
  assert_int_equal(n, 1023); /* rt_error(3): longer messages are cut */
}

/* A thread's message is kept in a page mapped at its first error (not
 * in TLS: tests/build/dlopen.sh).  Where no page can be mapped, the
 * code is still set and the message is the code's rt_strerror(). */
static int go[2];

static void *error_without_memory(void *arg)
{
  (void)arg;
  char c;
  if (read(go[0], &c, 1) != 1)
    return (void *)1;
  int rc = rt_set_error(RT_EINVAL, "detail %d", 5);
  if (rc != RT_EINVAL || rt_last_error_code() != RT_EINVAL ||
      strcmp(rt_last_error(), rt_strerror(RT_EINVAL)) != 0)
    return (void *)2;
  rt_clear_error();
  if (rt_last_error_code() != 0 || strcmp(rt_last_error(), "") != 0)
    return (void *)3;
  return NULL;
}

static void test_message_without_memory(void **state)
{
  (void)state;
  SKIP_UNDER_MAPPING_TOOLS();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    pthread_t t;
    if (pipe(go) != 0 || pthread_create(&t, NULL, error_without_memory, NULL))
      _exit(10);
    /* No new mapping from here on: the limit is what is mapped now. */
    int capped = cap_address_space(0);
    if (capped != 0)
      _exit(capped < 0 ? 11 : 12); /* 12: the limit does not hold */
    void *res;
    if (write(go[1], "g", 1) != 1 || pthread_join(t, &res) != 0)
      _exit(13);
    _exit((int)(intptr_t)res);
  }
  int st;
  CAPPED_CHILD_STATUS(pid, st);
  if (st != 0)
    fail_msg("child exit %d (1-3: the thread's check, 10-13: set-up)",
             st);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_system_codes_are_negative_errno),
      cmocka_unit_test(test_strerror_and_name),
      cmocka_unit_test(test_unknown_code),
      cmocka_unit_test(test_codes_distinct),
      cmocka_unit_test(test_set_and_clear),
      cmocka_unit_test(test_library_failure_sets_detail),
      cmocka_unit_test(test_last_error_is_per_thread),
      cmocka_unit_test(test_long_message_truncated),
      cmocka_unit_test(test_message_without_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
