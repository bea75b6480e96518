/* test_heap.c — the runtime heap: every call, its edges, and the ways a
 * misuse is caught (in a forked child, checking the message and SIGABRT). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

#include "testutil.h"

/* The overflow tests pass sizes no object can have on purpose; the
 * allocators' alloc_size attributes make the compiler say so. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#endif
#if defined(HAVE_VALGRIND_MEMCHECK_H)
#include <valgrind/valgrind.h>
#endif

#define SEG_SIZE ((uintptr_t)4 << 20)

static bool aligned_to(const void *p, size_t a)
{
  return ((uintptr_t)p & (a - 1)) == 0;
}

/* Fill the whole usable size so ASan/valgrind would catch a short block. */
static void fill(void *p, size_t n, int c)
{
  memset(p, c, n);
}

static void test_alloc_sizes(void **state)
{
  (void)state;
  static const size_t sizes[] = {0,     1,     15,     16,      17,
                                 128,   129,   1000,   8192,    8193,
                                 65536, 131072, 131073, 1 << 20, 5 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    char *p = rt_alloc(sizes[i]);
    assert_non_null(p);
    assert_true(aligned_to(p, 16));
    size_t u = rt_alloc_usable_size(p);
    assert_true(u >= sizes[i]);
    assert_true(u >= 1);
    /* All of it may be used once the compiler is told, through
     * rt_realloc, which keeps the block in place: _FORTIFY_SOURCE=3 checks
     * writes against the size asked for (found with Fedora's flags, where
     * filling the usable size straight away aborted). */
    char *q = rt_realloc(p, u);
    assert_ptr_equal(q, p);
    p = q; /* the pointer the compiler knows u bytes of */
    fill(p, u, 0x5a);
    assert_true(rt_heap_owns(p));
    rt_free(p);
    assert_false(rt_heap_owns(p));
  }
  char *a = rt_alloc(0), *b = rt_alloc(0);
  assert_non_null(a);
  assert_non_null(b);
  assert_ptr_not_equal(a, b);
  rt_free(a);
  rt_free(b);
  rt_free(NULL);
  assert_int_equal(rt_alloc_usable_size(NULL), 0);
}

/* Size classes waste at most a quarter (plus the 16-byte granule). */
static void test_usable_size_is_tight(void **state)
{
  (void)state;
  for (size_t n = 1; n <= 300000; n += n / 7 + 1) {
    void *p = rt_alloc(n);
    assert_non_null(p);
    size_t u = rt_alloc_usable_size(p);
    assert_true(u >= n);
    assert_true(u <= n + n / 4 + 4096);
    rt_free(p);
  }
}

static void test_huge_sizes_fail_cleanly(void **state)
{
  (void)state;
  rt_clear_error();
  assert_null(rt_alloc(SIZE_MAX));
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_non_null(strstr(rt_last_error(), "rt_alloc("));
  assert_non_null(strstr(rt_last_error(), "out of memory"));
  rt_clear_error();
  assert_null(rt_alloc((size_t)1 << 60));
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_null(rt_alloc_aligned(4096, SIZE_MAX - 100));
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  void *p = rt_alloc(10);
  assert_null(rt_realloc(p, (size_t)1 << 60));
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_true(rt_heap_owns(p));
  rt_free(p);
}

static void test_calloc_zeroes(void **state)
{
  (void)state;
  for (int i = 0; i < 64; i++) { /* recycle dirty blocks of that class */
    unsigned char *d = rt_alloc(100);
    fill(d, 100, 0xaa);
    rt_free(d);
  }
  unsigned char *p = rt_calloc(10, 10);
  assert_non_null(p);
  for (int i = 0; i < 100; i++)
    assert_int_equal(p[i], 0);
  rt_free(p);
  p = rt_calloc(3, 1 << 20);
  assert_non_null(p);
  assert_int_equal(p[0] | p[(3 << 20) - 1] | p[1 << 20], 0);
  rt_free(p);
  p = rt_calloc(0, 5);
  assert_non_null(p);
  rt_free(p);
  rt_clear_error();
  assert_null(rt_calloc(SIZE_MAX / 2, 3));
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_non_null(strstr(rt_last_error(), "overflows"));
}

/* rt_calloc skips clearing a block only while it cannot have been
 * handed out before (a page on zero memory, no block back since the
 * page last released fresh blocks); a block that came back, freed by
 * this thread or another, reads zero again.  The threads count what they
 * find; the test asserts in its own thread. */
struct calloc_case {
  size_t size;
  unsigned char *block;
  size_t nonzero, reused, failed;
};

static void *free_case_block(void *arg)
{
  rt_free(((struct calloc_case *)arg)->block);
  return NULL;
}

static size_t count_nonzero(const unsigned char *p, size_t n)
{
  size_t nonzero = 0;
  for (size_t i = 0; i < n; i++)
    nonzero += p[i] != 0;
  return nonzero;
}

/* A zeroed block of C's size, counted; NULL counted as a failure. */
static unsigned char *case_calloc(struct calloc_case *c)
{
  unsigned char *p = rt_calloc(1, c->size);
  if (p == NULL) {
    c->failed++;
    return NULL;
  }
  c->nonzero += count_nonzero(p, c->size);
  return p;
}

