/*
 * free.c — freeing: rt_free with its safety checks, remote frees,
 * rt_realloc, usable size and rt_heap_owns().
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

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

static inline RT_ALWAYS_INLINE struct blockref
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
  } else if (page_used(pg) == 0) {
    if (cur_page(h, pg->cls) != pg) {
      page_unqueue(h, pg);
      page_release(h, pg);
    } else {
      pg->idle_obtains = h->obtains;
    }
  }
}

/* Block IDX of PG (P, SIZE bytes), live and not freed by another thread,
 * freed by the page's owner: its bit goes back to the free word, whose
 * value is F. */
static inline RT_ALWAYS_INLINE void
free_local(struct page *pg, uint32_t idx, uint64_t f, void *p, size_t size,
           bool tooled)
{
  RT_ASSERT(idx < LOAD(pg->capacity) && !(f & block_bit(idx)));
  RT_ASSERT((LOAD(pg->use) & USE_BLOCKS) != 0); /* a block is out */
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
  RT_ASSERT(idx < LOAD(pg->capacity));
  struct heap *h = heap_get();
  /* Counted first: the owner may collect it as soon as its bit is set. */
  struct heap_counters *st = counters_of(h);
  count(&st->rfree, 1);
  count(&st->rfree_bytes, size);
  counters_done(h);
  tool_free(p, size);
  /* The first free pending in the page marks it in its segment's map,
   * for the owner's page_reclaim. */
  uint32_t pending = atomic_fetch_add_explicit(&pg->rpending, 1, RELAXED) + 1;
  if (pending == 1) {
    struct segment *s = page_segment(pg);
    uint64_t pbit = (uint64_t)1 << (((uintptr_t)p & SEG_MASK) >> s->page_shift);
    if (!(LOAD(s->rmap) & pbit))
      atomic_fetch_or_explicit(&s->rmap, pbit, memory_order_release);
  }
  /* The last block out of a full page (page.c: emptied pages of idle
   * owners); the field shares the count's line. */
  if (RT_UNLIKELY(pending >= LOAD(pg->full_used)))
    cand_mark(pg);
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

/* The fast path: a valid, live small or medium block, without tools, is
 * freed and true returned; anything else (NULL, large blocks, anything
 * suspect, tools, foreign pointers) returns false untouched, for the
 * caller's careful path, which also words the report.  Shared by rt_free
 * and the malloc override's rt__heap_free (owns_probe.c). */
static inline RT_ALWAYS_INLINE bool free_fast(void *p)
{
  uintptr_t a = (uintptr_t)p;
  if (RT_LIKELY(segmap_get(a) == SM_FAST)) {
    struct segment *s = (struct segment *)(a & ~(uintptr_t)SEG_MASK);
    struct rt__winblock w = rt__window_block(a);
    uint64_t f = LOAD(w.b->free);
    if (RT_LIKELY(w.exact && ((f | LOAD(w.b->remote)) & w.bit) == 0)) {
      /* The heap, not the thread pointer: a thread created after a
       * fork may get the control block (the thread pointer) of one that
       * did not survive it, whose heap lives on unowned. */
      if (RT_LIKELY(atomic_load_explicit(&s->owner, RELAXED) == tl_heap))
        free_local(w.pg, w.idx, f, p, 0, false);
      else
        free_remote(p);
      return true;
    }
  }
  return false;
}

void rt_free(void *p)
{
  if (RT_LIKELY(free_fast(p)))
    return;
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

bool rt_heap_owns(const void *p)
{
  uintptr_t a = (uintptr_t)p;
  uint8_t m = segmap_get(a);
  struct segment *s = (struct segment *)(a & ~(uintptr_t)SEG_MASK);
  if (RT_LIKELY(m == SM_FAST))
    return rt__owns_fast(a);
  if (m == SM_NONE)
    return false;
  if (s->kind == SEG_LARGE)
    /* Live first: a freed block's span may be being reused (its header
     * rewritten) by another thread. */
    return atomic_load_explicit(&s->live, memory_order_acquire) == 1 &&
           p == large_data(s);
  return rt__owns_fast(a); /* paged, with a tool on (SM_SLOW) */
}

/* The same for the library's own callers (rt__str_owned, on every str
 * result): reached without going through the PLT. */
RT_HIDDEN bool rt__heap_owns(const void *p) __attribute__((alias("rt_heap_owns")));
