/*
 * testutil.h — small helpers shared by the CMocka suites (header only;
 * include it after <cmocka.h>).
 *
 *   SKIP_UNLESS(cond, why)   end a test that cannot run here, as a pass
 *   tmpdir, tmpdir_make, tmpdir_remove
 *                            the suite's scratch directory, as group setup
 *                            and teardown for cmocka_run_group_tests()
 *   ipv6_loopback_usable()   whether ::1 can be bound in this sandbox
 *   call_path_use(fast)      the call path of signatures parsed from now
 *                            on: the fast path, or libffi alone
 *   SKIP_UNDER_MAPPING_TOOLS()
 *                            end a test that limits the address space when
 *                            a sanitizer or valgrind maps for itself
 *   cap_address_space(extra) RLIMIT_AS at what is mapped now plus EXTRA
 *   CAPPED_CHILD_STATUS(pid, st)
 *                            wait for a child that capped its address
 *                            space: skipped if the cap did not hold
 */
#ifndef RT_TESTUTIL_H
#define RT_TESTUTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* cmocka 1.1's skip() prints "not ok N # SKIP", which the TAP driver
 * counts as a failure; a test whose precondition is missing says so in a
 * TAP comment and passes without asserting anything else. */
#define SKIP_UNLESS(cond, why)                                                \
  do {                                                                        \
    if (!(cond)) {                                                            \
      printf("# skipped: %s\n", why);                                         \
      return;                                                                 \
    }                                                                         \
  } while (0)

/* A test that caps the address space stops a sanitizer's runtime or
 * valgrind, which map memory for themselves, not the code it tests. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RT_TEST_MAPPING_TOOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RT_TEST_MAPPING_TOOL 1
#endif
#endif
#if defined(HAVE_VALGRIND_VALGRIND_H)
#include <valgrind/valgrind.h>
#endif
#if defined(RT_TEST_MAPPING_TOOL)
#define SKIP_UNDER_MAPPING_TOOLS()                                            \
  SKIP_UNLESS(false, "a sanitizer's runtime needs room to map under a limit")
#elif defined(RUNNING_ON_VALGRIND)
#define SKIP_UNDER_MAPPING_TOOLS()                                            \
  SKIP_UNLESS(!RUNNING_ON_VALGRIND, "valgrind maps for itself")
#else
#define SKIP_UNDER_MAPPING_TOOLS() ((void)0)
#endif

/* Cap this process's address space (RLIMIT_AS) at what it maps now plus
 * EXTRA bytes.  0, or -1 if it cannot; 1 if the cap does not hold (a
 * 512 MiB mapping still succeeds beyond EXTRA: qemu-user keeps the
 * limit for the host). */
__attribute__((unused)) static int cap_address_space(size_t extra)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmSize:", 7) == 0)
      kb = atol(line + 7);
  if (f)
    fclose(f);
  rlim_t cap = ((rlim_t)kb << 10) + extra;
  struct rlimit lim = {cap, cap};
  if (kb == 0 || setrlimit(RLIMIT_AS, &lim) != 0)
    return -1;
  void *probe = mmap(NULL, extra + ((size_t)512 << 20), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED)
    return 0;
  munmap(probe, extra + ((size_t)512 << 20));
  return 1;
}

/* Wait for child PID, which called cap_address_space() and exits 12 when
 * the cap did not hold (the test is then skipped), and set ST to its exit
 * status. */
#define CAPPED_CHILD_STATUS(pid, st)                                          \
  do {                                                                        \
    int ws_;                                                                  \
    assert_int_equal(waitpid((pid), &ws_, 0), (pid));                         \
    assert_true(WIFEXITED(ws_));                                              \
    SKIP_UNLESS(WEXITSTATUS(ws_) != 12, "the address-space limit does not "  \
                                        "hold here (an emulator)");           \
    (st) = WEXITSTATUS(ws_);                                                  \
  } while (0)

/* The suite's scratch directory: made empty by the group setup, removed
 * with everything in it by the group teardown. */
__attribute__((unused)) static char tmpdir[64];

__attribute__((unused)) static int tmpdir_make(void **state)
{
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/rt-test-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

__attribute__((unused)) static int tmpdir_remove(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

__attribute__((unused)) static bool ipv6_loopback_usable(void)
{
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
                            .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  close(fd);
  return ok;
}

/* Signatures parsed from now on get the fast path (FAST) or go through
 * libffi alone (RT_CALL_NO_FASTPATH=1, read when a signature is made):
 * the call suites run every case both ways. */
__attribute__((unused)) static void call_path_use(bool fast)
{
  if (fast)
    unsetenv("RT_CALL_NO_FASTPATH");
  else
    setenv("RT_CALL_NO_FASTPATH", "1", 1);
}

#endif /* RT_TESTUTIL_H */
