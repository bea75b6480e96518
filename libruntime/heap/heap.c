/*
 * heap.c — libruntime's own allocator (runtime/alloc.h).
 *
 * Small and medium blocks come from pages of one size class carved out of
 * SEG_SIZE-aligned segments; each thread owns the segments it mapped and
 * allocates and frees in them without locks, through per-page bitmaps
 * (the heap never touches a block's memory).  A block freed by another
 * thread gets its bit set in its page's remote bits, which the owner
 * takes back when that page runs dry.  Large blocks are mapped one by one.  The
 * global lock guards only the slow paths: the list of thread heaps, the
 * segments of exited threads, and the cache of empty segments.
 * doc/architecture.md ("The heap") explains the choices.
 */
#include "../internal.h"
#include "heap_int.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RELAXED memory_order_relaxed
#define LOAD(x) atomic_load_explicit(&(x), RELAXED)
#define STORE(x, v) atomic_store_explicit(&(x), (v), RELAXED)

static _Atomic uint8_t segmap[SEGMAP_LEN];
static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
static struct heap *all_heaps, *free_heaps;   /* under glock */
static struct segment *abandoned[NPAGED], *cache[NPAGED]; /* glock */
static unsigned ncached;                      /* under glock */
static _Atomic unsigned nabandoned[NPAGED];
static struct heap_counters gone;  /* counters of exited threads */
static _Atomic size_t mapped_bytes;
static _Atomic uint64_t peak_bytes;
static struct segment *all_segs; /* every tiny, small and medium segment */
static _Atomic long fail_countdown = -1;
static _Atomic(void *) map_hint;
static pthread_key_t heap_key;
static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
_Atomic unsigned rt__heap_flags = HF_INITIAL;
/* Sizes below this take rt_alloc's fast path: STEP_MAX + 1 while no flag
 * is set, else 0 (one comparison tests both); set with the flags, under
 * glock. */
static _Atomic size_t fast_end = HF_INITIAL ? 0 : STEP_MAX + 1;

/* The state of a thread that has not allocated yet: every class points at
 * an empty page, so the fast path needs no "initialised?" test. */
static struct page empty_page; /* no free block: allocations go slow */
static struct heap empty_heap = {.cur = {[0 ... NCLASS] = &empty_page}};
static __thread struct heap *tl_heap
    __attribute__((tls_model("initial-exec"))) = &empty_heap;

static void heap_global_init(void);

/* ---- reporting --------------------------------------------------------- */

/* A corrupted heap cannot be trusted to format through stdio buffers:
 * the message goes straight to fd 2, then the process aborts. */
RT_NORETURN RT_PRINTF(1, 2) static void heap_fatal(const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((size_t)n > sizeof msg - 2)
    n = sizeof msg - 2;
  msg[n++] = '\n';
  ssize_t rc = write(STDERR_FILENO, msg, (size_t)n);
  (void)rc;
  abort();
}

static void *nomem(const char *who, size_t size, const char *why)
{
  rt__error(RT_ENOMEM, "%s(%zu): out of memory%s%s", who, size,
            why ? ": " : "", why ? why : "");
  return NULL;
}

/* ---- statistics -------------------------------------------------------- */

static inline void count(_Atomic uint64_t *c, uint64_t n)
{
  atomic_store_explicit(c, atomic_load_explicit(c, RELAXED) + n, RELAXED);
}

static void raise_peak(uint64_t live)
{
  uint64_t old = LOAD(peak_bytes);
  while ((int64_t)live > (int64_t)old &&
         !atomic_compare_exchange_weak_explicit(&peak_bytes, &old, live,
                                                RELAXED, RELAXED))
    ;
}

static void counters_add(struct heap_counters *to,
                         const struct heap_counters *from)
{
  count(&to->allocs, LOAD(from->allocs));
  count(&to->rfree, LOAD(from->rfree));
  count(&to->rfree_bytes, LOAD(from->rfree_bytes));
  count(&to->collected, LOAD(from->collected));
  count(&to->collected_bytes, LOAD(from->collected_bytes));
  count(&to->large_allocs, LOAD(from->large_allocs));
  count(&to->large_frees, LOAD(from->large_frees));
  count(&to->large_balloc, LOAD(from->large_balloc));
  count(&to->large_bfree, LOAD(from->large_bfree));
}

/* The counters a free by the calling thread (heap H) goes to: H's own or,
 * in a thread that could not map a heap, the exited threads' record, under
 * the lock until counters_done(). */
static struct heap_counters *counters_of(struct heap *h)
{
  if (h)
    return &h->st;
  pthread_mutex_lock(&glock);
  return &gone;
}

static void counters_done(struct heap *h)
{
  if (h == NULL)
    pthread_mutex_unlock(&glock);
}

/* Add the allocations PG counted since its last fold to ST. */
static void page_fold(struct heap_counters *st, struct page *pg)
{
  uint64_t a = LOAD(pg->use) >> USE_SHIFT;
  count(&st->allocs, (a - LOAD(pg->folded)) & USE_WRAP);
  STORE(pg->folded, a);
}

struct heap_totals {
  uint64_t allocs, live_blocks, live_bytes;
};

/* Everything counted, from the heaps' counters and every page in use;
 * under glock, which keeps segments from being unmapped meanwhile.  Exact
 * when no other thread is allocating or freeing. */
static void heap_totals(struct heap_totals *t)
{
  struct heap_counters sum = {0};
  counters_add(&sum, &gone);
  for (struct heap *h = all_heaps; h; h = h->next)
    counters_add(&sum, &h->st);
  uint64_t allocs = LOAD(sum.allocs) + LOAD(sum.large_allocs);
  uint64_t blocks = LOAD(sum.large_allocs) - LOAD(sum.large_frees);
  uint64_t bytes = LOAD(sum.large_balloc) - LOAD(sum.large_bfree);
  for (struct segment *s = all_segs; s; s = s->all_next)
    for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
      struct page *pg = seg_page(s, __builtin_ctzll(m));
      uint32_t bsize = LOAD(pg->bsize);
      if (bsize == 0)
        continue;
      uint64_t use = LOAD(pg->use);
      allocs += ((use >> USE_SHIFT) - LOAD(pg->folded)) & USE_WRAP;
      blocks += use & USE_BLOCKS;
      bytes += (use & USE_BLOCKS) * bsize;
    }
  /* Blocks freed into other threads' pages are still out in those pages
   * until their owners collect them. */
  t->allocs = allocs;
  t->live_blocks = blocks - (LOAD(sum.rfree) - LOAD(sum.collected));
  t->live_bytes = bytes - (LOAD(sum.rfree_bytes) - LOAD(sum.collected_bytes));
}

