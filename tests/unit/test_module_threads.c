/* test_module_threads.c — eight threads loading, calling, listing and
 * closing the same unload-safe plugin at once (run under TSan in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <runtime.h>

#define THREADS 8
#define ROUNDS 40

static char dir[64];
static char good[PATH_MAX];

static int setup_dir(void **state)
{
  (void)state;
  const char *top = getenv("top_builddir");
  char src[PATH_MAX];
  snprintf(src, sizeof src, "%s/tests/plugins/.libs/good.so",
           top ? top : ".");
  snprintf(dir, sizeof dir, "/tmp/rtmodtXXXXXX");
  if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0)
    return -1;
  snprintf(good, sizeof good, "%s/good.so", dir);
  rt_buf b = RT_BUF_INIT;
  int rc = rt_file_read_all(src, &b);
  if (rc == 0)
    rc = rt_file_replace(good, b.data, b.len, 0644);
  rt_buf_free(&b);
  return rc;
}

static int remove_dir(void **state)
{
  (void)state;
  unlink(good);
  return rmdir(dir);
}

struct worker {
  int id;
  int failures;
  char why[256];
};

static void failed(struct worker *w, const char *what, int rc)
{
  if (w->failures++ == 0)
    snprintf(w->why, sizeof w->why, "%s: %s: %s", what, rt_err_name(rc),
             rt_last_error());
}

/* One round: open (by path or through the registry), call, close. */
static void round_trip(struct worker *w, int i)
{
  rt_module *m;
  int rc = (i + w->id) % 3 == 0 ? rt_module_load(good, &m)
                                : rt_module_open(good, 0, &m);
  if (rc < 0)
    return failed(w, "open", rc);
  rt_value args[2] = {{RT_TYPE_I32, 0, {.i32 = w->id}},
                      {RT_TYPE_I32, 0, {.i32 = i}}};
  rt_value ret = RT_VALUE_INIT;
  rc = rt_module_call(m, "add", args, 2, &ret);
  if (rc < 0 || ret.v.i32 != w->id + i)
    failed(w, "call", rc);
  rt_module *found;
  if (rt_module_find("good", &found) == 0)
    rt_module_close(found);
  if ((rc = rt_module_close(m)) < 0)
    failed(w, "close", rc);
}

static void *work(void *arg)
{
  struct worker *w = arg;
  for (int i = 0; i < ROUNDS; i++) {
    round_trip(w, i);
    if (i % 10 == 0) {
      rt_manifest_list *l;
      int rc = rt_module_scan(dir, 0, &l);
      if (rc < 0 || l->count != 1 || l->entries[0].status != 0)
        failed(w, "scan", rc);
      rt_manifest_list_free(l);
      (void)rt_module_count();
    }
  }
  return NULL;
}

static void test_threads_open_call_close(void **state)
{
  (void)state;
  pthread_t t[THREADS];
  struct worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (struct worker){i, 0, ""};
    assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    if (w[i].failures)
      fail_msg("thread %d: %d failures, first: %s", i, w[i].failures,
               w[i].why);
  }
  rt_module *m;
  assert_int_equal(rt_module_find("good", &m), RT_ENOTFOUND);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_open_call_close),
  };
  return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
