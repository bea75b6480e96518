/*
 * malloc_check.c — what libruntime-malloc.so promises, one mode per
 * behaviour; tests/build/malloc_override.sh runs each mode with the
 * override preloaded (and "default" without it) and checks the exit
 * status and, for the modes that must abort, the message.
 *
 *   owned     every C allocation function returns live runtime-heap blocks
 *   align     memalign & co. return the alignment asked for
 *   contents  calloc zeroes, realloc keeps the bytes, usable size holds
 *   errors    failures return NULL with errno, posix_memalign's codes
 *   foreign   blocks of the C library's own malloc are freed, resized
 *             and measured through it
 *   threads   blocks freed by threads other than their allocator's
 *   default   (not preloaded) malloc is not the runtime heap
 *   interior, double, wild   free() of a bad pointer aborts with the heap's
 *             message
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

extern void *__libc_malloc(size_t n);

static int failures;

#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);     \
      failures++;                                                             \
    }                                                                         \
  } while (0)

static int aligned_to(const void *p, size_t a)
{
  return ((uintptr_t)p & (a - 1)) == 0;
}

/* The optimiser must not drop a pair whose result is unused, nor
 * reason about pointers the test frees on purpose or sizes it knows
 * cannot be met (gcc warns about both). */
static void *volatile sink;
static volatile size_t too_big = SIZE_MAX - 4096, half = SIZE_MAX / 2;

static void *seen(void *p)
{
  sink = p;
  return sink;
}

static void check_owned(void)
{
  static const size_t sizes[] = {0, 1, 24, 500, 4000, 70000, 200000, 5 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    void *p = malloc(sizes[i]);
    EXPECT(p != NULL && rt_heap_owns(p));
    void *same = seen(p);
    free(p);
    EXPECT(!rt_heap_owns(same));
  }
  void *c = calloc(10, 10), *r = realloc(NULL, 77), *ra = reallocarray(NULL, 3, 9);
  void *m = memalign(64, 10), *a = aligned_alloc(256, 256), *v = valloc(10);
  void *pv = pvalloc(1), *pm = NULL;
  EXPECT(posix_memalign(&pm, 32, 100) == 0);
  void *all[] = {c, r, ra, m, a, v, pv, pm};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
    EXPECT(all[i] != NULL && rt_heap_owns(all[i]));
    free(all[i]);
  }
  /* Both ways round: rt_alloc'ed blocks are free()d and malloc'ed ones
   * rt_free()d. */
  void *x = rt_alloc(40), *xs = seen(x);
  free(x);
  EXPECT(!rt_heap_owns(xs));
  void *y = malloc(40), *ys = seen(y);
  rt_free(y);
  EXPECT(!rt_heap_owns(ys));
  char *s = strdup("the C library's strdup calls malloc");
  EXPECT(rt_heap_owns(s));
  free(s);
}

static void check_align(void)
{
  static const size_t aligns[] = {8, 16, 32, 64, 4096, 65536, 1 << 20, 2 << 20};
  for (size_t i = 0; i < sizeof aligns / sizeof *aligns; i++) {
    size_t al = aligns[i];
    void *m = memalign(al, 100), *a = aligned_alloc(al, 3 * al), *pm = NULL;
    EXPECT(posix_memalign(&pm, al, 200000) == 0);
    EXPECT(m && aligned_to(m, al) && rt_heap_owns(m));
    EXPECT(a && aligned_to(a, al) && rt_heap_owns(a));
    EXPECT(pm && aligned_to(pm, al) && rt_heap_owns(pm));
    free(m);
    free(a);
    free(pm);
  }
  /* memalign rounds an alignment up to a power of two, as glibc's does.
   * Through a volatile, so clang does not reject the constant 48. */
  volatile size_t odd_align = 48;
  void *odd = memalign(odd_align, 10);
  EXPECT(odd && aligned_to(odd, 64));
  free(odd);
  long page = sysconf(_SC_PAGESIZE);
  void *v = valloc(1), *pv = pvalloc(page + 1);
  EXPECT(v && aligned_to(v, (size_t)page));
  EXPECT(pv && aligned_to(pv, (size_t)page) &&
         malloc_usable_size(pv) >= 2 * (size_t)page);
  free(v);
  free(pv);
  /* Above what the heap aligns (2 MiB): the next allocator serves it,
   * and free() sends it back there. */
  void *big = memalign(8 << 20, 100);
  EXPECT(big && aligned_to(big, 8 << 20) && !rt_heap_owns(big));
  free(big);
}

static void check_contents(void)
{
  for (size_t n = 1; n <= (8u << 20); n *= 3) {
    unsigned char *z = calloc(n, 1);
    EXPECT(z != NULL);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
      nonzero += z[i] != 0;
    EXPECT(nonzero == 0);
    memset(z, 0xab, n);
    free(z);
  }
  char *p = malloc(10);
  memcpy(p, "0123456789", 10);
  for (size_t n = 20; n <= (1u << 22); n *= 4) {
    p = realloc(p, n);
    EXPECT(p && memcmp(p, "0123456789", 10) == 0 && malloc_usable_size(p) >= n);
  }
  p = realloc(p, 5);
  EXPECT(p && memcmp(p, "01234", 5) == 0);
  free(p);
  EXPECT(malloc_usable_size(NULL) == 0);
}

