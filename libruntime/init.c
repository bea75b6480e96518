/*
 * init.c — process start, exit and fork for the whole library: ONE
 * constructor, ONE exit handler, ONE destructor and ONE pthread_atfork
 * registration, which call each part's hooks in the order written here.
 *
 * Fork lock order (prepare takes them in this order; parent and child
 * release them in the reverse order):
 *
 *   1. module  the registry lock, then the search path's and the file
 *              checks' locks.  A load holds the registry lock while it
 *              allocates, prints, and may resolve names (a plugin's init
 *              hook can do anything), so it comes before every part those
 *              calls reach.
 *   2. net     the resolver cache's lock.  A lookup allocates under it and
 *              its callers may print, so it comes before io and heap.
 *   3. io      every stream is written out, then the stream registry is
 *              locked.  Streams allocate their buffers from the heap.
 *   4. heap    the global lock of the slow paths, last: every other part
 *              may allocate while it holds its own lock, and the heap
 *              calls no other part (it reports through rt__error only on
 *              failure, which takes no lock).
 *
 * Taking a lock later in this list while holding an earlier one is the
 * only nesting the library does, so prepare cannot deadlock against a
 * thread that is inside the library.  The child makes every lock anew:
 * only the forking thread exists there.
 *
 * Start and exit: the constructor runs when libruntime.so is loaded,
 * before main() and before any plugin can call exit(), so the exit handler
 * registered here runs after the program's own atexit handlers (which may
 * still print).  The destructor runs after every exit handler.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char rt__init_linked = 1;

static void fork_prepare(void)
{
  rt__module_fork_prepare();
  rt__net_fork_prepare();
  rt__io_fork_prepare();
  rt__heap_fork_prepare();
}

static void fork_parent(void)
{
  rt__heap_fork_parent();
  rt__io_fork_parent();
  rt__net_fork_parent();
  rt__module_fork_parent();
}

static void fork_child(void)
{
  rt__heap_fork_child();
  rt__io_fork_child();
  rt__net_fork_child();
  rt__module_fork_child();
}

static void at_exit(void) { rt__io_exit(); }

__attribute__((constructor)) static void rt_start(void)
{
  rt__heap_start();
  atexit(at_exit);
  pthread_atfork(fork_prepare, fork_parent, fork_child);
}

__attribute__((destructor)) static void rt_finish(void) { rt__io_final_flush(); }

#ifdef RT_DEBUG_BUILD
/* A failed RT_ASSERT: one line on fd 2, no heap and no stream involved
 * (either may be what is broken), then abort. */
void rt__assert_fail(const char *cond, const char *file, int line,
                     const char *func)
{
  char msg[512];
  int n = snprintf(msg, sizeof msg, "libruntime: %s:%d: %s: assertion '%s' "
                   "failed\n", file, line, func, cond);
  if (n > 0) {
    size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    ssize_t rc = write(STDERR_FILENO, msg, len);
    (void)rc;
  }
  abort();
}
#endif