static void *calloc_reuse_thread(void *arg)
{
  struct calloc_case *c = arg;
  size_t n = c->size;
  enum { K = 40 };
  unsigned char *p[K] = {0};
  for (int i = 0; i < K; i++) { /* fresh blocks, and some come back */
    if ((p[i] = case_calloc(c)) == NULL)
      return NULL;
    memset(p[i], 0xa5, n);
    if (i % 3 == 1) {
      unsigned char *old = p[i - 1];
      rt_free(old);
      if ((p[i - 1] = case_calloc(c)) == NULL)
        return NULL;
      c->reused += p[i - 1] == old;
      memset(p[i - 1], 0x5a, n);
    }
  }
  for (int i = 0; i < K; i += 4) { /* freed by another thread */
    struct calloc_case other = *c;
    other.block = p[i];
    pthread_t t;
    if (pthread_create(&t, NULL, free_case_block, &other) != 0) {
      c->failed++;
      return NULL;
    }
    pthread_join(t, NULL);
    p[i] = NULL;
  }
  for (int i = 1; i < K; i += 2) { /* and by this one */
    rt_free(p[i]);
    p[i] = NULL;
  }
  /* Those blocks come back before any fresh memory does. */
  for (int i = 0; i < K; i++)
    if (p[i] == NULL && (p[i] = case_calloc(c)) == NULL)
      return NULL;
  for (int i = 0; i < K; i++)
    rt_free(p[i]);
  return NULL;
}

static void test_calloc_zeroes_reused_blocks(void **state)
{
  (void)state;
  static const size_t sizes[] = {48, 1000, 16384, 100000};
  size_t reused = 0;
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    struct calloc_case c = {.size = sizes[k]};
    pthread_t t; /* a new thread: pages fresh or purged, blocks untouched */
    assert_int_equal(pthread_create(&t, NULL, calloc_reuse_thread, &c), 0);
    pthread_join(t, NULL);
    assert_int_equal(c.failed, 0);
    assert_int_equal(c.nonzero, 0);
    reused += c.reused;
  }
  assert_true(reused > 0); /* some rt_calloc did take a block just freed */
}

/* Whether the memory page holding P is mapped in. */
static bool resident(const void *p)
{
  unsigned char v = 0;
  void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
  return mincore(page, 4096, &v) == 0 && (v & 1);
}

/* What /proc/self/smaps says of the mapping holding P. */
struct vma_info {
  bool found;   /* a mapping holds P */
  bool no_huge; /* VmFlags has nh: madvise(MADV_NOHUGEPAGE) */
  long huge_kb; /* AnonHugePages */
};

static struct vma_info vma_of(const void *p)
{
  struct vma_info v = {false, false, 0};
  FILE *f = fopen("/proc/self/smaps", "r");
  if (f == NULL)
    return v;
  char line[512];
  bool in = false;
  uintptr_t a = (uintptr_t)p;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char c;
    if (sscanf(line, "%lx-%lx %c", &lo, &hi, &c) == 3) {
      /* A mapping's first line; the field lines ("Rss:") have no range. */
      if (in)
        break;
      in = lo <= a && a < hi;
      v.found = v.found || in;
      continue;
    }
    if (!in)
      continue;
    if (strncmp(line, "AnonHugePages:", 14) == 0)
      v.huge_kb = atol(line + 14);
    else if (strncmp(line, "VmFlags:", 8) == 0)
      v.no_huge = strstr(line + 8, " nh") != NULL;
  }
  fclose(f);
  return v;
}

/* libruntime's own (RUNTIME_PRIVATE_1.1): where the segment map is. */
extern const _Atomic uint8_t *rt__heap_segmap(void);

/* Found on a machine whose transparent huge page policy is "always" (the
 * default of several distributions): two small blocks made 6 MiB of huge
 * pages resident, 2 MiB for each segment and for the segment map.  The
 * heap's segments and map are kept out of huge pages whatever the
 * policy; large blocks follow the system's. */
