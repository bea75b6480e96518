/*
 * segment.c — segments: formatting, the cache of empty segments, purging idle
 * pages, adoption of abandoned segments, and handing out pages.
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

/* ---- segments ---------------------------------------------------------- */

static void seg_link(struct heap *h, struct segment *s, bool front)
{
  struct segment **head = &h->segs[s->kind];
  if (front || *head == NULL) {
    RT_LIST_PUSH_FRONT(*head, s, prev, next);
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
  RT_LIST_UNLINK(h->segs[s->kind], s, prev, next);
  s->next = s->prev = NULL;
}

/* The classes of each paged kind: [first, end). */
static const unsigned kind_first_class[NPAGED + 1] = {
    0, TINY_NCLASS, SMALL_NCLASS, NCLASS};

static void segment_format(struct segment *s, enum seg_kind kind)
{
  static const unsigned page_shift[NPAGED] = {
      TINY_PAGE_SHIFT, SMALL_PAGE_SHIFT, MEDIUM_PAGE_SHIFT};
  unsigned shift = page_shift[kind];
  size_t min = class_size(kind_first_class[kind]);
  s->kind = (uint8_t)kind;
  s->page_shift = (uint8_t)shift;
  s->npages = (uint16_t)(SEG_SIZE >> shift);
  /* A record is a descriptor and room for the bits of the smallest
   * class, an odd number of cache lines, so that records do not start at
   * the same offset of every 4 KiB page (nor fight over the same cache
   * sets): 1216 bytes in tiny segments, 448 in small ones, 192 in
   * medium ones. */
  size_t words = (((size_t)1 << shift) / min + 63) / 64;
  size_t lines =
      (sizeof(struct page) + words * sizeof(struct rt__bitpair) + 63) / 64;
  s->page_stride = (uint32_t)((lines | 1) * 64);
  size_t hdr = offsetof(struct segment, pages) + s->npages * s->page_stride;
  s->first_page = (uint16_t)((hdr + ((size_t)1 << shift) - 1) >> shift);
  s->free_pages = (uint16_t)(s->npages - s->first_page);
  s->map_size = SEG_SIZE;
  STORE(s->rmap, 0);
  for (size_t w = 0; w < NWIN; w++) {
    STORE(s->win[w].recip, 0);
    STORE(s->win[w].nbase, 0);
    s->win[w].pg = seg_page(s, w >> (shift - WIN_SHIFT));
  }
}

static struct segment *segment_create(enum seg_kind kind)
{
  struct segment *s = os_map(SEG_SIZE, SEG_SIZE);
  if (s == NULL)
    return NULL;
  os_no_huge(s, SEG_SIZE); /* before the first write faults memory in */
  segment_format(s, kind);
  segmap_set(s, true);
  pthread_mutex_lock(&glock);
  RT_LIST_PUSH_FRONT(all_segs, s, all_prev, all_next);
  pthread_mutex_unlock(&glock);
  return s;
}

static void segment_destroy(struct segment *s)
{
  if (s->kind != SEG_LARGE) {
    pthread_mutex_lock(&glock);
    RT_LIST_UNLINK(all_segs, s, all_prev, all_next);
    pthread_mutex_unlock(&glock);
  }
  segmap_set(s, false);
  os_unmap(s, s->map_size);
}

/* Return the memory of the unused pages of S in MASK (dirty ones) to
 * the OS, a run of pages at a time; how many pages that was. */
static unsigned segment_purge_mask(struct segment *s, uint64_t mask)
{
  size_t psize = (size_t)1 << s->page_shift;
  unsigned n = 0;
  mask &= s->dirty_map;
  while (mask) {
    unsigned i = (unsigned)__builtin_ctzll(mask), j = i;
    for (; j < s->npages && (mask >> j & 1); j++) {
      seg_page(s, j)->flags = 0;
      mask &= ~((uint64_t)1 << j);
    }
    uint64_t run = (j - i == 64 ? ~(uint64_t)0 : ((uint64_t)1 << (j - i)) - 1) << i;
    s->dirty_map &= ~run;
    s->aged_map &= ~run;
    s->dirty_pages = (uint16_t)(s->dirty_pages - (j - i));
    n += j - i;
    os_purge(page_start(seg_page(s, i)), (j - i) * psize);
  }
  return n;
}

/* The idle pages of S that went idle before THEN (rt__now_ms() time). */
static uint64_t segment_idle_since(struct segment *s, uint64_t then)
{
  uint64_t old = 0;
  for (uint64_t m = s->dirty_map; m; m &= m - 1) {
    unsigned i = (unsigned)__builtin_ctzll(m);
    /* Modulo 2^32 ms: an interval under 49 days. */
    if ((int32_t)(seg_page(s, i)->idle_ms - (uint32_t)then) <= 0)
      old |= (uint64_t)1 << i;
  }
  return old;
}

/* Return all the unused pages' memory of S to the OS. */
static void segment_purge(struct segment *s)
{
  segment_purge_mask(s, s->dirty_map);
}

/* Purge the cached segments that have waited PURGE_DELAY_MS, and the
 * oldest while more than CACHE_DIRTY_MAX bytes of cached pages are mapped
 * in; under glock.  Until then a segment keeps its pages mapped in, so
 * that a thread that soon needs one (threads come and go in many
 * servers) does not fault them in anew. */
static void cache_purge_due(uint64_t now)
{
  for (;;) {
    size_t dirty = 0;
    struct segment *oldest = NULL;
    for (int k = SEG_TINY; k <= SEG_MEDIUM; k++)
      for (struct segment *s = cache[k]; s; s = s->next)
        if (s->dirty_map) {
          dirty += (size_t)s->dirty_pages << s->page_shift;
          if (oldest == NULL || s->freed_ms < oldest->freed_ms)
            oldest = s;
        }
    if (dirty <= CACHE_DIRTY_MAX)
      break;
    segment_purge(oldest);
  }
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++)
    for (struct segment *s = cache[k]; s; s = s->next)
      if (s->dirty_map && now >= s->freed_ms + PURGE_DELAY_MS)
        segment_purge(s);
}

