/* test_heap_threads.c — the runtime heap under threads: stress with
 * cross-thread frees, threads that exit with live blocks, a producer that
 * hands every block to a consumer, and fork from a threaded parent.  Runs
 * in the ThreadSanitizer build (make check-threads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

enum { SHARED = 64, SLOTS = 128, OPS = 4000 };

struct stress {
  _Atomic(unsigned char *) shared[SHARED];
  int nthreads;
};

struct worker {
  struct stress *st;
  unsigned id;
  _Atomic int failures;
};

static uint64_t next_rand(uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* 8 B to 64 KiB, log-uniform so that small blocks dominate as in life. */
static size_t random_size(uint64_t *x)
{
  unsigned shift = (unsigned)(next_rand(x) % 14);
  size_t n = ((size_t)8 << shift) + next_rand(x) % ((size_t)8 << shift);
  return n > 65536 ? 65536 : n;
}

/* A block records its size and owner tag in its first and last bytes. */
static unsigned char *make_block(uint64_t *x, unsigned char tag)
{
  size_t n = random_size(x);
  unsigned char *p = rt_alloc(n);
  if (p == NULL)
    return NULL;
  memcpy(p, &n, sizeof n);
  if (n > sizeof n) {
    p[sizeof n] = tag;
    p[n - 1] = tag;
  }
  return p;
}

static bool block_ok(const unsigned char *p)
{
  size_t n;
  memcpy(&n, p, sizeof n);
  return n >= 8 && n <= 65536 && (n == sizeof n || p[sizeof n] == p[n - 1]) &&
         rt_alloc_usable_size(p) >= n && rt_heap_owns(p);
}

static void *stress_worker(void *arg)
{
  struct worker *w = arg;
  uint64_t x = 0x9e3779b97f4a7c15u * (w->id + 1);
  unsigned char *mine[SLOTS] = {0};
  for (int op = 0; op < OPS; op++) {
    unsigned i = (unsigned)(next_rand(&x) % SLOTS);
    if (mine[i] && !block_ok(mine[i]))
      w->failures++;
    if (next_rand(&x) % 4 == 0) { /* trade with the other threads */
      unsigned s = (unsigned)(next_rand(&x) % SHARED);
      mine[i] = atomic_exchange(&w->st->shared[s], mine[i]);
      continue;
    }
    rt_free(mine[i]);
    mine[i] = make_block(&x, (unsigned char)w->id);
    if (mine[i] == NULL)
      w->failures++;
  }
  for (unsigned i = 0; i < SLOTS; i++)
    rt_free(mine[i]);
  return NULL;
}

static void run_stress(int nthreads)
{
  struct stress st = {.nthreads = nthreads};
  struct worker w[8];
  pthread_t t[8];
  struct rt_heap_stats before, after;
  rt_heap_stats(&before);
  for (int i = 0; i < nthreads; i++) {
    w[i] = (struct worker){.st = &st, .id = (unsigned)i};
    assert_int_equal(pthread_create(&t[i], NULL, stress_worker, &w[i]), 0);
  }
  for (int i = 0; i < nthreads; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(w[i].failures, 0);
  }
  for (int s = 0; s < SHARED; s++) {
    unsigned char *p = atomic_load(&st.shared[s]);
    if (p)
      assert_true(block_ok(p));
    rt_free(p);
  }
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
  assert_int_equal(after.live_bytes, before.live_bytes);
  assert_true(after.total_allocs > before.total_allocs + nthreads * OPS / 2);
}

static void test_stress_2_threads(void **state)
{
  (void)state;
  run_stress(2);
}

static void test_stress_8_threads(void **state)
{
  (void)state;
  run_stress(8);
}

/* Threads exit with live blocks; main checks and frees them afterwards,
 * then the segments they left are taken over and released. */
enum { LEFT = 2000 };

static void *leave_blocks(void *arg)
{
  unsigned char **out = arg;
  uint64_t x = (uintptr_t)arg | 1;
  for (int i = 0; i < LEFT; i++)
    out[i] = make_block(&x, (unsigned char)i);
  return NULL;
}