static void test_heap_memory_not_in_huge_pages(void **state)
{
  (void)state;
  SKIP_UNLESS(access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0,
              "a kernel without transparent huge pages");
  static const size_t sizes[] = {100, 1000, 20000}; /* tiny, small, medium */
  void *p[3];
  for (size_t i = 0; i < 3; i++) {
    p[i] = rt_alloc(sizes[i]);
    assert_non_null(p[i]);
    memset(p[i], 0x5a, sizes[i]);
  }
  bool found = vma_of(p[0]).found;
  if (!found)
    for (size_t i = 0; i < 3; i++)
      rt_free(p[i]);
  SKIP_UNLESS(found, "no mapping in /proc/self/smaps holds the heap's "
                     "blocks (an emulator's /proc shows the host's)");
  for (size_t i = 0; i < 3; i++) {
    struct vma_info v = vma_of(p[i]);
    assert_true(v.found);
    if (!v.no_huge || v.huge_kb != 0)
      fail_msg("a %zu-byte block's segment at %p: %s, %ld KiB of huge "
               "pages", sizes[i], p[i],
               v.no_huge ? "nh set" : "nh (MADV_NOHUGEPAGE) not set",
               v.huge_kb);
  }
  const _Atomic uint8_t *map = rt__heap_segmap();
  struct vma_info m = vma_of((const void *)(map + ((size_t)16 << 20)));
  assert_true(m.found);
  assert_true(m.no_huge);
  assert_int_equal(m.huge_kb, 0);
  /* A large block is the program's own array: the system's policy. */
  void *big = rt_alloc((size_t)3 << 20);
  assert_non_null(big);
  struct vma_info b = vma_of(big);
  assert_true(b.found);
  assert_false(b.no_huge);
  rt_free(big);
  for (size_t i = 0; i < 3; i++)
    rt_free(p[i]);
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

/* Release a page of small blocks (another segment kind than the test's
 * 8 KiB blocks, so that none of their idle pages is taken): the moment
 * the heap checks whether idle pages are due to be purged. */
static void release_a_page(void)
{
  enum { N = 3000 }; /* more than two pages of 64-byte blocks */
  static void *q[N];
  for (int i = 0; i < N; i++)
    q[i] = rt_alloc(64);
  for (int i = 0; i < N; i++)
    rt_free(q[i]);
}

/* Idle pages go back to the OS once idle for the purge delay (50 ms,
 * doc/architecture.md "Returning memory") while a thread keeps more
 * than 16 of them; a page just released is not purged at once. */
static bool block_resident(const unsigned char *p, size_t n)
{
  return resident(p) || resident(p + n / 2) || resident(p + n - 1);
}

enum { PURGE_PAGES_T = 30, PER_PAGE = 16, PURGE_N = PURGE_PAGES_T * PER_PAGE,
       KEEP_PAGES = 16 };

struct purge_result {
  int failed, just_after, left, intact;
};

static void *purge_thread(void *arg)
{
  struct purge_result *r = arg;
  static unsigned char *p[PURGE_N];
  for (int i = 0; i < PURGE_N; i++) { /* 30 pages of 8 KiB blocks */
    if ((p[i] = rt_alloc(8000)) == NULL) {
      r->failed = 1;
      return NULL;
    }
    memset(p[i], 0x77, 8000);
  }
  for (int i = 0; i < PURGE_N - 1; i++) /* the last keeps its segment */
    rt_free(p[i]);
  for (int i = 0; i < PURGE_N - 1; i++)
    r->just_after += block_resident(p[i], 8000);
  r->left = r->just_after;
  for (int round = 0; round < 40 && r->left > KEEP_PAGES * PER_PAGE; round++) {
    sleep_ms(60);
    release_a_page();
    r->left = 0;
    for (int i = 0; i < PURGE_N - 1; i++)
      r->left += block_resident(p[i], 8000);
  }
  r->intact = count_nonzero(p[PURGE_N - 1], 8000) == 8000;
  rt_free(p[PURGE_N - 1]);
  return NULL;
}

static void test_idle_pages_purged_after_delay(void **state)
{
  (void)state;
  struct purge_result r = {0};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, purge_thread, &r), 0);
  pthread_join(t, NULL);
  assert_int_equal(r.failed, 0);
  /* The page released last cannot have been purged yet. */
  assert_true(r.just_after >= PER_PAGE - 1);
  assert_in_range(r.left, 0, KEEP_PAGES * PER_PAGE);
  assert_true(r.intact);
}

/* A thread that exits returns to the OS the idle pages that have been
 * idle for the purge delay, without waiting for a tick it will never see
 * (doc/architecture.md "Thread exit"), and leaves the ones it has just
 * released for the next thread; its live blocks stay intact and can be
 * freed by another thread. */
enum { EXIT_OLD_N = PURGE_N, EXIT_NEW_PER_PAGE = 21, /* 6 KiB blocks */
       EXIT_NEW_N = 30 * EXIT_NEW_PER_PAGE };

struct exit_purge {
  int failed;
  unsigned char *old[EXIT_OLD_N], *young[EXIT_NEW_N];
};

static void *exit_purge_thread(void *arg)
{
  struct exit_purge *r = arg;
  for (int i = 0; i < EXIT_OLD_N; i++)
    if ((r->old[i] = rt_alloc(8000)) == NULL)
      r->failed = 1;
    else
      memset(r->old[i], 0x77, 8000);
  for (int i = 0; i < EXIT_NEW_N; i++)
    if ((r->young[i] = rt_alloc(6000)) == NULL)
      r->failed = 1;
    else
      memset(r->young[i], 0x55, 6000);
  if (r->failed)
    return NULL;
  /* The last block of each keeps its segment. */
  for (int i = 0; i < EXIT_OLD_N - 1; i++)
    rt_free(r->old[i]); /* 29 pages idle: their aging starts */
  sleep_ms(60);
  for (int i = 0; i < EXIT_NEW_N - 1; i++)
    rt_free(r->young[i]); /* a tick purges the pages aged first */
  return NULL; /* at once */
}

static void test_idle_pages_purged_at_thread_exit(void **state)
{
  (void)state;
  static struct exit_purge r;
  memset(&r, 0, sizeof r);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, exit_purge_thread, &r), 0);
  pthread_join(t, NULL);
  assert_int_equal(r.failed, 0);
  int old_left = 0, young_left = 0;
  for (int i = 0; i < EXIT_OLD_N - 1; i++)
    old_left += block_resident(r.old[i], 8000);
  for (int i = 0; i < EXIT_NEW_N - 1; i++)
    young_left += block_resident(r.young[i], 6000);
  /* Idle for 60 ms: gone, by the tick or at the exit (before: the pages
   * the tick had not aged yet, about 12, stayed). */
  assert_in_range(old_left, 0, PER_PAGE);
  /* Just released: kept for the next thread. */
  assert_true(young_left >= (EXIT_NEW_N - 1) / 2);
  unsigned char *lasts[2] = {r.old[EXIT_OLD_N - 1], r.young[EXIT_NEW_N - 1]};
  size_t sizes[2] = {8000, 6000};
  for (int i = 0; i < 2; i++) {
    assert_true(rt_heap_owns(lasts[i]));
    assert_int_equal(count_nonzero(lasts[i], sizes[i]), sizes[i]);
    rt_free(lasts[i]);
    assert_false(rt_heap_owns(lasts[i]));
  }
}

