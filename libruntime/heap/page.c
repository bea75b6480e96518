/*
 * page.c — pages and their queues: a page's bitmaps of block states, its
 * formatting, extension and collection, and each heap's current, partial
 * and full page queues.
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

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
  struct rt__bitpair *b = page_bits(pg, idx);
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

/* How many blocks of PG have been given back since it was formatted
 * (freed by its owner or collected from other threads), modulo 2^32:
 * its allocations less its blocks out. */
static inline uint32_t page_frees(const struct page *pg)
{
  uint64_t use = LOAD(pg->use);
  return (uint32_t)((use >> USE_SHIFT) - (use & USE_BLOCKS));
}

/* Release for allocation the blocks of PG that have never been handed
 * out and start in the next 4 KiB of its memory (within one word of
 * bits): memory comes in an OS page at a time.  Called only when PG has
 * no free block, so that until a block comes back, PG hands out only
 * these (the mark for calloc, zmark). */
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
  struct rt__bitpair *b = page_bits(pg, first);
  /* Free first, remote then: a block is never live in between. */
  STORE(b->free, LOAD(b->free) | bits);
  atomic_fetch_and_explicit(&b->remote, ~bits, RELAXED);
  pg->fsum |= (uint64_t)1 << (first >> 6);
  pg->fresh = last;
  pg->zmark = page_frees(pg);
}

