/*
 * owns_probe.c — what the malloc override (malloc/override.c) needs of
 * the heap: rt__heap_maybe_owns(), the cheap ownership test (whether an
 * address lies in memory the heap mapped), and rt__heap_free(), its
 * free().  Not for applications: they are exported in the private
 * version node of libruntime.map only for libruntime-malloc.so, which
 * sends every pointer it is given either to the heap (which checks it
 * exactly, and aborts on a bad one) or to the allocator that was there
 * before it.
 *
 * Part of the heap's one translation unit (static.c), after free.c.
 */
#include "owns_probe.h"

_Static_assert(RT_HEAP_SEG_SHIFT == SEG_SHIFT && RT_HEAP_SM_FAST == SM_FAST &&
                   RT_HEAP_SEGMAP_LEN == SEGMAP_LEN,
               "owns_probe.h describes the segment map as heap_int.h has it");

RT_API const _Atomic uint8_t *rt__heap_segmap(void) { return rt__segmap; }

/* A paged segment fills its SEG_SIZE window; a large block's mapping
 * starts at its window but may end before the window does, and what
 * follows may be anybody's, so the mapping's size decides. */
RT_API bool rt__heap_maybe_owns(const void *p)
{
  uintptr_t a = (uintptr_t)p;
  uint8_t v = segmap_get(a);
  if (RT_LIKELY(v == SM_FAST))
    return true;
  if (v == SM_NONE)
    return false;
  const struct segment *s = (const struct segment *)(a & ~(uintptr_t)SEG_MASK);
  return s->kind != SEG_LARGE || a - (uintptr_t)s < s->map_size;
}

/* Not a live block of a paged segment (free_fast said so): the heap's
 * careful path for anything in its mappings (a large block, a tool's
 * segment, or a bad pointer, which it reports), OTHER for the rest. */
__attribute__((noinline)) static void free_not_fast(void *p,
                                                    void (*other)(void *))
{
  if (rt__heap_maybe_owns(p))
    free_careful(p);
  else if (p != NULL)
    other(p);
}

/* free() of the override: one test of the segment map for both "is it
 * the heap's?" and rt_free's fast path (the override tested the map and
 * then rt_free tested it again: 9 of glibc-thread's ~100 instructions
 * per malloc/free pair in the allocator). */
RT_API void rt__heap_free(void *p, void (*other)(void *))
{
  if (RT_LIKELY(free_fast(p)))
    return;
  free_not_fast(p, other);
}
