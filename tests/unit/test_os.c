/* test_os.c — clocks, sleep, whole files, atomic replace (also when the
 * writer is killed), directory listing, environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

static char *tmp_path(const char *name)
{
  static char path[4][128];
  static int next;
  char *p = path[next++ % 4];
  snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
  return p;
}

static void test_clocks_and_sleep(void **state)
{
  (void)state;
  uint64_t a = rt_clock_mono_ns();
  assert_int_equal(rt_sleep_ns(2000000), 0);
  uint64_t b = rt_clock_mono_ns();
  assert_true(b - a >= 2000000);
  assert_int_equal(rt_sleep_ns(0), 0);
  uint64_t wall = rt_clock_wall_ns();
  time_t now = time(NULL);
  assert_true(wall / 1000000000u >= (uint64_t)now - 1);
  assert_true(wall / 1000000000u <= (uint64_t)now + 1);
}

static void test_read_all(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  const char *p = tmp_path("data");
  assert_int_equal(rt_file_replace(p, "abc\0def", 7, 0644), 0);
  assert_int_equal(rt_buf_append_str(&b, "old contents"), 0);
  assert_int_equal(rt_file_read_all(p, &b), 0);
  assert_int_equal(b.len, 7);
  assert_memory_equal(b.data, "abc\0def", 8);
  /* Files that report no size are read to their end all the same. */
  assert_int_equal(rt_file_read_all("/proc/self/status", &b), 0);
  assert_non_null(strstr(b.data, "Pid:"));
  assert_int_equal(rt_file_replace(p, NULL, 0, 0600), 0);
  assert_int_equal(rt_file_read_all(p, &b), 0);
  assert_int_equal(b.len, 0);
  assert_string_equal(b.data, "");
  rt_buf_free(&b);
}

static void test_read_all_failures(void **state)
{
  (void)state;
  rt_buf b = RT_BUF_INIT;
  rt_buf_append_str(&b, "unchanged");
  assert_int_equal(rt_file_read_all(tmp_path("missing"), &b), RT_ENOENT);
  assert_non_null(strstr(rt_last_error(), "missing"));
  assert_int_equal(rt_file_read_all(tmpdir, &b), RT_EISDIR);
  assert_int_equal(rt_file_read_all(NULL, &b), RT_EINVAL);
  assert_int_equal(rt_file_read_all("x", NULL), RT_EINVAL);
  const char *p = tmp_path("secret");
  assert_int_equal(rt_file_replace(p, "s", 1, 0), 0);
  if (geteuid() != 0)
    assert_int_equal(rt_file_read_all(p, &b), RT_EACCES);
  rt_heap_fail_after(0);
  assert_int_equal(rt_file_read_all("/proc/self/status", &b), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_string_equal(b.data, "unchanged");
  rt_buf_free(&b);
}

static void count_entries(const char *dir, size_t *n)
{
  char **names;
  assert_int_equal(rt_dir_list(dir, &names, n), 0);
  rt_dir_list_free(names, *n);
}

static void test_replace(void **state)
{
  (void)state;
  const char *p = tmp_path("replace");
  size_t before, after;
  count_entries(tmpdir, &before);
  assert_int_equal(rt_file_replace(p, "one", 3, 0640), 0);
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0640);
  assert_int_equal(rt_file_replace(p, "second", 6, 0600), 0);
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(p, &b), 0);
  assert_string_equal(b.data, "second");
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  count_entries(tmpdir, &after);
  assert_int_equal(after, before + 1); /* no temporary left behind */
  /* A name without a directory part lands in the current directory. */
  char cwd[4096];
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(tmpdir), 0);
  assert_int_equal(rt_file_replace("relative", "r", 1, 0644), 0);
  assert_int_equal(chdir(cwd), 0);
  assert_int_equal(rt_file_read_all(tmp_path("relative"), &b), 0);
  assert_string_equal(b.data, "r");
  rt_buf_free(&b);
}

static void test_replace_failures(void **state)
{
  (void)state;
  size_t before, after;
  count_entries(tmpdir, &before);
  assert_int_equal(rt_file_replace(tmp_path("nodir/x"), "a", 1, 0644),
                   RT_ENOENT);
  assert_non_null(strstr(rt_last_error(), "nodir"));
  const char *sub = tmp_path("subdir");
  assert_int_equal(mkdir(sub, 0755), 0);
  assert_int_equal(rt_file_replace(sub, "a", 1, 0644), RT_EISDIR);
  assert_int_equal(rt_file_replace(tmp_path("m"), "a", 1, 010000),
                   RT_EINVAL);
  assert_int_equal(rt_file_replace(NULL, "a", 1, 0644), RT_EINVAL);
  assert_int_equal(rt_file_replace("", "a", 1, 0644), RT_EINVAL);
  assert_int_equal(rt_file_replace(tmp_path("n"), NULL, 1, 0644), RT_EINVAL);
  assert_int_equal(rt_file_replace("/dev/full/x", "a", 1, 0644), RT_ENOTDIR);
  rt_heap_fail_after(0);
  assert_int_equal(rt_file_replace(tmp_path("n"), "a", 1, 0644), RT_ENOMEM);
  rt_heap_fail_after(1);
  assert_int_equal(rt_file_replace(tmp_path("n"), "a", 1, 0644), RT_ENOMEM);
  rt_heap_fail_after(-1);
  count_entries(tmpdir, &after);
  assert_int_equal(after, before + 1); /* only subdir; no temporaries */
}

/* A writer killed in the middle of rt_file_replace leaves the old
 * contents in place.  To kill it at a known point, the child limits the
 * size of the files it may write (RLIMIT_FSIZE) and answers the SIGXFSZ of
 * the write that crosses the limit with SIGKILL. */