/* Set the windows of PG (struct rt__window) to RECIP and NBASE. */
static void page_windows(struct page *pg, uint64_t recip, uintptr_t nbase)
{
  struct segment *s = page_segment(pg);
  unsigned per = 1u << (s->page_shift - WIN_SHIFT);
  struct rt__window *w = &s->win[page_index(pg) * per];
  for (unsigned i = 0; i < per; i++) {
    /* The reciprocal 0 while the base is not the page's. */
    if (recip == 0)
      STORE(w[i].recip, 0);
    STORE(w[i].nbase, nbase);
    STORE(w[i].recip, recip);
  }
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
  s->aged_map &= ~((uint64_t)1 << i);
  RT_ASSERT(LOAD(pg->rstate) == RS_NONE);
  STORE(pg->full_used, UINT32_MAX);
  pg->cls = (uint8_t)cls;
  /* Memory never used since it was mapped or purged reads zero. */
  pg->flags = PG_USED | (pg->flags & PG_DIRTY ? 0 : PG_ZERO);
  /* Until released (page_extend), a block looks freed by another
   * thread: not live, and not free either.  The indices from the capacity
   * to the end of its word look so for good (also the next word when the
   * capacity ends one, if the record has room for it), so the fast free,
   * which checks no capacity, never takes them for live; page_collect
   * leaves them. */
  uint32_t nwords = (cap + 63) / 64;
  size_t room =
      (s->page_stride - sizeof(struct page)) / sizeof(struct rt__bitpair);
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
  page_windows(pg, LOAD(pg->recip), LOAD(pg->nbase));
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
  /* The hint off before the count is read again: a freer that finds the
   * count 0 after this sets it again (page_reclaim).  Not read when
   * nothing is pending: other threads write its line. */
  struct segment *s = page_segment(pg);
  uint64_t bit = (uint64_t)1 << (LOAD(pg->start_off) >> s->page_shift);
  if (LOAD(s->rmap) & bit) {
    atomic_fetch_and_explicit(&s->rmap, ~bit, memory_order_acquire);
    pending = atomic_load_explicit(&pg->rpending, memory_order_acquire);
  }
  uint32_t n = 0;
  for (uint32_t w = 0; w < (pg->fresh + 63) / 64 && n < pending; w++) {
    struct rt__bitpair *b = page_word(pg, w);
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
  return h->cur[class_slot(cls)];
}

/* Make PG the current page of class CLS of H: in each of the class's
 * slots. */
static void set_cur(struct heap *h, unsigned cls, struct page *pg)
{
  size_t last = class_slot(cls);
  size_t first = cls == 0 ? 0
                 : cls < DIRECT_NCLASS ? class_slot(cls - 1) + 1
                                       : last;
  for (size_t i = first; i <= last; i++)
    h->cur[i] = pg;
}

/* Queues are FIFO: a page waits at the back for its turn, so that by the
 * time it is used again it has gathered as many freed blocks as it can. */
static void pq_push(struct pq *q, struct page *pg)
{
  RT_QUEUE_PUSH_BACK(q->head, q->tail, pg, prev, next);
}

static void pq_remove(struct pq *q, struct page *pg)
{
  RT_QUEUE_UNLINK(q->head, q->tail, pg, prev, next);
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

/* ---- emptied pages of idle owners -------------------------------------
 *
 * Blocks that other threads free wait in their page until its owner
 * collects them, which it does only when it allocates again.  A thread
 * that hands its blocks to others and then waits (larson's main thread,
 * 7.7 MB of pages in use with no block live, a third of its peak RSS;
 * any server's acceptor) would keep them mapped in for good.  So the
 * freer of the last block of a full page makes the page a candidate, and
 * a candidate still untouched later has its memory purged: CAND_DELAY_MS
 * later if its owner has not looked for memory since (alloc_slow), else
 * PURGE_DELAY_MS later, the wait of the owner's own idle pages.  A thread
 * about to take fresh memory (page_obtain) looks for due candidates, at
 * most every CAND_DELAY_MS; rt_heap_trim purges them all at once.  The
 * page stays formatted and queued; its owner collects it as usual and
 * finds memory that reads zero.  Measured: purging at once cost xmalloc's
 * producer, whose pages a consumer empties as fast as it fills them,
 * twice its CPU time; 10 ms for every candidate still cost it 141 purges
 * a run; 50 ms for every one came after larson's peak (at about 30 ms).
 *
 * Safe without the owner's help because a candidate has no live block
 * (at the last free every block out was freed by another thread, and
 * none can be handed out while the page is on the full queue), and the
 * owner takes the page out of RS_FULL or RS_CAND (page_unfull), waiting
 * while another thread holds it (RS_BUSY), before it collects or hands
 * out any of its blocks. */

/* A freer has just announced (page.rpending) the free of a block of the
 * full page PG, which made the count at least the blocks out when PG went
 * on the full queue: if no block of PG is live any more, it becomes a
 * candidate. */
static __attribute__((noinline)) void cand_mark(struct page *pg)
{
  uint32_t st = RS_FULL;
  if (LOAD(pg->rstate) != RS_FULL)
    return;
  if (!atomic_compare_exchange_strong_explicit(&pg->rstate, &st, RS_BUSY,
                                               memory_order_acquire, RELAXED))
    return;
  /* Synchronized with the owner's page_refull: the count of blocks out is
   * the one it left, or lower (its own frees).  Frees announced are never
   * more than blocks out, so equal means none is live. */
  st = RS_FULL;
  if (LOAD(pg->rpending) >= page_used(pg)) {
    struct heap *o = atomic_load_explicit(&page_segment(pg)->owner, RELAXED);
    STORE(pg->cand_ms, rt__now_ms());
    STORE(pg->cand_ops, o ? LOAD(o->slow_ops) : 0);
    atomic_fetch_add_explicit(&ncand, 1, RELAXED);
    st = RS_CAND;
  }
  atomic_store_explicit(&pg->rstate, st, memory_order_release);
}

/* Purge the candidates due at NOW (ALL: every one); under glock, which
 * keeps every segment mapped. */
static void cand_purge(uint64_t now, bool all)
{
  for (struct segment *s = all_segs; s; s = s->all_next)
    for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
      struct page *pg = seg_page(s, __builtin_ctzll(m));
      uint32_t st = RS_CAND;
      if (LOAD(pg->rstate) != RS_CAND ||
          !atomic_compare_exchange_strong_explicit(
              &pg->rstate, &st, RS_BUSY, memory_order_acquire, RELAXED))
        continue;
      uint64_t since = LOAD(pg->cand_ms);
      struct heap *o = atomic_load_explicit(&s->owner, RELAXED);
      bool busy = o && LOAD(o->slow_ops) != LOAD(pg->cand_ops);
      if (!all && (now < since + CAND_DELAY_MS ||
                   (busy && now < since + PURGE_DELAY_MS))) {
        atomic_store_explicit(&pg->rstate, RS_CAND, memory_order_release);
        continue;
      }
      /* Not os_purge: the blocks keep whatever a tool made of them
       * (freed, for AddressSanitizer). */
      madvise(page_start(pg), (size_t)1 << s->page_shift, MADV_DONTNEED);
      atomic_fetch_sub_explicit(&ncand, 1, RELAXED);
      atomic_store_explicit(&pg->rstate, RS_FULL, memory_order_release);
    }
}

/* Purge the candidates that are due, if there are any and no other
 * thread has looked in the last CAND_DELAY_MS. */
static void cand_maybe_purge(void)
{
  if (LOAD(ncand) == 0)
    return;
  uint64_t now = rt__now_ms(), at = LOAD(cand_scan_ms);
  if (now < at || !atomic_compare_exchange_strong_explicit(
                      &cand_scan_ms, &at, now + CAND_DELAY_MS, RELAXED,
                      RELAXED))
    return;
  pthread_mutex_lock(&glock);
  cand_purge(now, false);
  pthread_mutex_unlock(&glock);
}

/* The owner takes PG out of RS_FULL or RS_CAND, waiting while another
 * thread holds it. */
static void page_unfull(struct page *pg)
{
  uint32_t st = RS_FULL;
  while (!atomic_compare_exchange_weak_explicit(
      &pg->rstate, &st, RS_NONE, memory_order_acquire, RELAXED)) {
    if (st == RS_NONE)
      return;
    if (st == RS_BUSY) {
      sched_yield();
      st = RS_FULL;
    }
  }
  STORE(pg->full_used, UINT32_MAX);
  if (st == RS_CAND)
    atomic_fetch_sub_explicit(&ncand, 1, RELAXED);
}

/* PG goes (back) into the full queue's state: freers may make it a
 * candidate from now on (full_push, and a trim that leaves it full). */
static void page_refull(struct page *pg)
{
  STORE(pg->full_used, page_used(pg));
  /* Release: a freer that makes it a candidate sees its count of blocks. */
  atomic_store_explicit(&pg->rstate, RS_FULL, memory_order_release);
}

static void full_push(struct heap *h, struct page *pg)
{
  pg->flags |= PG_FULL;
  pq_push(&h->full[pg->cls], pg);
  page_refull(pg);
}

static void full_remove(struct heap *h, struct page *pg)
{
  page_unfull(pg);
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
