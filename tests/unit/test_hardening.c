/*
 * test_hardening.c — checklist cases not covered by the per-part suites:
 * a plugin whose dependency is missing, a plugin of the wrong ELF class,
 * and stream IO interrupted by signals (EINTR retried, nothing lost).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

/* A copy of the test plugin good.so, patched by EDIT, written to DIR/AS. */
static void patched_plugin(const char *as, void (*edit)(rt_buf *b))
{
  const char *top = getenv("top_builddir");
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/tests/plugins/.libs/good.so",
           top ? top : ".");
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(path, &b), 0);
  edit(&b);
  snprintf(path, sizeof path, "%s/%s", tmpdir, as);
  assert_int_equal(rt_file_replace(path, b.data, b.len, 0644), 0);
  rt_buf_free(&b);
}

/* Rename the DT_NEEDED entry "libc.so.6" (and its version reference,
 * which shares the string) to a library no system has. */
static void lose_libc(rt_buf *b)
{
  static const char want[] = "libc.so.6";
  for (size_t i = 0; i + sizeof want <= b->len; i++)
    if (memcmp(b->data + i, want, sizeof want) == 0)
      memcpy(b->data + i, "libq.so.6", sizeof want);
}

static void make_class32(rt_buf *b) { b->data[EI_CLASS] = ELFCLASS32; }

static void expect_refused(const char *as, int code, const char *needle)
{
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", tmpdir, as);
  rt_module *m = NULL;
  for (int round = 0; round < 2; round++) { /* the same failure twice */
    assert_int_equal(rt_module_open(path, 0, &m), code);
    assert_null(m);
    if (strstr(rt_last_error(), needle) == NULL)
      fail_msg("message '%s' lacks '%s'", rt_last_error(), needle);
    if (strstr(rt_last_error(), as) == NULL)
      fail_msg("message '%s' does not name %s", rt_last_error(), as);
  }
  /* Nothing of it stays mapped. */
  rt_buf maps = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all("/proc/self/maps", &maps), 0);
  assert_null(strstr(rt_buf_cstr(&maps), path));
  rt_buf_free(&maps);
  assert_int_equal(rt_module_find("good", &m), RT_ENOTFOUND);
}

static void test_missing_dependency(void **state)
{
  (void)state;
  patched_plugin("nodep.so", lose_libc);
  expect_refused("nodep.so", RT_EDLOPEN, "libq.so.6");
}

static void test_wrong_class(void **state)
{
  (void)state;
  patched_plugin("class32.so", make_class32);
  expect_refused("class32.so", RT_EELF, "class32.so");
}

static volatile sig_atomic_t ticks;
static void on_alarm(int sig)
{
  (void)sig;
  ticks++;
}

/* Signals every millisecond, without SA_RESTART: every blocking read and
 * write in the test is interrupted again and again. */
static void start_interrupts(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
  struct itimerval it = {{0, 1000}, {0, 1000}};
  assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_interrupts(void)
{
  struct itimerval it = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &it, NULL);
  /* A tick may still be pending (valgrind delivers signals late): ignore
   * it rather than let the default action end the test. */
  signal(SIGALRM, SIG_IGN);
}

/* A child writes 4 MiB through a pipe slowly enough that the parent's
 * reads block; both sides are interrupted by signals throughout. */
static void test_eintr_is_retried(void **state)
{
  (void)state;
  enum { LINES = 64 * 1024 };
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    start_interrupts();
    rt_stream *w = NULL;
    if (rt_stream_fdopen(fds[1], "w", &w) < 0)
      _exit(2);
    for (int i = 0; i < LINES; i++)
      if (rt_printf(w, "line %08d %040d\n", i, i) < 0)
        _exit(3);
    _exit(rt_stream_close(w) == 0 && ticks > 0 ? 0 : 4);
  }
  close(fds[1]);
  start_interrupts();
  rt_stream *r = NULL;
  assert_int_equal(rt_stream_fdopen(fds[0], "r", &r), 0);
  rt_buf line = RT_BUF_INIT;
  char want[80];
  int n = 0, rc;
  while ((rc = rt_getline(r, &line)) == 0) {
    snprintf(want, sizeof want, "line %08d %040d\n", n, n);
    if (strcmp(rt_buf_cstr(&line), want) != 0)
      fail_msg("line %d is '%s'", n, rt_buf_cstr(&line));
    n++;
  }
  stop_interrupts();
  assert_int_equal(rc, RT_EOF);
  assert_int_equal(n, LINES);
  assert_true(rt_stream_eof(r));
  assert_int_equal(rt_getline(r, &line), RT_EOF); /* EOF is sticky */
  rt_buf_free(&line);
  assert_int_equal(rt_stream_close(r), 0);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_missing_dependency),
      cmocka_unit_test(test_wrong_class),
      cmocka_unit_test(test_eintr_is_retried),
  };
  return cmocka_run_group_tests(tests, tmpdir_make, tmpdir_remove);
}