/* A class's current page stays its own while idle, but once another
 * class of the same kind needs memory its segment has no idle page for,
 * the idle current page is released and used before fresh memory comes
 * in (doc/architecture.md "Idle current pages").  In a thread of its
 * own, so the heap is a new one. */
enum { IDLE_CUR_MAX = 2 * 4096 }; /* 1 KiB blocks: two segments' worth */

struct idle_cur {
  int failed;
  uintptr_t page;   /* the 512-byte class's page (128 KiB, aligned) */
  long reused_after; /* 1 KiB blocks allocated until one landed there */
  bool a_again_ok;
};

/* A 512-byte block allocated and freed: its page (R->page) is then
 * idle, and still its class's current page.  False if out of memory. */
static bool idle_512_page(struct idle_cur *r)
{
  unsigned char *a = rt_alloc(512);
  if (a == NULL) {
    r->failed = 1;
    return false;
  }
  memset(a, 0x5a, 512);
  r->page = (uintptr_t)a >> 17;
  rt_free(a);
  return true;
}

/* FN run in a thread of its own, so that the heap is a new one. */
static struct idle_cur run_idle_cur(void *(*fn)(void *))
{
  struct idle_cur r = {0};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, fn, &r), 0);
  pthread_join(t, NULL);
  assert_int_equal(r.failed, 0);
  return r;
}

static void *idle_cur_thread(void *arg)
{
  struct idle_cur *r = arg;
  if (!idle_512_page(r))
    return NULL;
  static void *b[IDLE_CUR_MAX];
  long n = 0;
  r->reused_after = -1;
  while (n < IDLE_CUR_MAX) {
    if ((b[n] = rt_alloc(1024)) == NULL) {
      r->failed = 1;
      break;
    }
    memset(b[n], 0xa5, 1024);
    if ((uintptr_t)b[n++] >> 17 == r->page) {
      r->reused_after = n;
      break;
    }
  }
  /* The 512-byte class takes a new page, and its blocks are sound. */
  unsigned char *a2 = rt_alloc(512);
  r->a_again_ok = a2 != NULL && rt_heap_owns(a2);
  if (a2 != NULL) {
    memset(a2, 0x11, 512);
    r->a_again_ok = r->a_again_ok && count_nonzero(a2, 512) == 512;
    rt_free(a2);
  }
  for (long i = 0; i < n; i++) {
    if (!rt_heap_owns(b[i]) || count_nonzero(b[i], 1024) != 1024)
      r->failed = 2;
    rt_free(b[i]);
  }
  return NULL;
}

static void test_idle_current_page_released_for_other_class(void **state)
{
  (void)state;
  struct idle_cur r = run_idle_cur(idle_cur_thread);
  /* Before: never (the page stayed the 512-byte class's). */
  assert_true(r.reused_after > 0);
  assert_true(r.a_again_ok);
}

/* ... but not as soon as another class takes a page: a page given up
 * while its class is busy between short idle spells was taken again at
 * once, and classes took each other's pages in turn (the suite's cfrac
 * spent 40% of its time formatting pages). */
enum { KEPT_B_BLOCKS = 3 * 128 }; /* three pages of 1 KiB blocks */

static void *idle_cur_kept_thread(void *arg)
{
  struct idle_cur *r = arg;
  if (!idle_512_page(r))
    return NULL;
  static void *b[KEPT_B_BLOCKS];
  for (int i = 0; i < KEPT_B_BLOCKS; i++)
    if ((b[i] = rt_alloc(1024)) == NULL || (uintptr_t)b[i] >> 17 == r->page)
      r->failed = 2; /* none may land in the 512-byte class's page */
  unsigned char *a2 = rt_alloc(512);
  r->a_again_ok = a2 != NULL && (uintptr_t)a2 >> 17 == r->page;
  rt_free(a2);
  for (int i = 0; i < KEPT_B_BLOCKS; i++)
    rt_free(b[i]);
  return NULL;
}

static void test_idle_current_page_kept_for_a_while(void **state)
{
  (void)state;
  struct idle_cur r = run_idle_cur(idle_cur_kept_thread);
  assert_true(r.a_again_ok); /* still its page */
}

/* A freed large block's span is reused by the next large block that
 * fits, without a new mapping; what the old block wrote is not seen by
 * rt_calloc, nor kept past a smaller block; rt_heap_owns stays exact. */
static void test_large_span_reused(void **state)
{
  (void)state;
  rt_heap_trim();
  unsigned char *a = rt_alloc(3 << 20);
  assert_non_null(a);
  fill(a, 3 << 20, 0xcc);
  struct rt_heap_stats before, after;
  assert_int_equal(rt_heap_stats(&before), 0);
  rt_free(a);
  assert_false(rt_heap_owns(a));
  unsigned char *b = rt_alloc(3 << 20);
  assert_ptr_equal(b, a); /* the same span */
  assert_true(rt_heap_owns(b));
  assert_int_equal(rt_heap_stats(&after), 0);
  assert_int_equal(after.mapped_bytes, before.mapped_bytes);
  fill(b, 3 << 20, 0xdd);
  rt_free(b);
  unsigned char *c = rt_calloc(1, (2 << 20) + 100);
  assert_ptr_equal(c, a); /* reused, smaller */
  size_t nonzero = 0;
  for (size_t i = 0; i < (2 << 20) + 100; i++)
    nonzero += c[i] != 0;
  assert_int_equal(nonzero, 0);
  assert_true(rt_alloc_usable_size(c) < (3 << 20));
  assert_false(rt_heap_owns(c + 4096));
  rt_free(c);
  /* Cleared by writing zeroes below 256 KiB, by purging above. */
  unsigned char *d = rt_alloc(200000);
  fill(d, 200000, 0xee);
  rt_free(d);
  d = rt_calloc(200000, 1);
  assert_ptr_equal(d, a);
  nonzero = 0;
  for (size_t i = 0; i < 200000; i++)
    nonzero += d[i] != 0;
  assert_int_equal(nonzero, 0);
  rt_free(d);
  rt_heap_trim();
  assert_int_equal(rt_heap_stats(&after), 0);
  assert_true(after.mapped_bytes <= before.mapped_bytes - (3 << 20));
}