static void test_thread_exit_with_live_blocks(void **state)
{
  (void)state;
  static unsigned char *left[4][LEFT];
  pthread_t t[4];
  struct rt_heap_stats before, mid, after;
  rt_heap_trim();
  rt_heap_stats(&before);
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, leave_blocks, left[i]), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_join(t[i], NULL), 0);
  rt_heap_stats(&mid);
  assert_int_equal(mid.live_blocks - before.live_blocks, 4 * LEFT);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < LEFT; j++) {
      assert_non_null(left[i][j]);
      assert_true(block_ok(left[i][j]));
      left[i][j][8] ^= 0xff; /* still writable */
      left[i][j][8] ^= 0xff;
    }
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < LEFT; j++) {
      rt_free(left[i][j]);
      assert_false(rt_heap_owns(left[i][j]));
    }
  rt_heap_trim();
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
  assert_true(after.mapped_bytes <= before.mapped_bytes + (4 << 20));
}

/* Frees into another thread's pages are counted by the freeing thread
 * and taken back by the owner only when it collects them: the figures
 * must be exact in between, and after. */
enum { REMOTE = 3000 };

static void *free_all(void *arg)
{
  void **blocks = arg;
  for (int i = 0; i < REMOTE; i++)
    rt_free(blocks[i]);
  return NULL;
}

static void test_stats_exact_across_remote_frees(void **state)
{
  (void)state;
  static void *blocks[REMOTE];
  struct rt_heap_stats before, mid, after, later;
  size_t bytes = 0;
  rt_heap_stats(&before);
  for (int i = 0; i < REMOTE; i++) {
    /* tiny, small and medium blocks */
    size_t size = i % 3 == 0 ? 24 : i % 3 == 1 ? 600 : 20000;
    blocks[i] = rt_alloc(size);
    assert_non_null(blocks[i]);
    bytes += rt_alloc_usable_size(blocks[i]);
  }
  rt_heap_stats(&mid);
  assert_int_equal(mid.live_blocks - before.live_blocks, REMOTE);
  assert_int_equal(mid.live_bytes - before.live_bytes, bytes);
  assert_int_equal(mid.total_allocs - before.total_allocs, REMOTE);
  assert_int_equal(mid.total_frees, before.total_frees);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, free_all, blocks), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  /* Not collected yet: this thread has not allocated since. */
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
  assert_int_equal(after.live_bytes, before.live_bytes);
  assert_int_equal(after.total_frees - before.total_frees, REMOTE);
  assert_int_equal(after.total_allocs - before.total_allocs, REMOTE);
  /* Collected: trim takes every remote free back. */
  rt_heap_trim();
  rt_heap_stats(&later);
  assert_int_equal(later.live_blocks, before.live_blocks);
  assert_int_equal(later.live_bytes, before.live_bytes);
  assert_int_equal(later.total_frees - before.total_frees, REMOTE);
  assert_int_equal(later.total_allocs - before.total_allocs, REMOTE);
  assert_true(later.peak_bytes >= before.live_bytes + bytes);
}

/* Producer -> consumer: every block is freed by the other thread. */
enum { XFREE = 50000, RING = 256 };

struct ring {
  _Atomic(unsigned char *) slot[RING];
  _Atomic int bad;
};

static void *consume(void *arg)
{
  struct ring *r = arg;
  for (int i = 0; i < XFREE; i++) {
    unsigned char *p;
    while ((p = atomic_exchange(&r->slot[i % RING], NULL)) == NULL)
      sched_yield();
    if (p[0] != (unsigned char)i || p[15] != (unsigned char)(i >> 8))
      r->bad++;
    rt_free(p);
  }
  return NULL;
}

/* Blocks another thread freed are used again before the page hands out
 * memory it has never handed out: a producer whose blocks a consumer
 * frees keeps reusing the same memory (its footprint stays that of the
 * blocks in flight).  Each test uses a class no earlier test of this
 * thread uses, so its pages start fresh. */
