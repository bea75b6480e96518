/*
 * heap_owns.h — the heap's exact ownership test for blocks of paged
 * segments, inline, for the library's hot callers outside the heap (the
 * flags of every str result, call/call_int.h) and for the heap's own
 * fast free and rt_heap_owns().  Private to libruntime.
 *
 * What it reads of the heap: the segment map (a byte per SEG_SIZE window
 * of the address space) and, at a fixed offset of every paged segment,
 * the window table (per 64 KiB window: the reciprocal of the block size
 * and the negated base of the page the window is in, and that page's
 * record, whose block bits follow its 192-byte descriptor).  The heap
 * lays itself out from these constants and checks them at compile time
 * (heap/free.c); nothing here may be relied on outside libruntime.
 */
#ifndef RT_HEAP_OWNS_H
#define RT_HEAP_OWNS_H

#include "internal.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define RT__SEG_SHIFT 22 /* heap mappings start on 4 MiB boundaries */
#define RT__VA_BITS 47
#define RT__SEGMAP_LEN ((size_t)1 << (RT__VA_BITS - RT__SEG_SHIFT))
enum { RT__SM_NONE, RT__SM_SLOW, RT__SM_FAST }; /* segment map values */
#define RT__WIN_SHIFT 16          /* window table: an entry per 64 KiB */
#define RT__SEG_WIN_OFFSET 256    /* where a segment's window table is */
#define RT__PAGE_BITS_OFFSET 192  /* where a page record's bits start */

/* One window's entry: recip and nbase are 0 while its page is not in
 * use (no address is then a block's start); pg always points at the
 * record of the page the window is in. */
struct rt__window {
  _Atomic uint64_t recip;  /* ceil(2^64 / block size) */
  _Atomic uintptr_t nbase; /* minus the page's address */
  void *pg;                /* the page's record (struct page) */
  uint64_t unused;
};

/* The bits of 64 blocks: free (the owner's), remote (other threads'
 * frees not yet collected).  A block is live iff neither is set. */
struct rt__bitpair {
  _Atomic uint64_t free, remote;
};

/* The segment map (heap/static.c). */
RT_HIDDEN extern _Atomic uint8_t rt__segmap[RT__SEGMAP_LEN];

/* What heap mapping starts in the 4 MiB window of address A. */
static inline uint8_t rt__segmap_get(uintptr_t a)
{
  uintptr_t i = a >> RT__SEG_SHIFT;
  return i < RT__SEGMAP_LEN
             ? atomic_load_explicit(&rt__segmap[i], memory_order_acquire)
             : RT__SM_NONE;
}

/* The 128-bit product of A and B: the high half returned, the low one in
 * *LO (block indices by reciprocal).  By hand on x86-64: for an
 * unsigned __int128, GCC 12 keeps the low half in a callee-saved register
 * and pushes and pops two of them on rt_free's fast path. */
static inline uint64_t rt__mul_hilo(uint64_t a, uint64_t b, uint64_t *lo)
{
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t hi;
  __asm__("mulq %3" : "=a"(*lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
  return hi;
#else
  unsigned __int128 prod = (unsigned __int128)a * b;
  *lo = (uint64_t)prod;
  return (uint64_t)(prod >> 64);
#endif
}

/* The block that address A of a paged segment falls in, found through
 * A's window: its page record, bits and index, and whether A is its
 * start.  For a page not in use nothing is exact; an index past the
 * capacity has a bit set. */
struct rt__winblock {
  void *pg;
  struct rt__bitpair *b;
  uint64_t bit;
  uint32_t idx;
  bool exact;
};

static inline RT_ALWAYS_INLINE struct rt__winblock
rt__window_block(uintptr_t a)
{
  char *seg = (char *)(a & ~(((uintptr_t)1 << RT__SEG_SHIFT) - 1));
  struct rt__window *wn =
      (struct rt__window *)(seg + RT__SEG_WIN_OFFSET +
                            ((a >> (RT__WIN_SHIFT - 5)) &
                             ((((uintptr_t)1 << (RT__SEG_SHIFT -
                                                 RT__WIN_SHIFT)) - 1) << 5)));
  uint64_t recip = atomic_load_explicit(&wn->recip, memory_order_relaxed);
  uint64_t lo;
  uint32_t idx = (uint32_t)rt__mul_hilo(
      a + atomic_load_explicit(&wn->nbase, memory_order_relaxed), recip, &lo);
  void *pg = wn->pg;
  struct rt__bitpair *b =
      (struct rt__bitpair *)((char *)pg + RT__PAGE_BITS_OFFSET) + (idx >> 6);
  return (struct rt__winblock){pg, b, (uint64_t)1 << (idx & 63), idx,
                               lo < recip};
}

/* rt_heap_owns() for an address A of a paged segment (its segment map
 * byte RT__SM_FAST, or RT__SM_SLOW with a tool on): A is a live block's
 * start. */
static inline RT_ALWAYS_INLINE bool rt__owns_fast(uintptr_t a)
{
  struct rt__winblock w = rt__window_block(a);
  return w.exact &&
         ((atomic_load_explicit(&w.b->free, memory_order_relaxed) |
           atomic_load_explicit(&w.b->remote, memory_order_relaxed)) &
          w.bit) == 0;
}

#endif /* RT_HEAP_OWNS_H */