static void test_aligned(void **state)
{
  (void)state;
  static const size_t sizes[] = {0, 1, 100, 5000, 70000, 200000};
  for (size_t a = 1; a <= ((size_t)2 << 20); a <<= 1)
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
      char *p = rt_alloc_aligned(a, sizes[i]);
      assert_non_null(p);
      assert_true(aligned_to(p, a < 16 ? 16 : a));
      assert_true(rt_heap_owns(p));
      assert_true(rt_alloc_usable_size(p) >= sizes[i]);
      if (sizes[i])
        fill(p, sizes[i], 1);
      rt_free(p);
    }
  static const size_t bad[] = {0, 3, 24, 100, SIZE_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    rt_clear_error();
    assert_null(rt_alloc_aligned(bad[i], 16));
    assert_int_equal(rt_last_error_code(), RT_EINVAL);
    assert_non_null(strstr(rt_last_error(), "power of two"));
  }
  rt_clear_error();
  assert_null(rt_alloc_aligned((size_t)4 << 20, 16));
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "not supported"));
}

static void check_pattern(const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    assert_int_equal(p[i], (unsigned char)(i * 7 + 3));
}

static unsigned char *patterned(size_t n)
{
  unsigned char *p = rt_alloc(n);
  assert_non_null(p);
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)(i * 7 + 3);
  return p;
}

static void test_realloc_keeps_content(void **state)
{
  (void)state;
  static const size_t steps[] = {10, 100, 5000, 100000, 300000, 5 << 20,
                                 200000, 7000, 40, 1};
  unsigned char *p = patterned(steps[0]);
  size_t have = steps[0];
  for (size_t i = 1; i < sizeof steps / sizeof *steps; i++) {
    p = rt_realloc(p, steps[i]);
    assert_non_null(p);
    check_pattern(p, have < steps[i] ? have : steps[i]);
    for (size_t j = 0; j < steps[i]; j++)
      p[j] = (unsigned char)(j * 7 + 3);
    have = steps[i];
    assert_true(rt_alloc_usable_size(p) >= have);
  }
  void *q = rt_realloc(p, 0);
  assert_non_null(q);
  assert_true(rt_heap_owns(q));
  rt_free(q);
  q = rt_realloc(NULL, 33);
  assert_non_null(q);
  assert_true(rt_alloc_usable_size(q) >= 33);
  rt_free(q);
}

static void test_realloc_failure_keeps_block(void **state)
{
  (void)state;
  unsigned char *p = patterned(64);
  rt_heap_fail_after(0);
  assert_null(rt_realloc(p, 4096));
  rt_heap_fail_after(-1);
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_true(rt_heap_owns(p));
  check_pattern(p, 64);
  rt_free(p);
}

static void test_strdup(void **state)
{
  (void)state;
  char *s = rt_strdup("libruntime");
  assert_string_equal(s, "libruntime");
  assert_true(rt_heap_owns(s));
  rt_free(s);
  s = rt_strndup("libruntime", 3);
  assert_string_equal(s, "lib");
  rt_free(s);
  s = rt_strndup("ab", 100);
  assert_string_equal(s, "ab");
  rt_free(s);
  s = rt_strdup("");
  assert_string_equal(s, "");
  rt_free(s);
  rt_clear_error();
  assert_null(rt_strdup(NULL));
  assert_int_equal(rt_last_error_code(), RT_EINVAL);
}

static void test_owns_foreign_and_wild(void **state)
{
  (void)state;
  int local = 0;
  static int global;
  void *m = malloc(64);
  char *small = rt_alloc(64), *large = rt_alloc(1 << 20);
  assert_true(rt_heap_owns(small));
  assert_true(rt_heap_owns(large));
  assert_false(rt_heap_owns(NULL));
  assert_false(rt_heap_owns(&local));
  assert_false(rt_heap_owns(&global));
  assert_false(rt_heap_owns(m));
  assert_false(rt_heap_owns((void *)test_owns_foreign_and_wild));
  assert_false(rt_heap_owns(small + 1));
  assert_false(rt_heap_owns(small + 16));
  assert_false(rt_heap_owns(small + 64)); /* the next, unused block */
  assert_false(rt_heap_owns(large + 4096));
  assert_false(rt_heap_owns((void *)((uintptr_t)small & ~(SEG_SIZE - 1))));
  assert_false(rt_heap_owns((void *)((uintptr_t)large & ~(SEG_SIZE - 1))));
  assert_false(rt_heap_owns((void *)((uintptr_t)small | (SEG_SIZE - 8))));
  assert_false(rt_heap_owns((void *)(uintptr_t)0xdeadbeef000));
  assert_false(rt_heap_owns((void *)(uintptr_t)0xffff800000001000));
  assert_false(rt_heap_owns((void *)(uintptr_t)UINTPTR_MAX));
  free(m);
  rt_free(small);
  rt_free(large);
  assert_false(rt_heap_owns(small));
  assert_false(rt_heap_owns(large));
}

