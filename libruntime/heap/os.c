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
