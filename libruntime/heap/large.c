/*
 * large.c — large blocks (over MEDIUM_MAX, or aligned above it): each in
 * a span of its own, a mapping that starts on a SEG_SIZE boundary with a
 * segment header in front of the block.  A freed span is not unmapped:
 * it goes to a small process-wide cache, still mapped in, and the next
 * large block that fits takes it with no system call at all.  The purge
 * policy, not the free, gives the memory back: cached spans' pages are
 * purged once more than LARGE_DIRTY_MAX bytes of them wait, or once one
 * has waited PURGE_DELAY_MS; a span pushed out of the cache, and every
 * one at rt_heap_trim(), is unmapped.
 *
 * A cached span keeps its segment-map entry and its header, with the
 * block marked not live, so that a second free of the block is still
 * reported as a double free.
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

/* ---- the span cache (under glock) ------------------------------------- */

/* Bytes of S beyond its first page that may still be mapped in. */
static size_t span_dirty(const struct segment *s)
{
  return s->dirty_end > OS_PAGE ? s->dirty_end - OS_PAGE : 0;
}

/* Give back the pages of cached span S past its header page.  The block
 * stays poisoned for the tools: it is still a freed block. */
static void span_purge(struct segment *s)
{
  if (span_dirty(s) == 0)
    return;
  madvise((char *)s + OS_PAGE, span_dirty(s), MADV_DONTNEED);
  large_dirty -= span_dirty(s);
  s->dirty_end = OS_PAGE;
}

static void cache_remove(unsigned i)
{
  large_dirty -= span_dirty(large_cache[i]);
  memmove(&large_cache[i], &large_cache[i + 1],
          (nlarge - i - 1) * sizeof *large_cache);
  nlarge--;
}

/* Purge what has waited too long, then the oldest, until no more than
 * LARGE_DIRTY_MAX bytes wait. */
static void cache_purge(uint64_t now)
{
  for (unsigned i = 0; i < nlarge; i++)
    if (now >= large_cache[i]->freed_ms + PURGE_DELAY_MS ||
        large_dirty > LARGE_DIRTY_MAX)
      span_purge(large_cache[i]);
}

/* A cached span that holds END bytes (header included): the smallest
 * that does, taken out of the cache; NULL if none. */
static struct segment *large_cache_take(size_t end)
{
  uint64_t now = rt__now_ms();
  pthread_mutex_lock(&glock);
  cache_purge(now);
  unsigned best = nlarge;
  for (unsigned i = 0; i < nlarge; i++) {
    size_t m = large_cache[i]->map_size;
    if (m >= end && (best == nlarge || m < large_cache[best]->map_size))
      best = i;
  }
  struct segment *s = NULL;
  if (best < nlarge) {
    s = large_cache[best];
    cache_remove(best);
  }
  pthread_mutex_unlock(&glock);
  return s;
}

/* Keep freed span S; the oldest span goes if the cache is full. */
static void large_cache_give(struct segment *s)
{
  uint64_t now = rt__now_ms();
  s->dirty_end = s->data_off + s->usable;
  s->freed_ms = now;
  struct segment *out = NULL;
  pthread_mutex_lock(&glock);
  if (nlarge == LARGE_CACHE) {
    out = large_cache[0];
    cache_remove(0);
  }
  large_cache[nlarge++] = s;
  large_dirty += span_dirty(s);
  cache_purge(now);
  pthread_mutex_unlock(&glock);
  if (out)
    segment_destroy(out);
}

/* Unmap every cached span (rt_heap_trim). */
static void large_cache_flush(void)
{
  for (;;) {
    pthread_mutex_lock(&glock);
    struct segment *s = nlarge ? large_cache[nlarge - 1] : NULL;
    if (s)
      cache_remove(nlarge - 1);
    pthread_mutex_unlock(&glock);
    if (s == NULL)
      return;
    segment_destroy(s);
  }
}

/* ---- allocating and freeing -------------------------------------------- */

/* Clear the first N bytes of S's block, which a reused span kept.  Past
 * LARGE_ZERO_MEMSET bytes the pages are purged instead of written: the
 * old block may have touched few of them (a calloc'ed array used
 * sparsely), and writing zeroes would fault in all the others (mstress:
 * most of its page faults). */
static void large_zero(struct segment *s, size_t n)
{
  char *p = large_data(s);
  if (n <= LARGE_ZERO_MEMSET) {
    memset(p, 0, n);
    return;
  }
  char *page = (char *)(((uintptr_t)p + OS_PAGE - 1) & ~(uintptr_t)(OS_PAGE - 1));
  memset(p, 0, (size_t)(page - p));
  madvise(page, (size_t)(p + n - page + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1),
          MADV_DONTNEED);
}

/* SIZE bytes at ALIGN in a span of their own; ZERO: the block must read
 * as zeroes (fresh and purged pages do; pages a reused span kept do not). */
static void *large_alloc(size_t size, size_t align, bool zero, const char *who)
{
  struct heap *h = heap_get();
  if (h == NULL)
    return NULL;
  size_t hdr = (sizeof(struct segment) + align - 1) & ~(align - 1);
  if (size > PTRDIFF_MAX || size > SIZE_MAX - hdr - OS_PAGE)
    return nomem(who, size, "the size is larger than PTRDIFF_MAX");
  size_t end = (hdr + size + OS_PAGE - 1) & ~(size_t)(OS_PAGE - 1);
  struct segment *s = large_cache_take(end);
  size_t dirty = 0; /* bytes of the block that may hold old data */
  if (s) {
    /* What lies past the block in a larger span is purged now, so that
     * a small block does not keep a large one's memory. */
    if (s->dirty_end > end) {
      madvise((char *)s + end, s->dirty_end - end, MADV_DONTNEED);
      s->dirty_end = end;
    }
    dirty = s->dirty_end > hdr ? s->dirty_end - hdr : 0;
  } else {
    s = os_map(end, SEG_SIZE);
    if (s == NULL)
      return nomem(who, size, "the system refused to map it");
    s->kind = SEG_LARGE;
    s->map_size = end;
  }
  s->data_off = (uint32_t)hdr;
  s->usable = end - hdr;
  s->dirty_end = end;
  /* Release: whoever sees the block live sees its header (rt_heap_owns). */
  atomic_store_explicit(&s->live, 1, memory_order_release);
  segmap_set(s, true);
  count(&h->st.large_allocs, 1);
  count(&h->st.large_balloc, s->usable);
  /* A large block is sampled at once only if as large as a segment: each
   * sample walks every page of the heap. */
  if (s->usable >= SEG_SIZE)
    sample_peak();
  /* A reused span holds the old block's bytes: undefined unless cleared. */
  tool_alloc(large_data(s), s->usable, zero || dirty == 0);
  if (zero && dirty)
    large_zero(s, dirty < size ? dirty : size);
  return large_data(s);
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
  large_cache_give(s);
}