static void test_stats(void **state)
{
  (void)state;
  struct rt_heap_stats a, b, c;
  assert_int_equal(rt_heap_stats(NULL), RT_EINVAL);
  assert_int_equal(rt_heap_stats(&a), 0);
  void *p[100];
  for (int i = 0; i < 100; i++)
    p[i] = rt_alloc(100);
  void *big = rt_alloc(10 << 20);
  assert_int_equal(rt_heap_stats(&b), 0);
  assert_int_equal(b.live_blocks - a.live_blocks, 101);
  assert_int_equal(b.live_bytes - a.live_bytes,
                   100 * rt_alloc_usable_size(p[0]) +
                       rt_alloc_usable_size(big));
  assert_int_equal(b.total_allocs - a.total_allocs, 101);
  assert_true(b.peak_bytes >= b.live_bytes);
  assert_true(b.mapped_bytes >= a.mapped_bytes + (10 << 20));
  for (int i = 0; i < 100; i++)
    rt_free(p[i]);
  rt_free(big);
  /* A freed large block's span stays cached until the purge policy or a
   * trim unmaps it. */
  rt_heap_trim();
  assert_int_equal(rt_heap_stats(&c), 0);
  assert_int_equal(c.live_blocks, a.live_blocks);
  assert_int_equal(c.live_bytes, a.live_bytes);
  assert_int_equal(c.total_frees - a.total_frees, 101);
  assert_true(c.peak_bytes >= b.live_bytes);
  assert_true(c.mapped_bytes <= b.mapped_bytes - (10 << 20));
  for (size_t i = 0; i < sizeof c.reserved / sizeof *c.reserved; i++)
    assert_int_equal(c.reserved[i], 0);
}

/* The peak is sampled whenever the heap maps another segment, so a rise
 * and fall without a rt_heap_stats() call in between is seen. */
enum { PEAK_BLOCKS = 64 * 1024 }; /* 64 MiB of 1000-byte blocks */

static void test_peak_sampled_as_heap_grows(void **state)
{
  (void)state;
  struct rt_heap_stats a, b;
  assert_int_equal(rt_heap_stats(&a), 0);
  void **p = rt_alloc(PEAK_BLOCKS * sizeof *p);
  assert_non_null(p);
  for (int i = 0; i < PEAK_BLOCKS; i++)
    assert_non_null(p[i] = rt_alloc(1000));
  for (int i = 0; i < PEAK_BLOCKS; i++)
    rt_free(p[i]);
  rt_free(p);
  assert_int_equal(rt_heap_stats(&b), 0);
  assert_int_equal(b.live_blocks, a.live_blocks);
  assert_true(b.peak_bytes >= a.live_bytes + ((size_t)48 << 20));
  rt_heap_trim();
}

static void test_trim_returns_memory(void **state)
{
  (void)state;
  enum { N = 20000 };
  static void *p[N];
  struct rt_heap_stats before, full, after;
  rt_heap_trim();
  rt_heap_stats(&before);
  for (int i = 0; i < N; i++) {
    p[i] = rt_alloc(1000 + (i % 7) * 3000);
    assert_non_null(p[i]);
    fill(p[i], 64, 1);
  }
  rt_heap_stats(&full);
  assert_true(full.mapped_bytes >= before.mapped_bytes + N * 1000);
  for (int i = 0; i < N; i++)
    rt_free(p[i]);
  rt_heap_trim();
  rt_heap_stats(&after);
  assert_true(after.mapped_bytes <= before.mapped_bytes + (8 << 20));
  assert_true(after.mapped_bytes < full.mapped_bytes / 2);
}

/* Many blocks of random sizes, freed in a shuffled order. */
static void test_many_blocks(void **state)
{
  (void)state;
  enum { N = 30000 };
  static unsigned char *p[N];
  static size_t n[N];
  struct rt_heap_stats a, b;
  rt_heap_stats(&a);
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < N; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    n[i] = 8 + x % (i % 10 ? 512 : 65536);
    p[i] = rt_alloc(n[i]);
    assert_non_null(p[i]);
    p[i][0] = (unsigned char)i;
    p[i][n[i] - 1] = (unsigned char)(i >> 8);
  }
  for (int i = N - 1; i > 0; i--) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int j = (int)(x % (uint64_t)(i + 1));
    unsigned char *tp = p[i];
    size_t tn = n[i];
    p[i] = p[j], n[i] = n[j], p[j] = tp, n[j] = tn;
  }
  for (int i = 0; i < N; i++) {
    assert_true(rt_heap_owns(p[i]));
    rt_free(p[i]);
  }
  rt_heap_stats(&b);
  assert_int_equal(b.live_blocks, a.live_blocks);
}

static void test_fault_injection(void **state)
{
  (void)state;
  rt_heap_fail_after(2);
  void *a = rt_alloc(8), *b = rt_strdup("x"), *c = rt_alloc(8);
  void *d = rt_calloc(1, 1);
  assert_non_null(a);
  assert_non_null(b);
  assert_null(c);
  assert_null(d);
  assert_int_equal(rt_last_error_code(), RT_ENOMEM);
  assert_non_null(strstr(rt_last_error(), "injected"));
  assert_null(rt_alloc_aligned(64, 8));
  assert_null(rt_realloc(a, 500));
  assert_null(rt_strndup("abc", 2));
  assert_null(rt_alloc(1 << 20));
  rt_heap_fail_after(-1);
  c = rt_alloc(8);
  assert_non_null(c);
  rt_free(a);
  rt_free(b);
  rt_free(c);
  rt_heap_fail_after(0);
  assert_null(rt_alloc(1));
  rt_heap_fail_after(-7);
  a = rt_alloc(1);
  assert_non_null(a);
  rt_free(a);
}