struct block_set {
  void **p;
  int n;
};

static void *free_set(void *arg)
{
  struct block_set *b = arg;
  for (int i = 0; i < b->n; i++)
    rt_free(b->p[i]);
  return NULL;
}

/* Another thread frees the N blocks OLD (of SIZE bytes); the next N
 * allocations of SIZE bytes must all be those blocks again. */
static void expect_reused_after_remote_free(void **old, int n, size_t size)
{
  struct block_set set = {old, n};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, free_set, &set), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  void *again[64];
  assert_true(n <= 64);
  for (int i = 0; i < n; i++) {
    assert_non_null(again[i] = rt_alloc(size));
    int found = 0;
    for (int j = 0; j < n; j++)
      found |= again[i] == old[j];
    if (!found)
      fail_msg("block %d (%p) is fresh memory, not one of the %d %zu-byte "
               "blocks the other thread freed", i, again[i], n, size);
  }
  for (int i = 0; i < n; i++)
    rt_free(again[i]);
}

static void test_remote_frees_reused_before_fresh_blocks(void **state)
{
  (void)state;
  /* 2 KiB blocks, 64 to a page: the first 30 fill 15 whole 4 KiB pages
   * of memory, and those are all a page releases until it needs more. */
  enum { N = 30 };
  void *old[N];
  for (int i = 0; i < N; i++)
    assert_non_null(old[i] = rt_alloc(2048));
  expect_reused_after_remote_free(old, N, 2048);
}

/* The same across pages: a full page whose blocks another thread freed
 * is used again before the current page brings in memory it has never
 * handed out.  4 KiB blocks, 32 to a (128 KiB) page, one to each 4 KiB
 * of memory, in a class no earlier test of this thread uses. */
static void test_remote_frees_in_other_pages_reused_before_fresh_memory(
    void **state)
{
  (void)state;
  enum { PER_PAGE = 32 };
  void *old[PER_PAGE], *next;
  for (int i = 0; i < PER_PAGE; i++)
    assert_non_null(old[i] = rt_alloc(4096));
  assert_non_null(next = rt_alloc(4096)); /* the first block of a new page */
  expect_reused_after_remote_free(old, PER_PAGE, 4096);
  rt_free(next);
}

/* Full pages that another thread emptied while older full pages of the
 * class stay live (a consumer that frees the newest blocks first, as
 * xmalloc-test's stack of batches does) are used again before a new
 * page: the producer's footprint stays that of its live blocks.  6 KiB
 * blocks, 21 to a (128 KiB) page, a class no earlier test of this
 * thread uses: pages 0-59 stay live, 60-64 are freed by another thread,
 * page 65 is the current one, full.  page_find looks at a few of the
 * full pages only, which do not reach the emptied ones here. */
static void test_emptied_pages_behind_live_ones_reused(void **state)
{
  (void)state;
  enum { PER_PAGE = 21, PAGES = 66, LIVE = 60, FREED = 5 };
  static void *blk[PAGES * PER_PAGE], *again[FREED * PER_PAGE];
  for (int i = 0; i < PAGES * PER_PAGE; i++)
    assert_non_null(blk[i] = rt_alloc(6144));
  struct block_set set = {blk + LIVE * PER_PAGE, FREED * PER_PAGE};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, free_set, &set), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  for (int i = 0; i < FREED * PER_PAGE; i++) {
    assert_non_null(again[i] = rt_alloc(6144));
    int found = 0;
    for (int j = 0; j < set.n; j++)
      found |= again[i] == set.p[j];
    if (!found)
      fail_msg("block %d (%p) is fresh memory, not one of the %d blocks "
               "the other thread freed", i, again[i], set.n);
  }
  for (int i = 0; i < FREED * PER_PAGE; i++)
    rt_free(again[i]);
  for (int i = 0; i < PAGES * PER_PAGE; i++)
    if (i < LIVE * PER_PAGE || i >= (LIVE + FREED) * PER_PAGE)
      rt_free(blk[i]);
}