static void check_errors(void)
{
  errno = 0;
  sink = malloc(too_big);
  EXPECT(sink == NULL && errno == ENOMEM);
  errno = 0;
  sink = calloc(half, 4);
  EXPECT(sink == NULL && errno == ENOMEM);
  errno = 0;
  sink = reallocarray(NULL, half, 4);
  EXPECT(sink == NULL && errno == ENOMEM);
  void *keep = malloc(16), *same = seen(keep);
  errno = 0;
  EXPECT(realloc(keep, too_big) == NULL && errno == ENOMEM);
  EXPECT(rt_heap_owns(same)); /* untouched on failure */
  free(same);
  void *pm = (void *)&pm;
  EXPECT(posix_memalign(&pm, 24, 10) == EINVAL);
  EXPECT(posix_memalign(&pm, 4, 10) == EINVAL);
  EXPECT(pm == (void *)&pm);
  errno = 1234;
  EXPECT(posix_memalign(&pm, 64, too_big) == ENOMEM);
  EXPECT(errno == 1234 && pm == (void *)&pm);
}

static void check_foreign(void)
{
  char *p = __libc_malloc(100);
  EXPECT(p != NULL && !rt_heap_owns(p));
  memcpy(p, "foreign", 8);
  EXPECT(malloc_usable_size(p) >= 100);
  p = realloc(p, 5000);
  EXPECT(p && strcmp(p, "foreign") == 0);
  free(p);
  free(__libc_malloc(1 << 20));
}

enum { NTHREADS = 4, NBLOCKS = 20000 };
static void *handed[NTHREADS][NBLOCKS];

static void *producer(void *arg)
{
  size_t t = (size_t)arg;
  for (size_t i = 0; i < NBLOCKS; i++) {
    handed[t][i] = malloc(16 + (i * 37) % 3000);
    memset(handed[t][i], (int)t, 16);
  }
  return NULL;
}

static void *consumer(void *arg)
{
  size_t t = (size_t)arg;
  for (size_t i = 0; i < NBLOCKS; i++) {
    unsigned char *b = handed[(t + 1) % NTHREADS][i];
    if (b[0] != (t + 1) % NTHREADS || !rt_heap_owns(b))
      failures++;
    free(b);
  }
  return NULL;
}

static void run_threads(void *(*fn)(void *))
{
  pthread_t th[NTHREADS];
  for (size_t t = 0; t < NTHREADS; t++)
    pthread_create(&th[t], NULL, fn, (void *)t);
  for (size_t t = 0; t < NTHREADS; t++)
    pthread_join(th[t], NULL);
}

static void check_threads(void)
{
  run_threads(producer);
  run_threads(consumer);
  struct rt_heap_stats st;
  EXPECT(rt_heap_stats(&st) == 0 && st.total_frees >= NTHREADS * NBLOCKS);
}

static void check_default(void)
{
  void *p = seen(malloc(100));
  EXPECT(p != NULL && !rt_heap_owns(p));
  free(p);
}

/* What a small program keeps resident: a block of each of the heap's
 * kinds of segment, written, then VmRSS in KiB on stdout.  The caller
 * compares it with the C library's malloc (tests/build/malloc_override.sh):
 * under a transparent huge page policy of "always" each segment and the
 * segment map once brought in 2 MiB. */
static void check_rss(void)
{
  static const size_t sizes[] = {24, 100, 1000, 5000, 20000, 100000};
  void *b[sizeof sizes / sizeof *sizes];
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    b[i] = seen(malloc(sizes[i]));
    EXPECT(b[i] != NULL);
    if (b[i])
      memset(b[i], 1, sizes[i]);
  }
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "VmRSS:", 6) == 0)
      kb = atol(line + 6);
  if (f)
    fclose(f);
  EXPECT(kb > 0);
  printf("%ld\n", kb);
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    free(b[i]);
}

int main(int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "owned") == 0)
    check_owned();
  else if (strcmp(mode, "align") == 0)
    check_align();
  else if (strcmp(mode, "contents") == 0)
    check_contents();
  else if (strcmp(mode, "errors") == 0)
    check_errors();
  else if (strcmp(mode, "foreign") == 0)
    check_foreign();
  else if (strcmp(mode, "threads") == 0)
    check_threads();
  else if (strcmp(mode, "default") == 0)
    check_default();
  else if (strcmp(mode, "rss") == 0)
    check_rss();
  else if (strcmp(mode, "interior") == 0) {
    char *p = malloc(64);
    free(seen(p + 16));
  } else if (strcmp(mode, "double") == 0) {
    void *p = malloc(64), *same = seen(p);
    free(p);
    free(same);
  } else if (strcmp(mode, "wild") == 0) {
    char *p = malloc(64), *inside = seen(p + 8);
    free(p);
    free(inside);
  } else {
    fprintf(stderr, "usage: malloc_check MODE\n");
    return 2;
  }
  return failures ? 1 : 0;
}
