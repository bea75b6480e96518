/* test_fork.c — fork() while other threads are inside every part of the
 * library (module registry, resolver cache, stream registry, heap slow
 * path): the child must then allocate, print, resolve and load a plugin.
 * Without init.c's one atfork registration the child would inherit a lock
 * held by a thread it does not have, and hang (caught by its alarm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <runtime.h>

#include "config.h"
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#define FORKS 40
#define CHILD_SECONDS 20

static char good[PATH_MAX];
static atomic_bool stop;

static int setup(void **state)
{
  (void)state;
  const char *top = getenv("top_builddir");
  snprintf(good, sizeof good, "%s/tests/plugins/.libs/good.so",
           top ? top : ".");
  return access(good, R_OK);
}

/* Each worker keeps one part's lock busy until STOP. */
static void *loader(void *arg)
{
  (void)arg;
  while (!atomic_load(&stop)) {
    rt_module *m = NULL;
    if (rt_module_open(good, RT_MODULE_TRUST_ANY, &m) == 0)
      rt_module_close(m);
  }
  return NULL;
}

/* Numeric lookups keep the resolver cache's lock busy without entering
 * glibc's name service switch, whose own locks are not libruntime's to
 * hand over at fork (a child of a thread caught inside NSS may hang in
 * getaddrinfo, with or without libruntime). */
static void *resolver(void *arg)
{
  (void)arg;
  while (!atomic_load(&stop)) {
    rt_addrlist *l = NULL;
    rt_resolve_cache_flush();
    if (rt_resolve("127.0.0.1", "80", RT_RESOLVE_NUMERIC, &l) == 0)
      rt_addrlist_free(l);
  }
  return NULL;
}

static void *printer(void *arg)
{
  (void)arg;
  while (!atomic_load(&stop)) {
    rt_stream *s = NULL;
    if (rt_stream_memory(&s) != 0)
      continue;
    for (int i = 0; i < 200; i++)
      (void)rt_printf(s, "line %d of a stream no one reads\n", i);
    rt_stream_close(s);
  }
  return NULL;
}

static void *allocator(void *arg)
{
  (void)arg;
  void *keep[64] = {0};
  for (unsigned i = 0; !atomic_load(&stop); i++) {
    unsigned k = i % 64;
    rt_free(keep[k]);
    /* Large blocks and fresh segments take the heap's global lock. */
    keep[k] = rt_alloc(i % 7 == 0 ? 300000 : 16 + (i % 4000));
    if (i % 5000 == 0)
      rt_heap_trim();
  }
  for (unsigned k = 0; k < 64; k++)
    rt_free(keep[k]);
  return NULL;
}

/* What the child does; its exit status says which step failed. */
static int child_work(void)
{
  alarm(CHILD_SECONDS);
  char *p = rt_alloc(1000);
  void *big = rt_alloc(1 << 20);
  if (p == NULL || big == NULL)
    return 10;
  rt_free(big);
  rt_stream *s = NULL;
  if (rt_stream_memory(&s) != 0 || rt_printf(s, "child %d", 42) < 0 ||
      strcmp(rt_buf_cstr(rt_stream_memory_buf(s)), "child 42") != 0)
    return 11;
  rt_stream_close(s);
  rt_addrlist *l = NULL;
  if (rt_resolve("localhost", NULL, 0, &l) != 0 || rt_addrlist_count(l) == 0)
    return 12;
  rt_addrlist_free(l);
  rt_module *m = NULL;
  if (rt_module_open(good, RT_MODULE_TRUST_ANY, &m) != 0)
    return 13;
  rt_module_close(m);
  rt_free(p);
  return rt_flush_all() == 0 ? 0 : 14;
}

#if defined(__SANITIZE_ADDRESS__)
#define RT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_TEST_ASAN 1
#endif
#endif

static void test_fork_with_every_lock_busy(void **state)
{
  (void)state;
  void *(*work[])(void *) = {loader, resolver, printer, allocator};
  pthread_t t[4];
  atomic_store(&stop, false);
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, work[i], NULL), 0);
  int bad = 0;
  char why[128] = "";
  for (int i = 0; i < FORKS && bad == 0; i++) {
    fflush(NULL); /* the child must not repeat the parent's pending TAP */
    pid_t pid = fork();
    assert_true(pid >= 0);
    /* _exit: the child's work ends with rt_flush_all, and exit() would
     * run LeakSanitizer's check, whose lock another thread may have held
     * at fork (ASan builds). */
    if (pid == 0)
      _exit(child_work());
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st)) {
      snprintf(why, sizeof why, "fork %d: child killed by signal %d%s", i,
               WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (it hung)" : "");
      bad = 1;
    } else if (WEXITSTATUS(st) != 0) {
      snprintf(why, sizeof why, "fork %d: child failed at step %d", i,
               WEXITSTATUS(st));
      bad = 1;
    }
  }
  atomic_store(&stop, true);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  if (bad)
    fail_msg("%s", why);
}

/* Why this process cannot run the test, or NULL.  The whole suite is
 * then reported skipped (TAP "1..0 # SKIP"; CMocka's own skip() reads
 * as "not ok" to automake's TAP driver). */
static const char *cannot_run(void)
{
#ifdef RT_TEST_ASAN
  /* Debian 12's AddressSanitizer (GCC 12, LLVM 14) does not hold its
   * allocator's lock across fork(): a child forked while another thread
   * is in malloc (dlopen and getaddrinfo allocate) hangs in its first
   * malloc, whatever libruntime does. */
  return "AddressSanitizer does not lock its allocator across fork";
#endif
#ifdef RUNNING_ON_VALGRIND
  /* Under memcheck each child's leak check at exit finds the blocks only
   * the parent's other threads pointed to, lost in a child that does not
   * have those threads; and valgrind runs the threads one at a time. */
  if (RUNNING_ON_VALGRIND)
    return "under valgrind, children report the parent threads' blocks";
#endif
  return NULL;
}

int main(void)
{
  const char *why = cannot_run();
  if (why != NULL) {
    printf("1..0 # SKIP %s\n", why);
    return 0;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_fork_with_every_lock_busy, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