static void die_now(int sig)
{
  (void)sig;
  kill(getpid(), SIGKILL);
}

#define KILL_AT (1u << 20)

static off_t temp_size(void)
{
  char **names;
  size_t n;
  off_t size = -1;
  assert_int_equal(rt_dir_list(tmpdir, &names, &n), 0);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (strncmp(names[i], ".victim.", 8) == 0 &&
        stat(tmp_path(names[i]), &st) == 0)
      size = st.st_size;
  }
  rt_dir_list_free(names, n);
  return size;
}

static void test_replace_killed_writer_keeps_old(void **state)
{
  (void)state;
  const char *p = tmp_path("victim");
  assert_int_equal(rt_file_replace(p, "old contents\n", 13, 0644), 0);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    size_t len = 8 * KILL_AT;
    char *big = malloc(len);
    struct rlimit lim = {KILL_AT, KILL_AT};
    if (big == NULL || setrlimit(RLIMIT_FSIZE, &lim) != 0)
      _exit(2);
    signal(SIGXFSZ, die_now);
    memset(big, 'n', len);
    _exit(rt_file_replace(p, big, len, 0644) == 0 ? 0 : 1);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGKILL);
  assert_int_equal(temp_size(), KILL_AT); /* killed in mid-write */
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(p, &b), 0);
  assert_string_equal(b.data, "old contents\n");
  rt_buf_free(&b);
  /* The crash left its temporary behind; a later replace still works. */
  assert_int_equal(rt_file_replace(p, "new\n", 4, 0644), 0);
}

static void test_dir_list(void **state)
{
  (void)state;
  const char *d = tmp_path("list");
  assert_int_equal(mkdir(d, 0755), 0);
  char **names = (char **)1;
  size_t n = 99;
  assert_int_equal(rt_dir_list(d, &names, &n), 0);
  assert_int_equal(n, 0);
  assert_non_null(names);
  assert_null(names[0]);
  rt_dir_list_free(names, n);
  const char *files[] = {"b", "a.so", "C", ".hidden", "z", "aa"};
  char path[256];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", d, files[i]);
    assert_int_equal(rt_file_replace(path, "", 0, 0644), 0);
  }
  assert_int_equal(rt_dir_list(d, &names, &n), 0);
  assert_int_equal(n, 6);
  const char *sorted[] = {".hidden", "C", "a.so", "aa", "b", "z"};
  for (size_t i = 0; i < n; i++)
    assert_string_equal(names[i], sorted[i]);
  assert_null(names[n]);
  rt_dir_list_free(names, n);
  rt_dir_list_free(NULL, 0);
}

static void test_dir_list_failures(void **state)
{
  (void)state;
  char **names = (char **)1;
  size_t n = 5;
  assert_int_equal(rt_dir_list(tmp_path("nope"), &names, &n), RT_ENOENT);
  assert_null(names);
  assert_int_equal(n, 0);
  assert_non_null(strstr(rt_last_error(), "nope"));
  assert_int_equal(rt_dir_list("/dev/null", &names, &n), RT_ENOTDIR);
  assert_int_equal(rt_dir_list(NULL, &names, &n), RT_EINVAL);
  assert_int_equal(rt_dir_list(tmpdir, NULL, &n), RT_EINVAL);
  assert_int_equal(rt_dir_list(tmpdir, &names, NULL), RT_EINVAL);
  for (long k = 0;; k++) {
    rt_heap_fail_after(k);
    int rc = rt_dir_list("/proc/self", &names, &n);
    rt_heap_fail_after(-1);
    if (rc == 0) {
      assert_true(k > 20); /* /proc/self has more than 20 entries */
      rt_dir_list_free(names, n);
      break;
    }
    assert_int_equal(rc, RT_ENOMEM);
    assert_null(names);
  }
}

static void test_environment(void **state)
{
  (void)state;
  assert_int_equal(rt_setenv("RT_TEST_OS_VAR", "value 1"), 0);
  assert_string_equal(rt_getenv("RT_TEST_OS_VAR"), "value 1");
  assert_string_equal(getenv("RT_TEST_OS_VAR"), "value 1");
  assert_int_equal(rt_setenv("RT_TEST_OS_VAR", ""), 0);
  assert_string_equal(rt_getenv("RT_TEST_OS_VAR"), "");
  assert_int_equal(rt_setenv("RT_TEST_OS_VAR", NULL), 0);
  assert_null(rt_getenv("RT_TEST_OS_VAR"));
  rt_clear_error();
  assert_null(rt_getenv("RT_TEST_OS_NEVER_SET"));
  assert_int_equal(rt_last_error_code(), 0);
  assert_null(rt_getenv("A=B"));
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
  assert_null(rt_getenv(""));
  assert_null(rt_getenv(NULL));
  assert_int_equal(rt_setenv("", "x"), RT_EINVAL);
  assert_int_equal(rt_setenv("A=B", "x"), RT_EINVAL);
  assert_int_equal(rt_setenv(NULL, "x"), RT_EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clocks_and_sleep),
      cmocka_unit_test(test_read_all),
      cmocka_unit_test(test_read_all_failures),
      cmocka_unit_test(test_replace),
      cmocka_unit_test(test_replace_failures),
      cmocka_unit_test(test_replace_killed_writer_keeps_old),
      cmocka_unit_test(test_dir_list),
      cmocka_unit_test(test_dir_list_failures),
      cmocka_unit_test(test_environment),
  };
  return cmocka_run_group_tests(tests, tmpdir_make, tmpdir_remove);
}
