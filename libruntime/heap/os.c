/*
 * os.c — OS mapping and the segment map: aligned mappings from the
 * kernel, purging, and the byte-per-window map that tells a heap address.
 *
 * Part of the heap's single translation unit: compiled through static.c,
 * which includes the heap's files in order after heap_int.h and the
 * shared state, so the fast paths inline across them.
 */

/* ---- the OS ------------------------------------------------------------ */

static void *map_at(void *hint, size_t size)
{
  void *p = mmap(hint, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Segment-aligned mappings are asked for at a hint first, in an area
 * programs seldom use (from HINT_BASE, plus a random number of segments
 * under 64 GiB, up), each one past the last: the kernel's own choice,
 * top-down below the libraries, is seldom aligned, and one that is not
 * costs three more calls.  After HINT_MISSES_MAX misses in a row (the
 * area is taken, or a sanitizer's shadow is there) no more are tried. */
#define HINT_BASE ((uintptr_t)32 << 40)
#define HINT_MISSES_MAX 8

static uintptr_t hint_start(void)
{
  uintptr_t x = (uintptr_t)&x ^ ((uintptr_t)&map_hint << 13) ^ rt__now_ms();
  x *= 0x9e3779b97f4a7c15u;
  return HINT_BASE + ((x >> 40) & 0x3fff) * SEG_SIZE;
}

/* SIZE bytes at the next hint, or NULL (then the hint was missed). */
static void *map_hinted(size_t size)
{
  if (LOAD(hint_misses) >= HINT_MISSES_MAX)
    return NULL;
  uintptr_t step = (size + SEG_MASK) & ~(uintptr_t)SEG_MASK, hint = 0;
  uintptr_t cur = LOAD(map_hint);
  do {
    hint = cur ? cur : hint_start();
  } while (!atomic_compare_exchange_weak_explicit(&map_hint, &cur, hint + step,
                                                  RELAXED, RELAXED));
  char *p = map_at((void *)hint, size);
  if (p == (char *)hint) {
    STORE(hint_misses, 0);
    return p;
  }
  if (p)
    munmap(p, size);
  atomic_fetch_add_explicit(&hint_misses, 1, RELAXED);
  return NULL;
}

/* SIZE bytes at an ALIGN boundary: anywhere for a page's, at the hint for
 * a segment's, else (or if the hint is missed) over-mapped and trimmed at
 * both ends. */
static void *os_map(size_t size, size_t align)
{
  if (align <= OS_PAGE) {
    char *q = map_at(NULL, size);
    if (q)
      atomic_fetch_add_explicit(&mapped_bytes, size, RELAXED);
    return q;
  }
  char *p = align >= SEG_SIZE ? map_hinted(size) : NULL;
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
  atomic_fetch_add_explicit(&mapped_bytes, size, RELAXED);
  return p;
}

static void os_unmap(void *p, size_t size)
{
  tool_forget(p, size);
  munmap(p, size);
  atomic_fetch_sub_explicit(&mapped_bytes, size, RELAXED);
}

/* Keep P's SIZE bytes out of transparent huge pages, whatever the
 * system's policy (/sys/kernel/mm/transparent_hugepage/enabled): the
 * heap gives memory back a page of blocks at a time (os_purge), which a
 * huge page would defeat, and where the policy is "always" the first
 * block of each kind a thread allocates would make 2 MiB resident, and
 * so would the first write into the segment map (a program that made
 * two small allocations had 6 MiB of huge pages, 7.8 MB resident
 * against glibc's 1.3).  Where the kernel has no huge pages the call
 * fails with EINVAL and nothing changes; that is fine. */
static void os_no_huge(void *p, size_t size)
{
#if defined(MADV_NOHUGEPAGE)
  madvise(p, size, MADV_NOHUGEPAGE);
#else
  (void)p;
  (void)size;
#endif
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
  atomic_store_explicit(&rt__segmap[(uintptr_t)s >> SEG_SHIFT], v,
                        memory_order_release);
}

/* The segment P lies in, or NULL if no heap mapping starts in P's window. */
static inline struct segment *segment_of(const void *p)
{
  uintptr_t a = (uintptr_t)p;
  return segmap_get(a) != SM_NONE ? (struct segment *)(a & ~(uintptr_t)SEG_MASK)
                                  : NULL;
}
