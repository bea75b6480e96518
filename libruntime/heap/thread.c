/*
 * thread.c — thread heaps: creation, abandonment at thread exit, start-up,
 * fork, and rt_heap_trim().
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

/* ---- thread heaps ------------------------------------------------------ */

static void heap_reset(struct heap *h)
{
  memset(h, 0, sizeof *h);
  for (unsigned c = 0; c < NSLOT; c++)
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
    RT_LIST_PUSH_FRONT(all_heaps, h, prev, next);
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
  RT_ASSERT(atomic_load_explicit(&s->owner, RELAXED) == h);
  for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
    struct page *pg = seg_page(s, __builtin_ctzll(m));
    if (pg->flags & PG_FULL)
      page_unfull(pg);
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
  /* Nobody ages the idle pages of a segment without an owner, and an
   * adopter's ticks come too late for threads that live shorter than
   * PURGE_DELAY_MS (larson's workers: 20-40 ms each; idle pages handed on
   * from one to the next were about a third of its peak RSS).  Those
   * idle for PURGE_DELAY_MS already go back to the OS now, as a tick
   * would have sent them; the ones just released stay for the adopter. */
  if (h->dirty > PURGE_PAGES)
    h->dirty -= segment_purge_mask(
        s, segment_idle_since(s, rt__now_ms() - PURGE_DELAY_MS));
  /* The idle pages' purge deadline goes with them (segment_adopt). */
  s->purge_at = h->dirty > PURGE_PAGES && h->purge_at == 0
                    ? rt__now_ms() + PURGE_DELAY_MS
                    : h->purge_at;
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
  RT_LIST_UNLINK(all_heaps, h, prev, next);
  h->next = free_heaps;
  free_heaps = h;
  pthread_mutex_unlock(&glock);
  sample_peak();
  tl_heap = &empty_heap;
}

/* ---- start-up and fork (called by init.c) ------------------------------ */

void rt__heap_fork_prepare(void) { rt__fork_mutex(&glock, RT__FORK_PREPARE); }
void rt__heap_fork_parent(void) { rt__fork_mutex(&glock, RT__FORK_PARENT); }

/* Only the forking thread lives on in the child.  The other threads'
 * heaps are left as they were (they may have been mid-update); their
 * blocks can still be freed, through the remote bits, and their
 * emptied pages purged.  The lock is made anew: its owner in the parent
 * may not be the thread the child has.  A page that a thread of the
 * parent held to make it a candidate (page.c) would be held for good:
 * it goes back to the full queue's state, and the candidates are
 * counted anew. */
void rt__heap_fork_child(void)
{
  rt__fork_mutex(&glock, RT__FORK_CHILD);
  unsigned n = 0;
  for (struct segment *s = all_segs; s; s = s->all_next)
    for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
      struct page *pg = seg_page(s, __builtin_ctzll(m));
      if (LOAD(pg->rstate) == RS_BUSY)
        STORE(pg->rstate, RS_FULL);
      n += LOAD(pg->rstate) == RS_CAND;
    }
  STORE(ncand, n);
}

static void heap_global_init(void)
{
  if (pthread_key_create(&heap_key, heap_abandon) != 0)
    heap_fatal("rt_alloc: cannot create the heap's thread key");
  /* The segment map: 32 MiB of which a program writes a few bytes, each
   * of which would bring in 2 MiB under huge pages.  Done before the first
   * segment, so before any write into it; the pages wholly inside it. */
  uintptr_t lo = (uintptr_t)rt__segmap, hi = lo + SEGMAP_LEN;
  lo = (lo + OS_PAGE - 1) & ~(uintptr_t)(OS_PAGE - 1);
  hi &= ~(uintptr_t)(OS_PAGE - 1);
  os_no_huge((void *)lo, hi - lo);
#if defined(HAVE_VALGRIND_MEMCHECK_H) && !defined(RT_HEAP_ASAN)
  if (RUNNING_ON_VALGRIND)
    set_flag(HF_TOOLS, true);
#endif
}

/* Before main(): RT_HEAP_FAIL_AFTER=k arms fault injection. */
void rt__heap_start(void)
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

/* ---- trimming ---------------------------------------------------------- */

/* Collect, release and purge everything idle in the segments of H. */
static void heap_trim_segments(struct heap *h, enum seg_kind kind)
{
  struct segment *s = h->segs[kind], *next;
  for (; s; s = next) {
    next = s->next;
    for (uint64_t m = LOAD(s->formatted); m; m &= m - 1) {
      struct page *pg = seg_page(s, __builtin_ctzll(m));
      bool full = pg->flags & PG_FULL;
      if (full)
        page_unfull(pg); /* before its blocks are collected */
      page_collect(&h->st, pg);
      if (page_used(pg) == 0) {
        page_unqueue(h, pg);
        if (page_release(h, pg))
          break;
      } else if (full && page_used(pg) < LOAD(pg->capacity)) {
        full_remove(h, pg);
        partial_push(h, pg);
      } else if (full) {
        page_refull(pg);
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
  pthread_mutex_lock(&glock);
  cand_purge(0, true);
  pthread_mutex_unlock(&glock);
  sample_peak();
  large_cache_flush();
  for (int k = SEG_TINY; k <= SEG_MEDIUM; k++) {
    struct segment *s;
    while ((s = cache_take(k)) != NULL)
      segment_destroy(s);
  }
}