static void test_producer_consumer(void **state)
{
  (void)state;
  static struct ring r;
  pthread_t t;
  struct rt_heap_stats before, after;
  rt_heap_stats(&before);
  assert_int_equal(pthread_create(&t, NULL, consume, &r), 0);
  for (int i = 0; i < XFREE; i++) {
    unsigned char *p = rt_alloc(16 + (size_t)(i % 50) * 8);
    assert_non_null(p);
    p[0] = (unsigned char)i;
    p[15] = (unsigned char)(i >> 8);
    while (atomic_load(&r.slot[i % RING]) != NULL)
      sched_yield();
    atomic_store(&r.slot[i % RING], p);
  }
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(r.bad, 0);
  rt_heap_stats(&after);
  assert_int_equal(after.live_blocks, before.live_blocks);
}

/* fork() while other threads allocate: the child must be able to
 * allocate, and free what the parent allocated before the fork. */
static _Atomic bool stop;

static void *churn(void *arg)
{
  uint64_t x = (uintptr_t)arg | 1;
  while (!atomic_load(&stop)) {
    unsigned char *p = make_block(&x, 1);
    rt_free(p);
  }
  return NULL;
}

static void fork_child(unsigned char *before, int fd)
{
  uint64_t x = 12345;
  bool ok = before[99] == 7;
  rt_free(before);
  for (int i = 0; i < 5000 && ok; i++) {
    unsigned char *p = make_block(&x, 2);
    ok = p != NULL && block_ok(p);
    rt_free(p);
  }
  void *big = rt_alloc(8 << 20);
  ok = ok && big != NULL;
  rt_free(big);
  ssize_t n = write(fd, ok ? "y" : "n", 1);
  _exit(n == 1 ? 0 : 1);
}

static void test_fork_from_threaded_parent(void **state)
{
  (void)state;
  pthread_t t[2];
  static int seeds[2];
  unsigned char *before = rt_alloc(100);
  memset(before, 7, 100);
  atomic_store(&stop, false);
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, churn, &seeds[i]), 0);
  for (int round = 0; round < 3; round++) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
      fork_child(before, fds[1]);
    close(fds[1]);
    char verdict = 'n';
    assert_int_equal(read(fds[0], &verdict, 1), 1);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* The verdict comes through the pipe: under valgrind the child's exit
     * status reports the blocks the parent's threads were holding. */
    assert_true(WIFEXITED(status));
    assert_int_equal(verdict, 'y');
  }
  atomic_store(&stop, true);
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_join(t[i], NULL), 0);
  rt_free(before);
}

/* ---- pages emptied by other threads while their owner is idle ---------- */

enum { EMPTIED = 200 }; /* blocks of one class: eight pages and more */

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Whether madvise(MADV_DONTNEED) takes memory out of the process here
 * (as Linux does; an emulator such as qemu-user may ignore it, and then
 * no purge can be seen). */
static bool dontneed_releases(void)
{
  long psz = sysconf(_SC_PAGESIZE);
  unsigned char *p = mmap(NULL, (size_t)psz, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(p != MAP_FAILED);
  p[0] = 1;
  unsigned char v = 0;
  bool released = madvise(p, (size_t)psz, MADV_DONTNEED) == 0 &&
                  mincore(p, (size_t)psz, &v) == 0 && (v & 1) == 0 &&
                  p[0] == 0;
  munmap(p, (size_t)psz);
  return released;
}

/* Of the whole 4 KiB pages of memory inside blocks BLK[0..N) of SIZE
 * bytes, how many are resident (mincore); their number in *WHOLE. */
static int resident_pages(void **blk, int n, size_t size, int *whole)
{
  long psz = sysconf(_SC_PAGESIZE);
  int in = 0;
  *whole = 0;
  for (int i = 0; i < n; i++) {
    uintptr_t a = ((uintptr_t)blk[i] + (uintptr_t)psz - 1) & ~(uintptr_t)(psz - 1);
    for (; a + (uintptr_t)psz <= (uintptr_t)blk[i] + size; a += (uintptr_t)psz) {
      unsigned char v = 0;
      assert_int_equal(mincore((void *)a, (size_t)psz, &v), 0);
      ++*whole;
      in += v & 1;
    }
  }
  return in;
}

/* EMPTIED blocks of SIZE bytes in BLK, written; another thread frees all
 * but the last (whose page stays this thread's current one): the pages
 * before it are full ones with no block live.  Nothing else allocates
 * meanwhile, so nothing purges them. */
static void fill_then_empty_remotely(void **blk, size_t size)
{
  for (int i = 0; i < EMPTIED; i++) {
    assert_non_null(blk[i] = rt_alloc(size));
    memset(blk[i], 0x5a, size);
  }
  struct block_set set = {blk, EMPTIED - 1};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, free_set, &set), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
}

