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
 */
#ifndef RT_TESTUTIL_H
#define RT_TESTUTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
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