/* An empty segment goes to the cache (purged PURGE_DELAY_MS later) or,
 * if the cache is full, back to the OS. */
static void segment_retire(struct segment *s)
{
  atomic_store_explicit(&s->owner, NULL, memory_order_release);
  uint64_t now = rt__now_ms();
  s->freed_ms = now;
  s->aged_map = 0; /* the next owner's ticks age its pages anew */
  pthread_mutex_lock(&glock);
  cache_purge_due(now);
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

/* A cached segment of KIND, perhaps with pages still mapped in (dirty). */
static struct segment *cache_take(enum seg_kind kind)
{
  uint64_t now = rt__now_ms();
  pthread_mutex_lock(&glock);
  cache_purge_due(now);
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
  page_windows(pg, 0, 0);
  STORE(pg->bsize, 0);
  pg->flags = PG_DIRTY;
  pg->idle_ms = (uint32_t)rt__now_ms();
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

/* Start the aging of H's idle pages: those idle now are purged at the
 * tick PURGE_DELAY_MS from NOW if still idle then. */
static void heap_purge_start(struct heap *h, uint64_t now)
{
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++)
    for (struct segment *s = h->segs[k]; s; s = s->next)
      s->aged_map = s->dirty_map;
  h->purge_at = now + PURGE_DELAY_MS;
}

/* Idle pages are purged once they have stayed idle for PURGE_DELAY_MS
 * while the thread keeps more than PURGE_PAGES of them: at each tick
 * (every PURGE_DELAY_MS while there are that many), the pages idle since
 * the tick before go back to the OS and those idle since are marked to
 * go at the next.  A thread that frees and soon allocates again (the
 * common churn) keeps its memory instead of faulting it back in, and a
 * page released a moment before a tick is not purged with the old ones
 * (every idle page went at once before: a page released just before the
 * deadline, often taken again soon after, was purged and faulted back
 * in). */
static void heap_maybe_purge(struct heap *h)
{
  if (h->dirty <= PURGE_PAGES) {
    h->purge_at = 0;
    return;
  }
  uint64_t now = rt__now_ms();
  if (h->purge_at == 0) {
    heap_purge_start(h, now);
    return;
  }
  if (now < h->purge_at)
    return;
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++)
    for (struct segment *s = h->segs[k]; s; s = s->next) {
      h->dirty -= segment_purge_mask(s, s->aged_map);
      s->aged_map = s->dirty_map;
    }
  h->purge_at = h->dirty > PURGE_PAGES ? now + PURGE_DELAY_MS : 0;
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
  RT_ASSERT(atomic_load_explicit(&s->owner, RELAXED) == NULL); /* abandoned */
  atomic_store_explicit(&s->owner, h, memory_order_release);
  for (uint64_t m = LOAD(s->formatted); m; m &= m - 1)
    page_adopt(h, seg_page(s, __builtin_ctzll(m)));
  if (s->free_pages == s->npages - s->first_page) {
    segment_retire(s);
    return false;
  }
  h->dirty += s->dirty_pages;
  /* Idle pages keep the deadline they had: threads that live shorter
   * than PURGE_DELAY_MS (larson's) would otherwise hand them on for
   * good, each new owner's timer starting anew. */
  if (s->dirty_pages && s->purge_at &&
      (h->purge_at == 0 || s->purge_at < h->purge_at))
    h->purge_at = s->purge_at;
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
  h->dirty += s->dirty_pages;
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

/* Release H's current pages of KIND that have no block out and have
 * stayed so while H took IDLE_CUR_OBTAINS pages, except class CLS's.
 * A class keeps its current page while it is idle, so that a thread
 * that frees its last block and soon allocates again keeps the page;
 * when a class needs memory its kind has no idle page for, a current
 * page idle for a while goes first.  Without it every class a program
 * once used keeps a page mapped in: glibc-simple, eight sizes allocated
 * and freed in turn, kept 0.5 MiB more than the largest size needs
 * (peak RSS 1.58 of glibc's).  Without the wait, classes idle between
 * short bursts took each other's pages in turn, each release calling
 * for a new page (cfrac: 1.04 -> 1.75 s, 40% formatting pages); 2 still
 * let cfrac thrash at times, 8 and more kept glibc-simple's pages. */
#define IDLE_CUR_OBTAINS 4
static void idle_cur_release(struct heap *h, enum seg_kind kind,
                             unsigned cls)
{
  for (unsigned c = kind_first_class[kind]; c < kind_first_class[kind + 1];
       c++) {
    struct page *pg = cur_page(h, c);
    if (c == cls || pg == &empty_page || page_used(pg) != 0 ||
        h->obtains - pg->idle_obtains < IDLE_CUR_OBTAINS)
      continue;
    set_cur(h, c, &empty_page);
    page_release(h, pg);
  }
}

static struct page *page_obtain(struct heap *h, unsigned cls)
{
  enum seg_kind kind = class_kind(cls);
  struct segment *s = h->segs[kind];
  /* No idle page to take: fresh memory, or a new segment, would come in. */
  if (s == NULL || s->free_pages == 0 || s->dirty_map == 0) {
    cand_maybe_purge();
    idle_cur_release(h, kind, cls);
    s = h->segs[kind];
  }
  if (s == NULL || s->free_pages == 0)
    s = segment_obtain(h, kind);
  if (s == NULL)
    return NULL;
  struct page *pg = segment_free_page(s);
  h->obtains++;
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
