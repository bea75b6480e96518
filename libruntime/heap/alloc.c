/*
 * alloc.c — allocation: rt_alloc's fast path, the slow path that finds a
 * page, calloc, aligned allocation and string copies (large blocks:
 * large.c).
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

/* ---- allocation -------------------------------------------------------- */

/* Which block of PG the address P (in PG's part of the segment) falls in;
 * *EXACT: whether it is that block's start. */
static inline uint32_t block_index_exact(const struct page *pg, const void *p,
                                         bool *exact)
{
  uint64_t recip = LOAD(pg->recip);
  uint64_t lo;
  uint32_t idx =
      (uint32_t)rt__mul_hilo((uintptr_t)p + LOAD(pg->nbase), recip, &lo);
  *exact = lo < recip;
  return idx;
}

static inline uint32_t block_index(const struct page *pg, const void *p)
{
  bool exact;
  return block_index_exact(pg, p, &exact);
}

/* Hand out the lowest free block of PG, whose words with a free bit are
 * FS (not 0).  TOOLED: tell valgrind/ASan about the block (the careful
 * path). */
static inline RT_ALWAYS_INLINE void *
page_pop(struct page *pg, uint64_t fs, bool tooled)
{
  uint32_t w = (uint32_t)__builtin_ctzll(fs);
  struct rt__bitpair *b = page_word(pg, w);
  uint64_t f = LOAD(b->free);
  uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(f);
  RT_ASSERT(f != 0 && idx < LOAD(pg->capacity));
  RT_ASSERT(!(LOAD(b->remote) & (f & -f))); /* free, not pending remote */
  STORE(b->free, f & (f - 1));
  if ((f & (f - 1)) == 0)
    pg->fsum = fs & (fs - 1);
  uint32_t bsize = LOAD(pg->bsize);
  char *p = (char *)((size_t)idx * bsize - LOAD(pg->nbase));
  STORE(pg->use, LOAD(pg->use) + USE_ALLOC);
  if (tooled)
    tool_alloc(p, bsize, 0);
  else
    __builtin_prefetch(p, 1, 3);
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

/* Before a new page: a full page of class CLS of H's whose blocks other
 * threads have all freed since its owner last collected, found
 * through its segment's map of such pages (segment.rmap, which a freer
 * sets when its page's pending count leaves 0), wherever the page is in
 * the full queue.  page_find looks at the oldest few pages only, and a
 * consumer that frees the newest blocks first (xmalloc-test's stack of
 * batches) empties pages behind older live ones: without this the
 * producer took a new page each time while its emptied pages waited
 * (peak RSS 1.7-3.3 times glibc's). */
static struct page *page_reclaim(struct heap *h, unsigned cls)
{
  for (struct segment *s = h->segs[class_kind(cls)]; s; s = s->next) {
    uint64_t m = LOAD(s->rmap);
    while (m) {
      unsigned i = (unsigned)__builtin_ctzll(m);
      m &= m - 1;
      struct page *pg = seg_page(s, i);
      if (pg->cls != cls || !(pg->flags & PG_FULL) ||
          !(LOAD(s->formatted) >> i & 1))
        continue;
      /* Only a page whose blocks have all come back: one with scattered
       * frees (larson's workers) is left for page_find. */
      if (LOAD(pg->rpending) < page_used(pg))
        continue;
      full_remove(h, pg);
      if (page_usable(h, pg, false))
        return pg;
      full_push(h, pg);
    }
  }
  return NULL;
}

/* Before a new page: a segment an exited thread left, adopted (the
 * blocks freed into it since are collected then), and a page of it for
 * class CLS if it has one with free blocks.  Otherwise a thread that
 * frees what exited threads allocated (a server's next workers) leaves
 * that memory idle while it takes new pages, until some thread needs a
 * whole new segment (larson's peak RSS 1.8 times glibc's). */
static struct page *page_adopted(struct heap *h, unsigned cls)
{
  struct segment *s;
  while ((s = abandoned_take(class_kind(cls))) != NULL)
    if (segment_adopt(h, s))
      return page_find(h, cls, false);
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
  STORE(h->slow_ops, LOAD(h->slow_ops) + 1);
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
    if (pg == NULL)
      pg = page_adopted(h, cls);
    if (pg == NULL)
      pg = page_reclaim(h, cls);
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
  return large_alloc(size, MIN_BLOCK, false, who);
}

__attribute__((noinline)) static void *alloc_careful(size_t size)
{
  if (failing())
    return injected("rt_alloc", size);
  return heap_alloc(size, "rt_alloc");
}

/* The fast path, for the common sizes (up to DIRECT_MAX): a block off
 * the current page of the size class, with no lock, no atomic
 * read-modify-write and no call.  Sizes up to MEDIUM_MAX do the same
 * after computing their class; the rest (large blocks, and everything
 * while a flag is set) take the careful path. */
void *rt_alloc(size_t size)
{
  size_t end = LOAD(fast_end);
  if (RT_LIKELY(size < end)) {
    struct page *pg = tl_heap->cur[direct_slot(size)];
    uint64_t fs = pg->fsum;
    if (RT_LIKELY(fs != 0))
      return page_pop(pg, fs, false);
    return alloc_slow(size, "rt_alloc");
  }
  if (size <= MEDIUM_MAX && end != 0) {
    struct page *pg = tl_heap->cur[class_slot(size_class(size))];
    uint64_t fs = pg->fsum;
    if (RT_LIKELY(fs != 0))
      return page_pop(pg, fs, false);
    return alloc_slow(size, "rt_alloc");
  }
  return alloc_careful(size);
}

/* Whether P, just allocated by this thread, still reads zero: its page
 * was formatted on zeroed memory and no block has come back to it since
 * it last released blocks never handed out (page_extend, which runs only
 * when the page has no free block), so P is one of those, never touched.
 * Then calloc writes nothing and faults nothing in (mstress's blocks,
 * mostly calloc'ed and little written: clearing the fresh blocks of
 * medium pages, whose every block but the first is handed out after a
 * free, was two thirds of its page faults).  Not under a tool, which
 * must see the block defined. */
static bool block_fresh_zero(const void *p)
{
  if (LOAD(rt__heap_flags) & HF_TOOLS)
    return false;
  struct page *pg = page_of(segment_of(p), p);
  return (pg->flags & PG_ZERO) && page_frees(pg) == pg->zmark;
}

void *rt_calloc(size_t n, size_t size)
{
  if (size != 0 && n > SIZE_MAX / size) {
    rt__error(RT_ENOMEM, "rt_calloc(%zu, %zu): out of memory: the count "
              "times the size overflows", n, size);
    errno = ENOMEM;
    return NULL;
  }
  size_t total = n * size;
  if (total <= MEDIUM_MAX) {
    void *p = rt_alloc(total);
    if (p && !block_fresh_zero(p))
      memset(p, 0, total);
    return p;
  }
  /* A large block is zero already unless it reuses a span's pages. */
  if (failing())
    return injected("rt_calloc", total);
  return large_alloc(total, MIN_BLOCK, true, "rt_calloc");
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
    errno = EINVAL;
    return NULL;
  }
  if (align > MAX_ALIGN) {
    rt__error(RT_EINVAL, "rt_alloc_aligned(%zu, %zu): alignments above %zu "
              "bytes are not supported", align, size, MAX_ALIGN);
    errno = EINVAL;
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
  return large_alloc(size, align, false, "rt_alloc_aligned");
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