/* This thread takes EMPTIED - 1 blocks of SIZE into AGAIN, reusing the
 * emptied pages of BLK, and writes them; how many were BLK's. */
static int take_back(void **blk, void **again, size_t size)
{
  int reused = 0;
  for (int i = 0; i < EMPTIED - 1; i++) {
    assert_non_null(again[i] = rt_alloc(size));
    for (int j = 0; j < EMPTIED - 1; j++)
      reused += again[i] == blk[j];
    memset(again[i], i & 0xff, size);
  }
  return reused;
}

/* The blocks take_back wrote still hold it; all are freed. */
static void check_back(void **blk, void **again, size_t size, int reused)
{
  for (int i = 0; i < EMPTIED - 1; i++) {
    const unsigned char *c = again[i];
    if (c[0] != (i & 0xff) || c[size - 1] != (i & 0xff))
      fail_msg("block %d lost what was written into it", i);
    rt_free(again[i]);
  }
  rt_free(blk[EMPTIED - 1]);
  if (reused < EMPTIED / 2)
    fail_msg("only %d of %d blocks came from the emptied pages", reused,
             EMPTIED - 1);
}

static void take_back_and_check(void **blk, size_t size)
{
  static void *again[EMPTIED];
  check_back(blk, again, size, take_back(blk, again, size));
}

static void *alloc_once(void *arg)
{
  (void)arg;
  void *p = rt_alloc(100); /* a new thread's first page: fresh memory */
  rt_free(p);
  return NULL;
}

/* Sleep until MS milliseconds after T0 (now_ms() time), then let another
 * thread take fresh memory, the moment due candidates are purged. */
static void purge_moment(double t0, double ms)
{
  double left = t0 + ms - now_ms();
  if (left > 0)
    usleep((useconds_t)(left * 1000));
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, alloc_once, NULL), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
}

/* This thread (the owner) stays idle while another thread empties its
 * full pages: their memory goes back to the OS 10 ms later (not before:
 * a busy owner takes such pages back at once), when another thread next
 * takes fresh memory; the owner then uses the blocks again as usual.
 * 10 KiB blocks (each holds a whole 4 KiB page of memory), a class no
 * earlier test of this thread uses. */
static void test_idle_owner_emptied_pages_purged(void **state)
{
  (void)state;
  static void *blk[EMPTIED];
  fill_then_empty_remotely(blk, 10240);
  double t0 = now_ms();
  int whole, in = resident_pages(blk, EMPTIED / 2, 10240, &whole);
  assert_true(whole >= EMPTIED / 2);
  assert_int_equal(in, whole); /* not yet */
  purge_moment(t0, 20);
  in = resident_pages(blk, EMPTIED / 2, 10240, &whole);
  if (in != 0 && dontneed_releases())
    fail_msg("%d of the %d emptied pages of memory are still resident",
             in, whole);
  take_back_and_check(blk, 10240);
}

/* The same while the owner keeps allocating (other sizes): its emptied
 * pages wait PURGE_DELAY_MS (50 ms), as its own idle pages do, so that
 * it may take them back first.  14 KiB blocks. */