/* Run BODY in a child, return its status and what it wrote to stderr. */
static int in_child(void (*body)(void *), void *arg, char *err, size_t len)
{
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGABRT, SIG_DFL);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    body(arg);
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  ssize_t r;
  while (got < len - 1 && (r = read(fds[0], err + got, len - 1 - got)) > 0)
    got += (size_t)r;
  err[got] = '\0';
  close(fds[0]);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static void expect_abort(void (*body)(void *), void *arg, const char *msg)
{
  char err[2048];
  int status = in_child(body, arg, err, sizeof err);
  if (strstr(err, msg) == NULL)
    fail_msg("expected \"%s\" on stderr, got \"%s\"", msg, err);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void free_it(void *p) { rt_free(p); }
static void free_twice(void *p)
{
  rt_free(p);
  rt_free(p);
}
static void free_plus(void *p) { rt_free((char *)p + 16); }
static void free_plus_one(void *p) { rt_free((char *)p + 1); }
static void usable_of(void *p) { (void)rt_alloc_usable_size(p); }
static void realloc_it(void *p) { assert_null(rt_realloc(p, 10)); }

static void free_stack(void *arg)
{
  (void)arg;
  char local[32];
  rt_free(local);
}

static void test_free_foreign_aborts(void **state)
{
  (void)state;
  void *m = malloc(32);
  expect_abort(free_it, m, "was not allocated by libruntime");
  expect_abort(free_it, m, "a second copy of the runtime in this process?");
  expect_abort(free_stack, NULL, "rt_free: 0x");
  expect_abort(free_it, (void *)(uintptr_t)0xdeadbeef000,
               "was not allocated by libruntime");
  expect_abort(usable_of, m, "rt_alloc_usable_size: ");
  expect_abort(realloc_it, m, "rt_realloc: ");
  free(m);
}

static void test_double_free_aborts(void **state)
{
  (void)state;
  void *small = rt_alloc(48), *medium = rt_alloc(20000);
  void *large = rt_alloc(1 << 20);
  expect_abort(free_twice, small, "rt_free: double free of 0x");
  expect_abort(free_twice, medium, "double free");
  /* A freed large block's span is kept, marked freed, so the second
   * free is still seen as one. */
  expect_abort(free_twice, large, "rt_free: double free of 0x");
  rt_free(small);
  rt_free(medium);
  rt_free(large);
}

static void test_interior_free_aborts(void **state)
{
  (void)state;
  void *p = rt_alloc(64), *q = rt_alloc(1 << 20);
  expect_abort(free_plus, p, "points inside the 64-byte block");
  expect_abort(free_plus_one, p, "points inside");
  expect_abort(free_plus, q, "points inside");
  void *hdr = (void *)((uintptr_t)p & ~(SEG_SIZE - 1));
  expect_abort(free_it, (char *)hdr + 64, "is not a block it handed out");
  rt_free(p);
  rt_free(q);
  expect_abort(free_it, p, "double free");
}

/* A page no block has come from yet has no descriptor written (a new
 * segment faults in as little of its header as it can): a pointer into it,
 * even to its very start, must still be reported, not followed. */
static void test_free_into_unused_page_aborts(void **state)
{
  (void)state;
  void *p = rt_alloc(48);
  char *seg = (char *)((uintptr_t)p & ~(SEG_SIZE - 1));
  char *last = seg + SEG_SIZE - 64 * 1024; /* the segment's last page */
  assert_false(rt_heap_owns(last));
  assert_false(rt_heap_owns(last + 48));
  expect_abort(free_it, last, "is not a block it handed out");
  expect_abort(free_it, last + 48, "is not a block it handed out");
  expect_abort(usable_of, last, "rt_alloc_usable_size: ");
  rt_free(p);
}

#if !defined(__SANITIZE_ADDRESS__)
/* The heap keeps nothing in a block, free or not: a program that writes
 * into blocks after freeing them corrupts its own data, never the heap's.
 * Later allocations and frees work, and a double free of a scribbled
 * block is still caught.  (ASan and valgrind report the writes.) */
static void scribble_then_free_again(void *p)
{
  memset(p, 0xa5, 64);
  rt_free(p);
}

static void test_writes_after_free_leave_heap_intact(void **state)
{
  (void)state;
#if defined(HAVE_VALGRIND_MEMCHECK_H)
  if (RUNNING_ON_VALGRIND) {
    printf("# skipped: valgrind reports the writes after free itself\n");
    return;
  }
#endif
  struct rt_heap_stats before, after;
  assert_int_equal(rt_heap_stats(&before), 0);
  enum { N = 200 };
  unsigned char *b[N];
  for (int i = 0; i < N; i++)
    b[i] = rt_alloc(64);
  for (int i = 0; i < N; i++)
    rt_free(b[i]);
  for (int i = 0; i < N; i++)
    memset(b[i], 0xff, 64); /* every byte of every freed block */
  unsigned char *c[N];
  for (int i = 0; i < N; i++) {
    c[i] = rt_alloc(64);
    assert_non_null(c[i]);
    assert_true(rt_heap_owns(c[i]));
    for (int j = 0; j < i; j++)
      assert_ptr_not_equal(c[i], c[j]);
    memset(c[i], i, 64);
  }
  for (int i = 0; i < N; i++) {
    for (int k = 0; k < 64; k++)
      assert_int_equal(c[i][k], (unsigned char)i);
    rt_free(c[i]);
    assert_false(rt_heap_owns(c[i]));
  }
  assert_int_equal(rt_heap_stats(&after), 0);
  assert_int_equal(after.live_blocks, before.live_blocks);
  assert_int_equal(after.live_bytes, before.live_bytes);
  void *p = rt_alloc(64);
  rt_free(p);
  expect_abort(scribble_then_free_again, p, "rt_free: double free of 0x");
}
#endif

/* Double frees that involve another thread: a block freed twice by a
 * thread that does not own it (the owner has not taken the first back
 * yet), freed by another thread and then by its owner, or by its owner
 * and then by another thread. */
static void *free_in_thread(void *p)
{
  rt_free(p);
  return NULL;
}

static void free_elsewhere(void *p)
{
  pthread_t t;
  pthread_create(&t, NULL, free_in_thread, p);
  pthread_join(t, NULL);
}

static void free_elsewhere_twice(void *p)
{
  free_elsewhere(p);
  free_elsewhere(p);
}

static void free_elsewhere_then_here(void *p)
{
  free_elsewhere(p);
  rt_free(p);
}

static void free_here_then_elsewhere(void *p)
{
  rt_free(p);
  free_elsewhere(p);
}

static void test_cross_thread_double_free_aborts(void **state)
{
  (void)state;
  void *p = rt_alloc(100), *m = rt_alloc(30000);
  expect_abort(free_elsewhere_twice, p, "rt_free: double free of 0x");
  expect_abort(free_elsewhere_twice, m, "rt_free: double free of 0x");
  expect_abort(free_elsewhere_then_here, p, "rt_free: double free of 0x");
  expect_abort(free_here_then_elsewhere, p, "rt_free: double free of 0x");
  /* Freed by another thread and not yet taken back, it is not live. */
  free_elsewhere(p);
  assert_false(rt_heap_owns(p));
  rt_free(m);
}

#if defined(__SANITIZE_ADDRESS__)
static void read_after_free(void *arg)
{
  (void)arg;
  volatile char *p = rt_alloc(40);
  p[0] = 1;
  rt_free((void *)p);
  (void)p[3];
}

/* In the AddressSanitizer build free blocks are poisoned. */
static void test_asan_sees_use_after_free(void **state)
{
  (void)state;
  char err[8192];
  int status = in_child(read_after_free, NULL, err, sizeof err);
  assert_non_null(strstr(err, "AddressSanitizer: use-after-poison"));
  assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
#endif

static char *self; /* this program, run again by the environment test */

static void env_child(void)
{
  /* RT_HEAP_FAIL_AFTER=1 at start-up: one allocation, then failures. */
  void *a = rt_alloc(1), *b = rt_alloc(1);
  _exit(a != NULL && b == NULL && rt_last_error_code() == RT_ENOMEM ? 0 : 1);
}

static void test_fail_after_environment(void **state)
{
  (void)state;
  fflush(stdout);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    setenv("RT_HEAP_FAIL_AFTER", "1", 1);
    char *argv[] = {self, "--env-child", NULL};
    execv(self, argv);
    _exit(127);
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char **argv)
{
  self = argv[0];
  if (argc > 1 && strcmp(argv[1], "--env-child") == 0)
    env_child();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_sizes),
      cmocka_unit_test(test_free_into_unused_page_aborts),
      cmocka_unit_test(test_usable_size_is_tight),
      cmocka_unit_test(test_huge_sizes_fail_cleanly),
      cmocka_unit_test(test_calloc_zeroes),
      cmocka_unit_test(test_calloc_zeroes_reused_blocks),
      cmocka_unit_test(test_idle_pages_purged_after_delay),
      cmocka_unit_test(test_idle_pages_purged_at_thread_exit),
      cmocka_unit_test(test_idle_current_page_released_for_other_class),
      cmocka_unit_test(test_idle_current_page_kept_for_a_while),
      cmocka_unit_test(test_large_span_reused),
      cmocka_unit_test(test_heap_memory_not_in_huge_pages),
      cmocka_unit_test(test_aligned),
      cmocka_unit_test(test_realloc_keeps_content),
      cmocka_unit_test(test_realloc_failure_keeps_block),
      cmocka_unit_test(test_strdup),
      cmocka_unit_test(test_owns_foreign_and_wild),
      cmocka_unit_test(test_stats),
      cmocka_unit_test(test_peak_sampled_as_heap_grows),
      cmocka_unit_test(test_trim_returns_memory),
      cmocka_unit_test(test_many_blocks),
      cmocka_unit_test(test_fault_injection),
      cmocka_unit_test(test_free_foreign_aborts),
      cmocka_unit_test(test_double_free_aborts),
      cmocka_unit_test(test_cross_thread_double_free_aborts),
      cmocka_unit_test(test_interior_free_aborts),
#if !defined(__SANITIZE_ADDRESS__)
      cmocka_unit_test(test_writes_after_free_leave_heap_intact),
#endif
      cmocka_unit_test(test_fail_after_environment),
#if defined(__SANITIZE_ADDRESS__)
      cmocka_unit_test(test_asan_sees_use_after_free),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