/* Raise the peak to the live bytes now; on slow paths only (a walk of
 * every page), so the peak misses what rises and falls between two
 * samples within memory the heap already holds. */
static void sample_peak(void)
{
  struct heap_totals t;
  pthread_mutex_lock(&glock);
  heap_totals(&t);
  pthread_mutex_unlock(&glock);
  raise_peak(t.live_bytes);
}

/* ---- fault injection --------------------------------------------------- */

static bool inject_failure(void)
{
  long k = LOAD(fail_countdown);
  while (k > 0 && !atomic_compare_exchange_weak_explicit(
                      &fail_countdown, &k, k - 1, RELAXED, RELAXED))
    ;
  return k == 0;
}

static inline bool failing(void)
{
  return RT_UNLIKELY(LOAD(fail_countdown) >= 0) && inject_failure();
}

static void *injected(const char *who, size_t size)
{
  return nomem(who, size, "failure injected by rt_heap_fail_after() or "
                          "RT_HEAP_FAIL_AFTER");
}

/* Set (ON) or clear flag F. */
static void set_flag(unsigned f, bool on)
{
  pthread_mutex_lock(&glock);
  unsigned flags = LOAD(rt__heap_flags);
  flags = on ? flags | f : flags & ~f;
  STORE(rt__heap_flags, flags);
  STORE(fast_end, flags ? 0 : STEP_MAX + 1);
  pthread_mutex_unlock(&glock);
}

void rt_heap_fail_after(long k)
{
  STORE(fail_countdown, k < 0 ? -1 : k);
  set_flag(HF_INJECT, k >= 0);
}

/* ---- the OS ------------------------------------------------------------ */