static void test_busy_owner_emptied_pages_kept_longer(void **state)
{
  (void)state;
  static void *blk[EMPTIED];
  fill_then_empty_remotely(blk, 14336);
  double t0 = now_ms();
  /* Slow paths of this heap's: a page of blocks of each of a few sizes. */
  for (size_t size = 24; size <= 512; size *= 2) {
    void *p[64];
    for (int i = 0; i < 64; i++)
      assert_non_null(p[i] = rt_alloc(size));
    for (int i = 0; i < 64; i++)
      rt_free(p[i]);
  }
  purge_moment(t0, 20);
  int whole, in = resident_pages(blk, EMPTIED / 2, 14336, &whole);
  if (now_ms() - t0 < 45 && in != whole)
    fail_msg("%d of the %d emptied pages of memory went back to the OS "
             "while their owner was allocating", whole - in, whole);
  purge_moment(t0, 70);
  in = resident_pages(blk, EMPTIED / 2, 14336, &whole);
  if (in != 0 && dontneed_releases())
    fail_msg("%d of the %d emptied pages of memory are still resident "
             "after 70 ms", in, whole);
  take_back_and_check(blk, 14336);
}

static void *trim_once(void *arg)
{
  (void)arg;
  rt_heap_trim();
  return NULL;
}

/* rt_heap_trim in any thread purges such pages at once.  12 KiB blocks. */
static void test_trim_purges_pages_emptied_by_other_threads(void **state)
{
  (void)state;
  static void *blk[EMPTIED];
  fill_then_empty_remotely(blk, 12288);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, trim_once, NULL), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  int whole, in = resident_pages(blk, EMPTIED / 2, 12288, &whole);
  assert_true(whole >= EMPTIED / 2);
  if (in != 0 && dontneed_releases())
    fail_msg("%d of the %d emptied pages of memory are still resident "
             "after rt_heap_trim", in, whole);
  take_back_and_check(blk, 12288);
}

static _Atomic bool trimming;
static _Atomic unsigned trims;

static void *trim_loop(void *arg)
{
  (void)arg;
  while (atomic_load(&trimming)) {
    rt_heap_trim();
    atomic_fetch_add(&trims, 1);
  }
  return NULL;
}

/* The owner takes its emptied pages back while another thread purges
 * candidates as fast as it can, and keeps them through two more purges:
 * a purge never reaches a page the owner has taken back (what it wrote
 * stays written).  7 KiB blocks. */
static void test_owner_takes_pages_back_during_purges(void **state)
{
  (void)state;
  static void *blk[EMPTIED], *again[EMPTIED];
  for (int round = 0; round < 20; round++) {
    fill_then_empty_remotely(blk, 7168);
    pthread_t t;
    atomic_store(&trimming, true);
    assert_int_equal(pthread_create(&t, NULL, trim_loop, NULL), 0);
    int reused = take_back(blk, again, 7168);
    unsigned seen = atomic_load(&trims);
    while (atomic_load(&trims) < seen + 2)
      sched_yield();
    atomic_store(&trimming, false);
    assert_int_equal(pthread_join(t, NULL), 0);
    check_back(blk, again, 7168, reused);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stress_2_threads),
      cmocka_unit_test(test_stress_8_threads),
      cmocka_unit_test(test_thread_exit_with_live_blocks),
      cmocka_unit_test(test_stats_exact_across_remote_frees),
      cmocka_unit_test(test_producer_consumer),
      cmocka_unit_test(test_remote_frees_reused_before_fresh_blocks),
      cmocka_unit_test(test_emptied_pages_behind_live_ones_reused),
      cmocka_unit_test(
          test_remote_frees_in_other_pages_reused_before_fresh_memory),
      cmocka_unit_test(test_fork_from_threaded_parent),
      cmocka_unit_test(test_idle_owner_emptied_pages_purged),
      cmocka_unit_test(test_busy_owner_emptied_pages_kept_longer),
      cmocka_unit_test(test_trim_purges_pages_emptied_by_other_threads),
      cmocka_unit_test(test_owner_takes_pages_back_during_purges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
