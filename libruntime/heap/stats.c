/*
 * stats.c — statistics, reporting and fault injection: the counters behind
 * rt_heap_stats(), the fatal-error and out-of-memory reports, and the
 * RT_HEAP_FAIL_AFTER switch and tool flags.
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

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
  errno = ENOMEM; /* as malloc's, so that libruntime-malloc.so needs no test */
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
  STORE(fast_end, flags ? 0 : DIRECT_MAX + 1);
  pthread_mutex_unlock(&glock);
}

void rt_heap_fail_after(long k)
{
  STORE(fail_countdown, k < 0 ? -1 : k);
  set_flag(HF_INJECT, k >= 0);
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