static void *map_at(void *hint, size_t size)
{
  void *p = mmap(hint, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* SIZE bytes at an ALIGN boundary: first where the last mapping ended
 * (usually free and aligned), else over-map and trim both ends. */
static void *os_map(size_t size, size_t align)
{
  char *p = map_at(LOAD(map_hint), size);
  if (p && ((uintptr_t)p & (align - 1)) != 0) {
    munmap(p, size);
    p = NULL;
  }
  if (p == NULL) {
    if (size > SIZE_MAX - align)
      return NULL;
    char *raw = map_at(NULL, size + align);
    if (raw == NULL)
      return NULL;
    p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (p > raw)
      munmap(raw, (size_t)(p - raw));
    if (raw + size + align > p + size)
      munmap(p + size, (size_t)(raw + size + align - (p + size)));
  }
  if (align >= SEG_SIZE)
    STORE(map_hint, (void *)(p + ((size + align - 1) & ~(align - 1))));
  atomic_fetch_add_explicit(&mapped_bytes, size, RELAXED);
  return p;
}

static void os_unmap(void *p, size_t size)
{
  tool_forget(p, size);
  munmap(p, size);
  atomic_fetch_sub_explicit(&mapped_bytes, size, RELAXED);
}

/* Give the memory back but keep the addresses. */
static void os_purge(void *p, size_t size)
{
  tool_forget(p, size);
  madvise(p, size, MADV_DONTNEED);
}

/* ---- the segment map --------------------------------------------------- */

/* Record in the segment map whether S, whose kind is set, is mapped. */
static void segmap_set(struct segment *s, bool on)
{
  uint8_t v = SM_NONE;
  if (on)
    v = s->kind == SEG_LARGE || (LOAD(rt__heap_flags) & HF_TOOLS) ? SM_SLOW
                                                                  : SM_FAST;
  atomic_store_explicit(&segmap[(uintptr_t)s >> SEG_SHIFT], v,
                        memory_order_release);
}

/* What heap mapping starts in the SEG_SIZE window of address A. */
static inline uint8_t segmap_get(uintptr_t a)
{
  uintptr_t i = a >> SEG_SHIFT;
  return i < SEGMAP_LEN ? atomic_load_explicit(&segmap[i], memory_order_acquire)
                        : SM_NONE;
}

/* The segment P lies in, or NULL if no heap mapping starts in P's window. */
static inline struct segment *segment_of(const void *p)
{
  uintptr_t a = (uintptr_t)p;
  return segmap_get(a) != SM_NONE ? (struct segment *)(a & ~(uintptr_t)SEG_MASK)
                                  : NULL;
}

/* ---- pages ------------------------------------------------------------- */

static inline struct segment *page_segment(struct page *pg)
{
  return (struct segment *)((uintptr_t)pg & ~(uintptr_t)SEG_MASK);
}

static inline char *page_start(const struct page *pg)
{
  return (char *)((uintptr_t)pg & ~(uintptr_t)SEG_MASK) + LOAD(pg->start_off);
}

static inline unsigned page_index(const struct page *pg)
{
  struct segment *s = page_segment((struct page *)pg);
  return (unsigned)((size_t)((const char *)pg - (const char *)s->pages) /
                    s->page_stride);
}

/* Whether block IDX (below the capacity) of PG is live: a snapshot, when
 * called by a thread other than the owner.  See struct page. */
static inline bool block_live(struct page *pg, uint32_t idx)
{
  struct bitpair *b = page_bits(pg, idx);
  return ((LOAD(b->free) | LOAD(b->remote)) & block_bit(idx)) == 0;
}

/* The pages of S that hold blocks (not its header), as a mask. */
static inline uint64_t data_pages(const struct segment *s)
{
  uint64_t all = s->npages == 64 ? ~(uint64_t)0
                                 : ((uint64_t)1 << s->npages) - 1;
  return all & ~(((uint64_t)1 << s->first_page) - 1);
}

static inline char *large_data(const struct segment *s)
{
  return (char *)s + s->data_off;
}

/* Release for allocation the blocks of PG that have never been handed
 * out and start in the next 4 KiB of its memory (within one word of
 * bits): memory comes in an OS page at a time. */
static void page_extend(struct page *pg)
{
  uint32_t first = pg->fresh, bsize = LOAD(pg->bsize);
  size_t end = (((size_t)first * bsize) & ~(size_t)(OS_PAGE - 1)) + OS_PAGE;
  uint32_t last = (uint32_t)((end + bsize - 1) / bsize); /* one past */
  if (last > LOAD(pg->capacity))
    last = LOAD(pg->capacity);
  if (last > (first | 63) + 1)
    last = (first | 63) + 1;
  uint64_t bits = (~(uint64_t)0 >> (63 - ((last - 1) & 63))) &
                  (~(uint64_t)0 << (first & 63));
  struct bitpair *b = page_bits(pg, first);
  /* Free first, remote then: a block is never live in between. */
  STORE(b->free, LOAD(b->free) | bits);
  atomic_fetch_and_explicit(&b->remote, ~bits, RELAXED);
  pg->fsum |= (uint64_t)1 << (first >> 6);
  pg->fresh = last;
}

static void page_format(struct page *pg, unsigned cls)
{
  struct segment *s = page_segment(pg);
  unsigned i = page_index(pg);
  uint64_t bsize = class_size(cls);
  uint32_t cap = (uint32_t)(((size_t)1 << s->page_shift) / bsize);
  STORE(pg->start_off, (uint32_t)((size_t)i << s->page_shift));
  atomic_fetch_or_explicit(&s->formatted, (uint64_t)1 << i, RELAXED);
  s->dirty_map &= ~((uint64_t)1 << i);
  pg->cls = (uint8_t)cls;
  pg->flags = PG_USED;
  /* Until released (page_extend), a block looks freed by another
   * thread: not live, and not free either.  The indices from the capacity
   * to the end of its word look so for good (also the next word when the
   * capacity ends one, if the record has room for it), so the fast free,
   * which checks no capacity, never takes them for live; page_collect
   * leaves them. */
  uint32_t nwords = (cap + 63) / 64;
  size_t room = (s->page_stride - sizeof(struct page)) / sizeof(struct bitpair);
  uint32_t marked = nwords + ((cap & 63) == 0 && nwords < room);
  for (uint32_t w = 0; w < marked; w++) {
    STORE(page_word(pg, w)->free, 0);
    STORE(page_word(pg, w)->remote, ~(uint64_t)0);
  }
  STORE(pg->rpending, 0);
  pg->fresh = 0;
  pg->fsum = 0;
  STORE(pg->nbase, -((uintptr_t)s + ((size_t)i << s->page_shift)));
  STORE(pg->use, 0);
  STORE(pg->folded, 0);
  pg->next = pg->prev = NULL;
  /* The blocks are not touched (nor faulted in) until handed out. */
  tool_hide(page_start(pg), (size_t)cap * bsize);
  STORE(pg->bsize, (uint32_t)bsize);
  STORE(pg->recip, UINT64_MAX / bsize + 1);
  STORE(pg->capacity, cap);
  page_extend(pg);
}

static inline uint32_t page_used(const struct page *pg)
{
  return (uint32_t)(LOAD(pg->use) & USE_BLOCKS);
}

/* Move the blocks other threads freed to the page's free bits; ST, the
 * counters of the heap doing it, count them as collected. */
static void page_collect(struct heap_counters *st, struct page *pg)
{
  uint32_t pending = atomic_load_explicit(&pg->rpending, memory_order_acquire);
  if (pending == 0)
    return;
  uint32_t n = 0;
  for (uint32_t w = 0; w < (pg->fresh + 63) / 64 && n < pending; w++) {
    struct bitpair *b = page_word(pg, w);
    /* Acquire: a freer's announcement (rpending) came before its bit. */
    uint64_t r = atomic_load_explicit(&b->remote, memory_order_acquire);
    if (w == pg->fresh >> 6)
      r &= block_bit(pg->fresh) - 1; /* not the blocks never handed out */
    if (r == 0)
      continue;
    uint64_t f = LOAD(b->free);
    if ((f & r) != 0)
      heap_fatal("rt_free: the heap's bits for the page at %p are corrupt "
                 "(a block both free and freed by another thread)",
                 (void *)page_start(pg));
    /* Free first, remote then: a block is never live in between. */
    STORE(b->free, f | r);
    pg->fsum |= (uint64_t)1 << w;
    atomic_fetch_and_explicit(&b->remote, ~r, RELAXED);
    n += (uint32_t)__builtin_popcountll(r);
  }
  if (n == 0)
    return; /* announced, bits not set yet: next time */
  atomic_fetch_sub_explicit(&pg->rpending, n, RELAXED);
  if (n > page_used(pg))
    heap_fatal("rt_free: the heap's count of blocks for the page at %p is "
               "corrupt", (void *)page_start(pg));
  STORE(pg->use, LOAD(pg->use) - n);
  count(&st->collected, n);
  count(&st->collected_bytes, (uint64_t)n * LOAD(pg->bsize));
}

/* Whether PG has a free block: one its summary knows of, else one freed
 * by its owner since the summary ran dry (the summary is rebuilt), or by
 * another thread (taken back).  Blocks never handed out do not count. */
static bool page_has_free(struct heap *h, struct page *pg)
{
  /* Released blocks not out are free ones the summary misses. */
  if (pg->fsum == 0 && page_used(pg) < pg->fresh) {
    uint64_t fs = 0;
    for (uint32_t w = 0; w < (pg->fresh + 63) / 64; w++)
      if (LOAD(page_word(pg, w)->free))
        fs |= (uint64_t)1 << w;
    pg->fsum = fs;
  }
  if (pg->fsum == 0)
    page_collect(&h->st, pg);
  return pg->fsum != 0;
}

/* ---- page queues of a heap -------------------------------------------- */

/* The current page of class CLS of H (see heap.cur). */
static inline struct page *cur_page(struct heap *h, unsigned cls)
{
  return h->cur[cls + 1];
}

/* Make PG the current page of class CLS of H. */
static void set_cur(struct heap *h, unsigned cls, struct page *pg)
{
  h->cur[cls + 1] = pg;
  if (cls == 0)
    h->cur[0] = pg;
}

/* Queues are FIFO: a page waits at the back for its turn, so that by the
 * time it is used again it has gathered as many freed blocks as it can. */
static void pq_push(struct pq *q, struct page *pg)
{
  pg->next = NULL;
  pg->prev = q->tail;
  if (q->tail)
    q->tail->next = pg;
  else
    q->head = pg;
  q->tail = pg;
}

static void pq_remove(struct pq *q, struct page *pg)
{
  if (pg->prev)
    pg->prev->next = pg->next;
  else
    q->head = pg->next;
  if (pg->next)
    pg->next->prev = pg->prev;
  else
    q->tail = pg->prev;
  pg->next = pg->prev = NULL;
}

static void partial_push(struct heap *h, struct page *pg)
{
  pg->flags |= PG_PARTIAL;
  pq_push(&h->partial[pg->cls], pg);
}

static void partial_remove(struct heap *h, struct page *pg)
{
  pg->flags &= (uint8_t)~PG_PARTIAL;
  pq_remove(&h->partial[pg->cls], pg);
}

static void full_push(struct heap *h, struct page *pg)
{
  pg->flags |= PG_FULL;
  pq_push(&h->full[pg->cls], pg);
}

static void full_remove(struct heap *h, struct page *pg)
{
  pg->flags &= (uint8_t)~PG_FULL;
  pq_remove(&h->full[pg->cls], pg);
}

/* Take PG off whichever queue (or current slot) holds it. */
static void page_unqueue(struct heap *h, struct page *pg)
{
  if (cur_page(h, pg->cls) == pg)
    set_cur(h, pg->cls, &empty_page);
  else if (pg->flags & PG_PARTIAL)
    partial_remove(h, pg);
  else if (pg->flags & PG_FULL)
    full_remove(h, pg);
}

/* ---- segments ---------------------------------------------------------- */

static void seg_link(struct heap *h, struct segment *s, bool front)
{
  struct segment **head = &h->segs[s->kind];
  if (front || *head == NULL) {
    s->prev = NULL;
    s->next = *head;
    if (s->next)
      s->next->prev = s;
    *head = s;
    return;
  }
  struct segment *t = *head;
  while (t->next)
    t = t->next;
  t->next = s;
  s->prev = t;
  s->next = NULL;
}

static void seg_unlink(struct heap *h, struct segment *s)
{
  if (s->prev)
    s->prev->next = s->next;
  else
    h->segs[s->kind] = s->next;
  if (s->next)
    s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

static void segment_format(struct segment *s, enum seg_kind kind)
{
  static const unsigned first_class[NPAGED] = {0, TINY_NCLASS, SMALL_NCLASS};
  static const unsigned page_shift[NPAGED] = {
      TINY_PAGE_SHIFT, SMALL_PAGE_SHIFT, MEDIUM_PAGE_SHIFT};
  unsigned shift = page_shift[kind];
  size_t min = class_size(first_class[kind]);
  s->kind = (uint8_t)kind;
  s->page_shift = (uint8_t)shift;
  s->npages = (uint16_t)(SEG_SIZE >> shift);
  /* A record is a descriptor and room for the bits of the smallest
   * class, an odd number of cache lines, so that records do not start at
   * the same offset of every 4 KiB page (nor fight over the same cache
   * sets): 1216 bytes in tiny segments, 448 in small ones, 192 in
   * medium ones. */
  size_t words = (((size_t)1 << shift) / min + 63) / 64;
  size_t lines = (sizeof(struct page) + words * sizeof(struct bitpair) + 63) / 64;
  s->page_stride = (uint32_t)((lines | 1) * 64);
  size_t hdr = offsetof(struct segment, pages) + s->npages * s->page_stride;
  s->first_page = (uint16_t)((hdr + ((size_t)1 << shift) - 1) >> shift);
  s->free_pages = (uint16_t)(s->npages - s->first_page);
  s->map_size = SEG_SIZE;
}

static struct segment *segment_create(enum seg_kind kind)
{
  struct segment *s = os_map(SEG_SIZE, SEG_SIZE);
  if (s == NULL)
    return NULL;
  segment_format(s, kind);
  segmap_set(s, true);
  pthread_mutex_lock(&glock);
  s->all_prev = NULL;
  s->all_next = all_segs;
  if (all_segs)
    all_segs->all_prev = s;
  all_segs = s;
  pthread_mutex_unlock(&glock);
  return s;
}

static void segment_destroy(struct segment *s)
{
  if (s->kind != SEG_LARGE) {
    pthread_mutex_lock(&glock);
    if (s->all_prev)
      s->all_prev->all_next = s->all_next;
    else
      all_segs = s->all_next;
    if (s->all_next)
      s->all_next->all_prev = s->all_prev;
    pthread_mutex_unlock(&glock);
  }
  segmap_set(s, false);
  os_unmap(s, s->map_size);
}

/* Return the unused pages' memory to the OS, a run of pages at a time. */
static void segment_purge(struct segment *s)
{
  size_t psize = (size_t)1 << s->page_shift;
  while (s->dirty_map) {
    unsigned i = (unsigned)__builtin_ctzll(s->dirty_map), j = i;
    for (; j < s->npages && (s->dirty_map >> j & 1); j++) {
      seg_page(s, j)->flags = 0;
      s->dirty_map &= ~((uint64_t)1 << j);
    }
    s->dirty_pages = (uint16_t)(s->dirty_pages - (j - i));
    os_purge(page_start(seg_page(s, i)), (j - i) * psize);
  }
}

/* An empty segment goes to the cache (purged) or back to the OS. */
static void segment_retire(struct segment *s)
{
  atomic_store_explicit(&s->owner, NULL, memory_order_release);
  segment_purge(s);
  pthread_mutex_lock(&glock);
  bool keep = ncached < CACHE_SEGMENTS;
  if (keep) {
    s->next = cache[s->kind];
    cache[s->kind] = s;
    ncached++;
  }
  pthread_mutex_unlock(&glock);
  if (!keep)
    segment_destroy(s);
}

static struct segment *cache_take(enum seg_kind kind)
{
  pthread_mutex_lock(&glock);
  struct segment *s = cache[kind];
  if (s) {
    cache[kind] = s->next;
    s->next = NULL;
    ncached--;
  }
  pthread_mutex_unlock(&glock);
  return s;
}

/* Return a page whose blocks are all free to its segment; ST, the heap
 * doing it, takes over its count of allocations. */
static void page_clear(struct heap_counters *st, struct page *pg)
{
  struct segment *s = page_segment(pg);
  page_fold(st, pg);
  STORE(pg->capacity, 0);
  STORE(pg->recip, 0);
  STORE(pg->nbase, 0);
  STORE(pg->bsize, 0);
  pg->flags = PG_DIRTY;
  uint64_t bit = (uint64_t)1 << page_index(pg);
  atomic_fetch_and_explicit(&s->formatted, ~bit, RELAXED);
  s->dirty_map |= bit;
  s->free_pages++;
  s->dirty_pages++;
}

static void heap_purge(struct heap *h)
{
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++)
    for (struct segment *s = h->segs[k]; s; s = s->next)
      segment_purge(s);
  h->dirty = 0;
  h->purge_at = 0;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Idle pages are purged once more than PURGE_PAGES of them have stayed
 * around for PURGE_DELAY_MS: a thread that frees and soon allocates again
 * (the common churn) keeps its memory instead of faulting it back in. */
static void heap_maybe_purge(struct heap *h)
{
  if (h->dirty <= PURGE_PAGES) {
    h->purge_at = 0;
    return;
  }
  uint64_t now = now_ms();
  if (h->purge_at == 0)
    h->purge_at = now + PURGE_DELAY_MS;
  else if (now >= h->purge_at)
    heap_purge(h);
}

/* PG (unqueued, no block out) is no longer needed by heap H.  True if
 * that emptied its segment, which is then gone from H. */
static bool page_release(struct heap *h, struct page *pg)
{
  struct segment *s = page_segment(pg);
  page_clear(&h->st, pg);
  h->dirty++;
  if (s->free_pages == s->npages - s->first_page) {
    seg_unlink(h, s);
    h->dirty -= s->dirty_pages;
    segment_retire(s);
    return true;
  }
  if (s->free_pages == 1) {
    seg_unlink(h, s);
    seg_link(h, s, true);
  }
  heap_maybe_purge(h);
  return false;
}

/* Sort an adopted page into H's queues; false if it had no block out. */
static bool page_adopt(struct heap *h, struct page *pg)
{
  pg->flags &= PG_USED;
  pg->next = pg->prev = NULL;
  page_collect(&h->st, pg);
  if (page_used(pg) == 0) {
    page_clear(&h->st, pg);
    return false;
  }
  if (page_used(pg) < LOAD(pg->capacity))
    partial_push(h, pg);
  else
    full_push(h, pg);
  return true;
}

/* Make H the owner of S, a segment left behind by an exited thread, or
 * retire S if its blocks have all been freed since (then false). */
static bool segment_adopt(struct heap *h, struct segment *s)
{
  atomic_store_explicit(&s->owner, h, memory_order_release);
  for (uint64_t m = LOAD(s->formatted); m; m &= m - 1)
    page_adopt(h, seg_page(s, __builtin_ctzll(m)));
  if (s->free_pages == s->npages - s->first_page) {
    segment_retire(s);
    return false;
  }
  h->dirty += s->dirty_pages;
  seg_link(h, s, s->free_pages > 0);
  return true;
}

static struct segment *abandoned_take(enum seg_kind kind)
{
  if (LOAD(nabandoned[kind]) == 0)
    return NULL;
  pthread_mutex_lock(&glock);
  struct segment *s = abandoned[kind];
  if (s) {
    abandoned[kind] = s->next;
    s->next = NULL;
    atomic_fetch_sub_explicit(&nabandoned[kind], 1, RELAXED);
  }
  pthread_mutex_unlock(&glock);
  return s;
}

/* A segment with a free page for H: adopted, cached, or new. */
static struct segment *segment_obtain(struct heap *h, enum seg_kind kind)
{
  struct segment *s;
  while ((s = abandoned_take(kind)) != NULL)
    if (segment_adopt(h, s) && s->free_pages)
      return s;
  /* The heap grows: a moment to sample the peak. */
  sample_peak();
  s = cache_take(kind);
  if (s == NULL)
    s = segment_create(kind);
  if (s == NULL)
    return NULL;
  atomic_store_explicit(&s->owner, h, memory_order_release);
  seg_link(h, s, true);
  return s;
}

/* An unused page of S, preferring one whose memory is still mapped in
 * (dirty) to one that would fault in fresh zero pages. */
static struct page *segment_free_page(struct segment *s)
{
  if (s->dirty_map)
    return seg_page(s, __builtin_ctzll(s->dirty_map));
  uint64_t fresh = data_pages(s) & ~LOAD(s->formatted);
  return fresh ? seg_page(s, __builtin_ctzll(fresh)) : NULL;
}

static struct page *page_obtain(struct heap *h, unsigned cls)
{
  enum seg_kind kind = class_kind(cls);
  struct segment *s = h->segs[kind];
  if (s == NULL || s->free_pages == 0)
    s = segment_obtain(h, kind);
  if (s == NULL)
    return NULL;
  struct page *pg = segment_free_page(s);
  if (pg->flags & PG_DIRTY) {
    s->dirty_pages--;
    h->dirty--;
  }
  page_format(pg, cls);
  if (--s->free_pages == 0 && s->next) {
    seg_unlink(h, s);
    seg_link(h, s, false);
  }
  return pg;
}

/* ---- thread heaps ------------------------------------------------------ */

static void heap_reset(struct heap *h)
{
  memset(h, 0, sizeof *h);
  for (unsigned c = 0; c <= NCLASS; c++)
    h->cur[c] = &empty_page;
}

static struct heap *heap_create(void)
{
  pthread_once(&heap_once, heap_global_init);
  pthread_mutex_lock(&glock);
  struct heap *h = free_heaps;
  if (h)
    free_heaps = h->next;
  else
    h = os_map((sizeof *h + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1), OS_PAGE);
  if (h) {
    heap_reset(h);
    h->next = all_heaps;
    if (all_heaps)
      all_heaps->prev = h;
    all_heaps = h;
  }
  pthread_mutex_unlock(&glock);
  if (h == NULL)
    return nomem("rt_alloc", sizeof *h, "cannot map a thread heap");
  pthread_setspecific(heap_key, h);
  tl_heap = h;
  return h;
}

static inline struct heap *heap_get(void)
{
  struct heap *h = tl_heap;
  return RT_LIKELY(h != &empty_heap) ? h : heap_create();
}

/* Leave S for another thread to adopt, or retire it if nothing is live. */
static void segment_abandon(struct heap *h, struct segment *s)
{
  for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
    struct page *pg = seg_page(s, __builtin_ctzll(m));
    pg->flags = PG_USED;
    pg->next = pg->prev = NULL;
    page_collect(&h->st, pg);
    if (page_used(pg) == 0)
      page_clear(&h->st, pg);
    else
      page_fold(&h->st, pg);
  }
  if (s->free_pages == s->npages - s->first_page) {
    segment_retire(s);
    return;
  }
  atomic_store_explicit(&s->owner, NULL, memory_order_release);
  pthread_mutex_lock(&glock);
  s->next = abandoned[s->kind];
  abandoned[s->kind] = s;
  atomic_fetch_add_explicit(&nabandoned[s->kind], 1, RELAXED);
  pthread_mutex_unlock(&glock);
}

/* Thread exit (pthread key destructor): the thread's segments stay
 * usable; their live blocks may be freed by anyone, and the segments are
 * adopted by the next thread that needs one. */
static void heap_abandon(void *arg)
{
  struct heap *h = arg;
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++) {
    struct segment *s;
    while ((s = h->segs[k]) != NULL) {
      seg_unlink(h, s);
      segment_abandon(h, s);
    }
  }
  pthread_mutex_lock(&glock);
  counters_add(&gone, &h->st);
  if (h->prev)
    h->prev->next = h->next;
  else
    all_heaps = h->next;
  if (h->next)
    h->next->prev = h->prev;
  h->next = free_heaps;
  free_heaps = h;
  pthread_mutex_unlock(&glock);
  sample_peak();
  tl_heap = &empty_heap;
}

/* ---- start-up and fork ------------------------------------------------- */

static void fork_prepare(void) { pthread_mutex_lock(&glock); }
static void fork_parent(void) { pthread_mutex_unlock(&glock); }

/* Only the forking thread lives on in the child.  The other threads'
 * heaps are left as they were (they may have been mid-update); their
 * blocks can still be freed, through the remote bits. */
static void fork_child(void) { pthread_mutex_unlock(&glock); }

static void heap_global_init(void)
{
  if (pthread_key_create(&heap_key, heap_abandon) != 0)
    heap_fatal("rt_alloc: cannot create the heap's thread key");
  pthread_atfork(fork_prepare, fork_parent, fork_child);
#if defined(HAVE_VALGRIND_MEMCHECK_H) && !defined(RT_HEAP_ASAN)
  if (RUNNING_ON_VALGRIND)
    set_flag(HF_TOOLS, true);
#endif
}

/* RT_HEAP_FAIL_AFTER=k arms fault injection before main() runs. */
__attribute__((constructor)) static void heap_start(void)
{
  pthread_once(&heap_once, heap_global_init);
  const char *env = getenv("RT_HEAP_FAIL_AFTER");
  if (env == NULL || *env == '\0')
    return;
  char *end;
  errno = 0;
  long k = strtol(env, &end, 10);
  if (*end == '\0' && errno == 0)
    rt_heap_fail_after(k);
}

/* ---- allocation -------------------------------------------------------- */

/* Which block of PG the address P (in PG's part of the segment) falls in;
 * *EXACT: whether it is that block's start. */
static inline uint32_t block_index_exact(const struct page *pg, const void *p,
                                         bool *exact)
{
  uint64_t recip = LOAD(pg->recip);
  unsigned __int128 prod =
      (unsigned __int128)((uintptr_t)p + LOAD(pg->nbase)) * recip;
  *exact = (uint64_t)prod < recip;
  return (uint32_t)(prod >> 64);
}

static inline uint32_t block_index(const struct page *pg, const void *p)
{
  bool exact;
  return block_index_exact(pg, p, &exact);
}

/* Hand out the lowest free block of PG, whose words with a free bit are
 * FS (not 0).  TOOLED: tell valgrind/ASan about the block (the careful
 * path). */
static inline __attribute__((always_inline)) void *
page_pop(struct page *pg, uint64_t fs, bool tooled)
{
  uint32_t w = (uint32_t)__builtin_ctzll(fs);
  struct bitpair *b = page_word(pg, w);
  uint64_t f = LOAD(b->free);
  uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(f);
  STORE(b->free, f & (f - 1));
  if ((f & (f - 1)) == 0)
    pg->fsum = fs & (fs - 1);
  uint32_t bsize = LOAD(pg->bsize);
  char *p = (char *)((size_t)idx * bsize - LOAD(pg->nbase));
  STORE(pg->use, LOAD(pg->use) + USE_ALLOC);
  if (tooled)
    tool_alloc(p, bsize, 0);
  return p;
}

/* Whether PG has blocks never handed out (that page_extend releases). */
static inline bool page_can_extend(struct page *pg)
{
  return pg->fresh < LOAD(pg->capacity);
}

/* Whether PG, taken off its queue, has a free block, or (FRESH) can
 * release some blocks never handed out, which it then does. */
static bool page_usable(struct heap *h, struct page *pg, bool fresh)
{
  if (page_has_free(h, pg))
    return true;
  if (!fresh || !page_can_extend(pg))
    return false;
  page_extend(pg);
  return true;
}

/* A page of H's for class CLS other than the current one with a free
 * block, or else with blocks never handed out (some are then released),
 * or NULL.  REMOTE: only one with blocks freed by other threads waiting,
 * and never fresh blocks. */
static struct page *page_find(struct heap *h, unsigned cls, bool remote)
{
  struct page *pg;
  if (!remote && (pg = h->partial[cls].head) != NULL) {
    partial_remove(h, pg);
    if (page_usable(h, pg, true))
      return pg;
    full_push(h, pg);
  }
  for (int i = 0; i < FULL_SCAN && (pg = h->full[cls].head) != NULL; i++) {
    if (remote && LOAD(pg->rpending) == 0)
      break;
    full_remove(h, pg);
    if (page_usable(h, pg, !remote))
      return pg;
    full_push(h, pg);
  }
  return NULL;
}

/* The current page of the class has no free block it knows of.  Blocks
 * freed since come first: by this thread into the current page, by other
 * threads into any page of the class (the oldest full pages are checked),
 * then by this thread into other pages.  Only then does memory never used
 * come in: the rest of the current page, else of another, else a new
 * page.  (Without the second step, a producer whose blocks a consumer
 * frees would keep two pages' worth of memory where one and a bit do.) */
__attribute__((noinline)) static void *alloc_slow(size_t size,
                                                  const char *who)
{
  struct heap *h = heap_get();
  if (h == NULL)
    return NULL;
  unsigned cls = size_class(size);
  struct page *cur = cur_page(h, cls), *pg = cur;
  if (cur == &empty_page || !page_has_free(h, cur)) {
    if (cur != &empty_page && page_can_extend(cur)) {
      pg = page_find(h, cls, true);
      if (pg == NULL) {
        page_extend(cur);
        pg = cur;
      }
    } else {
      pg = page_find(h, cls, false);
    }
    if (pg == NULL && (pg = page_obtain(h, cls)) == NULL)
      return nomem(who, size, "the system refused a new heap segment");
    if (pg != cur) {
      if (cur != &empty_page) {
        page_fold(&h->st, cur);
        full_push(h, cur);
      }
      set_cur(h, cls, pg);
    }
    if (pg->fsum == 0)
      heap_fatal("rt_alloc: internal error: a page without free blocks");
  }
  return page_pop(pg, pg->fsum, true);
}

static void *large_alloc(size_t size, size_t align, const char *who)
{
  struct heap *h = heap_get();
  if (h == NULL)
    return NULL;
  size_t hdr = (sizeof(struct segment) + align - 1) & ~(align - 1);
  if (size > PTRDIFF_MAX || size > SIZE_MAX - hdr - OS_PAGE)
    return nomem(who, size, "the size is larger than PTRDIFF_MAX");
  size_t map = (hdr + size + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1);
  struct segment *s = os_map(map, SEG_SIZE);
  if (s == NULL)
    return nomem(who, size, "the system refused to map it");
  s->kind = SEG_LARGE;
  s->map_size = map;
  s->data_off = (uint32_t)hdr;
  s->usable = map - hdr;
  STORE(s->live, 1);
  segmap_set(s, true);
  count(&h->st.large_allocs, 1);
  count(&h->st.large_balloc, s->usable);
  /* A large block is sampled at once only if as large as a segment: each
   * sample walks every page of the heap. */
  if (s->usable >= SEG_SIZE)
    sample_peak();
  tool_alloc(large_data(s), s->usable, 1);
  return large_data(s);
}

static inline void *heap_alloc(size_t size, const char *who)
{
  if (RT_LIKELY(size <= MEDIUM_MAX)) {
    struct heap *h = tl_heap;
    struct page *pg = h->cur[cur_slot(size)];
    uint64_t fs = pg->fsum;
    if (RT_LIKELY(fs != 0))
      return page_pop(pg, fs, true);
    return alloc_slow(size, who);
  }
  return large_alloc(size, MIN_BLOCK, who);
}

__attribute__((noinline)) static void *alloc_careful(size_t size)
{
  if (failing())
    return injected("rt_alloc", size);
  return heap_alloc(size, "rt_alloc");
}

/* The fast path, for the common sizes (up to STEP_MAX): a block off the
 * current page of the size class, with no lock, no atomic
 * read-modify-write and no call.  Larger sizes take one call more. */
void *rt_alloc(size_t size)
{
  if (RT_LIKELY(size < LOAD(fast_end))) {
    struct page *pg = tl_heap->cur[small_slot(size)];
    uint64_t fs = pg->fsum;
    if (RT_LIKELY(fs != 0))
      return page_pop(pg, fs, false);
    return alloc_slow(size, "rt_alloc");
  }
  return alloc_careful(size);
}

void *rt_calloc(size_t n, size_t size)
{
  if (size != 0 && n > SIZE_MAX / size) {
    rt__error(RT_ENOMEM, "rt_calloc(%zu, %zu): out of memory: the count "
              "times the size overflows", n, size);
    return NULL;
  }
  void *p = rt_alloc(n * size);
  if (p && n * size <= MEDIUM_MAX)
    memset(p, 0, n * size);
  return p;
}

static size_t next_pow2(size_t n)
{
  return n <= 1 ? 1 : (size_t)1 << (64 - __builtin_clzl(n - 1));
}

void *rt_alloc_aligned(size_t align, size_t size)
{
  if (align == 0 || (align & (align - 1)) != 0) {
    rt__error(RT_EINVAL, "rt_alloc_aligned(%zu, %zu): the alignment is not "
              "a power of two", align, size);
    return NULL;
  }
  if (align > MAX_ALIGN) {
    rt__error(RT_EINVAL, "rt_alloc_aligned(%zu, %zu): alignments above %zu "
              "bytes are not supported", align, size, MAX_ALIGN);
    return NULL;
  }
  if (failing())
    return injected("rt_alloc_aligned", size);
  if (align <= MIN_BLOCK)
    return heap_alloc(size, "rt_alloc_aligned");
  /* Power-of-two classes start on their own alignment in every page. */
  if (size <= MEDIUM_MAX && align <= MEDIUM_MAX)
    return heap_alloc(next_pow2(size > align ? size : align),
                      "rt_alloc_aligned");
  return large_alloc(size, align, "rt_alloc_aligned");
}

char *rt_strndup(const char *s, size_t n)
{
  if (s == NULL) {
    rt__error(RT_EINVAL, "rt_strndup: the string is NULL");
    return NULL;
  }
  size_t len = strnlen(s, n);
  char *p = rt_alloc(len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

char *rt_strdup(const char *s) { return rt_strndup(s, SIZE_MAX); }

/* ---- freeing ----------------------------------------------------------- */

/* What P is, for a block of the heap; aborts if it is not a live one. */
struct blockref {
  struct segment *seg;
  struct page *pg; /* NULL for a large block */
  uint32_t idx;
  size_t size;
};

RT_NORETURN static void bad_pointer(const char *who, const void *p,
                                    struct page *pg, uint32_t bsize)
{
  uint32_t idx = block_index(pg, p);
  if (bsize && idx < LOAD(pg->capacity) && block_live(pg, idx))
    heap_fatal("%s: %p points inside the %u-byte block at %p (offset %zu), "
               "not at its start", who, p, bsize,
               (void *)(page_start(pg) + (size_t)idx * bsize),
               (size_t)((const char *)p - page_start(pg)) - (size_t)idx * bsize);
  heap_fatal("%s: %p is inside libruntime's heap but is not a block it "
             "handed out (a wild, stale or misaligned pointer)", who, p);
}

RT_NORETURN static void foreign_pointer(const char *who, const void *p)
{
  heap_fatal("%s: %p was not allocated by libruntime \xe2\x80\x94 a second "
             "copy of the runtime in this process?", who, p);
}

static void large_check(const char *who, const void *p, struct segment *s)
{
  if (p != large_data(s)) {
    if ((const char *)p > large_data(s) && (const char *)p < large_data(s) + s->usable)
      heap_fatal("%s: %p points inside the %zu-byte block at %p (offset "
                 "%zu), not at its start", who, p, s->usable,
                 (void *)large_data(s), (size_t)((const char *)p - large_data(s)));
    foreign_pointer(who, p);
  }
  if (LOAD(s->live) != 1)
    heap_fatal("%s: double free of %p (a %zu-byte block already freed)", who,
               p, s->usable);
}

static inline __attribute__((always_inline)) struct blockref
block_ref(const void *p, const char *who)
{
  struct blockref r = {.seg = segment_of(p)};
  if (RT_UNLIKELY(r.seg == NULL))
    foreign_pointer(who, p);
  if (RT_UNLIKELY(r.seg->kind == SEG_LARGE)) {
    large_check(who, p, r.seg);
    r.size = r.seg->usable;
    return r;
  }
  r.pg = page_of(r.seg, p);
  r.size = LOAD(r.pg->bsize);
  bool exact;
  r.idx = block_index_exact(r.pg, p, &exact);
  if (RT_UNLIKELY(!exact || r.idx >= LOAD(r.pg->capacity)))
    bad_pointer(who, p, r.pg, (uint32_t)r.size);
  if (RT_UNLIKELY(!block_live(r.pg, r.idx)))
    heap_fatal("%s: double free of %p (a %zu-byte block that is already "
               "free)", who, p, r.size);
  return r;
}

static void large_free(struct segment *s)
{
  struct heap *h = heap_get();
  if (atomic_exchange_explicit(&s->live, 0, RELAXED) != 1)
    heap_fatal("rt_free: double free of %p (freed by two threads at once)",
               (void *)large_data(s));
  struct heap_counters *st = counters_of(h);
  count(&st->large_frees, 1);
  count(&st->large_bfree, s->usable);
  counters_done(h);
  tool_free(large_data(s), s->usable);
  segment_destroy(s);
}

/* A local free that needs the queues: the page was full, or is now idle. */
__attribute__((noinline)) static void free_local_slow(struct page *pg)
{
  struct heap *h = tl_heap;
  if (pg->flags & PG_FULL) {
    full_remove(h, pg);
    if (page_used(pg))
      partial_push(h, pg);
    else
      page_release(h, pg);
  } else if (page_used(pg) == 0 && cur_page(h, pg->cls) != pg) {
    page_unqueue(h, pg);
    page_release(h, pg);
  }
}

/* Block IDX of PG (P, SIZE bytes), live and not freed by another thread,
 * freed by the page's owner: its bit goes back to the free word, whose
 * value is F. */
static inline __attribute__((always_inline)) void
free_local(struct page *pg, uint32_t idx, uint64_t f, void *p, size_t size,
           bool tooled)
{
  STORE(page_bits(pg, idx)->free, f | block_bit(idx));
  if (tooled)
    tool_free(p, size);
  uint64_t use = LOAD(pg->use) - 1;
  STORE(pg->use, use);
  if (RT_UNLIKELY((pg->flags & PG_FULL) || (use & USE_BLOCKS) == 0))
    free_local_slow(pg);
}

/* P, a live block of another thread's page, checked by the caller.
 * Once its bit is set the block may be collected and its segment
 * unmapped by the owner at once, so nothing of it is touched after: the
 * page's count of pending remote frees goes up first (while the block
 * still keeps the page in use), and the bit last. */
__attribute__((noinline)) static void free_remote(void *p)
{
  struct page *pg = page_of(page_segment((struct page *)p), p);
  uint32_t idx = block_index(pg, p);
  size_t size = LOAD(pg->bsize);
  struct heap *h = heap_get();
  /* Counted first: the owner may collect it as soon as its bit is set. */
  struct heap_counters *st = counters_of(h);
  count(&st->rfree, 1);
  count(&st->rfree_bytes, size);
  counters_done(h);
  tool_free(p, size);
  atomic_fetch_add_explicit(&pg->rpending, 1, RELAXED);
  /* Of two threads freeing the block at once, one finds the bit set. */
  uint64_t bit = block_bit(idx);
  if (atomic_fetch_or_explicit(&page_bits(pg, idx)->remote, bit,
                               memory_order_release) & bit)
    heap_fatal("rt_free: double free of %p (a %zu-byte block another "
               "thread has just freed)", p, size);
}

__attribute__((noinline)) static void free_careful(void *p)
{
  if (p == NULL)
    return;
  struct blockref r = block_ref(p, "rt_free");
  if (RT_UNLIKELY(r.pg == NULL)) {
    large_free(r.seg);
    return;
  }
  if (RT_LIKELY(atomic_load_explicit(&r.seg->owner, RELAXED) == tl_heap))
    free_local(r.pg, r.idx, LOAD(page_bits(r.pg, r.idx)->free), p, r.size,
               true);
  else
    free_remote(p);
}

/* The fast path: a valid, live small or medium block, without tools; the
 * rest (NULL, large blocks, anything suspect, tools) takes the careful
 * path, which also words the report. */
void rt_free(void *p)
{
  uintptr_t a = (uintptr_t)p;
  if (RT_LIKELY(segmap_get(a) == SM_FAST)) {
    struct segment *s = (struct segment *)(a & ~(uintptr_t)SEG_MASK);
    struct page *pg = page_of(s, p);
    bool exact;
    uint32_t idx = block_index_exact(pg, p, &exact);
    struct bitpair *b = page_bits(pg, idx);
    uint64_t bit = block_bit(idx), f = LOAD(b->free);
    /* A page not in use is never exact; indices past the capacity have a
     * bit set. */
    if (RT_LIKELY(exact &&
                  ((f | LOAD(b->remote)) & bit) == 0)) {
      /* The heap, not the thread pointer: a thread created after a
       * fork may get the control block (the thread pointer) of one that
       * did not survive it, whose heap lives on unowned. */
      if (RT_LIKELY(atomic_load_explicit(&s->owner, RELAXED) == tl_heap))
        free_local(pg, idx, f, p, 0, false);
      else
        free_remote(p);
      return;
    }
  }
  free_careful(p);
}

size_t rt_alloc_usable_size(const void *p)
{
  return p ? block_ref(p, "rt_alloc_usable_size").size : 0;
}

void *rt_realloc(void *p, size_t size)
{
  if (p == NULL)
    return rt_alloc(size);
  size_t usable = block_ref(p, "rt_realloc").size;
  if (failing())
    return injected("rt_realloc", size);
  if (size <= usable && size >= usable / 2 && size != 0)
    return p;
  void *q = heap_alloc(size, "rt_realloc");
  if (q == NULL)
    return NULL;
  memcpy(q, p, size < usable ? size : usable);
  rt_free(p);
  return q;
}

/* ---- queries and upkeep ------------------------------------------------ */

bool rt_heap_owns(const void *p)
{
  struct segment *s = segment_of(p);
  if (s == NULL)
    return false;
  if (s->kind == SEG_LARGE)
    return p == large_data(s) && LOAD(s->live) == 1;
  struct page *pg = page_of(s, p);
  bool exact; /* never, in a page not in use */
  uint32_t idx = block_index_exact(pg, p, &exact);
  return exact && idx < LOAD(pg->capacity) && block_live(pg, idx);
}

int rt_heap_stats(struct rt_heap_stats *out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_heap_stats: OUT is NULL");
  struct heap_totals t;
  pthread_mutex_lock(&glock);
  heap_totals(&t);
  pthread_mutex_unlock(&glock);
  memset(out, 0, sizeof *out);
  out->total_allocs = t.allocs;
  out->total_frees = t.allocs - t.live_blocks;
  out->live_blocks = (size_t)t.live_blocks;
  out->live_bytes = (size_t)t.live_bytes;
  raise_peak(out->live_bytes);
  out->peak_bytes = (size_t)LOAD(peak_bytes);
  out->mapped_bytes = LOAD(mapped_bytes);
  return 0;
}

/* Collect, release and purge everything idle in the segments of H. */
static void heap_trim_segments(struct heap *h, enum seg_kind kind)
{
  struct segment *s = h->segs[kind], *next;
  for (; s; s = next) {
    next = s->next;
    for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
      struct page *pg = seg_page(s, __builtin_ctzll(m));
      page_collect(&h->st, pg);
      if (page_used(pg) == 0) {
        page_unqueue(h, pg);
        if (page_release(h, pg))
          break;
      } else if ((pg->flags & PG_FULL) && page_used(pg) < LOAD(pg->capacity)) {
        full_remove(h, pg);
        partial_push(h, pg);
      }
    }
  }
}

void rt_heap_trim(void)
{
  struct heap *h = heap_get();
  if (h) {
    for (int k = SEG_TINY; k <= SEG_MEDIUM; k++) {
      struct segment *s;
      while ((s = abandoned_take(k)) != NULL)
        segment_adopt(h, s);
      heap_trim_segments(h, k);
    }
    heap_purge(h);
  }
  sample_peak();
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++) {
    struct segment *s;
    while ((s = cache_take(k)) != NULL)
      segment_destroy(s);
  }
}
