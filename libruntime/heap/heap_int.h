/*
 * heap_int.h — the runtime heap's layout: segments, pages, size
 * classes, per-thread heaps, and the hooks that tell valgrind and
 * AddressSanitizer about blocks.  Private to heap.c; see the "heap"
 * section of doc/architecture.md for the design.
 */
#ifndef RT_HEAP_INTERNAL_H
#define RT_HEAP_INTERNAL_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>

#include "../heap_owns.h" /* the window table and segment map, shared */

/*
 * Every heap mapping starts on a SEG_SIZE boundary, so the segment of any
 * pointer is its address rounded down, and one byte per SEG_SIZE window of
 * the address space says whether that window is ours (rt_heap_owns() and
 * rt_free() never touch memory they have not checked in that map).
 */
#define SEG_SHIFT RT__SEG_SHIFT /* 22 */
#define SEG_SIZE ((size_t)1 << SEG_SHIFT)
#define SEG_MASK (SEG_SIZE - 1)
#define VA_BITS RT__VA_BITS
#define SEGMAP_LEN ((size_t)1 << (VA_BITS - SEG_SHIFT))

/* The segment map: a byte per SEG_SIZE window of the address space (32
 * MiB of zero pages until written), which the fast free reads and tests
 * in one comparison.  Paged segments are SM_FAST, unless a tool (valgrind,
 * ASan) must hear of every free; large blocks are SM_SLOW. */
enum { SM_NONE = RT__SM_NONE, SM_SLOW = RT__SM_SLOW, SM_FAST = RT__SM_FAST };

/* Tiny segments hold 64 KiB pages of blocks up to 128 bytes, small ones
 * 128 KiB pages of blocks up to 8 KiB, medium ones 512 KiB pages of
 * blocks up to 128 KiB; anything larger is mapped alone.  Tiny blocks
 * have segments of their own because a segment reserves room for the
 * bits of the smallest block for every page: page records (descriptor
 * and bits) take 76 KiB with 16-byte blocks, where the small classes
 * need 14 KiB.  Every free reads its block's bits, so the smaller spread
 * is fewer TLB misses.  Small pages are 128 KiB, not 64, because a page
 * that runs dry is replaced by the next with free blocks: with fewer,
 * larger pages each one has more of them when its turn comes (churn1
 * 8% faster, its peak RSS 2% higher; 256 KiB pages were 2% faster still
 * but their peak RSS 8% higher). */
#define TINY_PAGE_SHIFT 16
#define SMALL_PAGE_SHIFT 17
#define MEDIUM_PAGE_SHIFT 19
#define MEDIUM_MAX ((size_t)128 * 1024)
/* A large block's header shares the first SEG_SIZE window with its data,
 * so the data can start at most half a segment in. */
#define MAX_ALIGN (SEG_SIZE / 2)

/* Size classes: 16-byte steps up to 512 bytes (where most objects are,
 * so they waste under 16 bytes), then four per power of two, so that the
 * rounding waste stays under 25%; every power of two is a class, which
 * gives aligned blocks for free. */
#define NCLASS 64
#define TINY_NCLASS 8   /* classes up to 128 bytes, in tiny segments */
#define SMALL_NCLASS 48 /* classes up to 8 KiB, in small segments */
#define STEP_MAX 512
#define MIN_BLOCK 16
/* Requests up to DIRECT_MAX bytes find their page at heap.cur[(size +
 * 15) / 16] (see struct heap); DIRECT_NCLASS classes are that small. */
#define DIRECT_MAX 1024
#define DIRECT_NCLASS (STEP_MAX / MIN_BLOCK + 4)
#define NSLOT (DIRECT_MAX / MIN_BLOCK + 1 + NCLASS - DIRECT_NCLASS)

#define FULL_SCAN 4         /* full pages checked for remote frees */
#define PURGE_PAGES 16      /* idle dirty pages a thread always keeps */
#define PURGE_DELAY_MS 50   /* how long more may stay before a purge */
#define CAND_DELAY_MS 10    /* ... for a candidate of an idle owner */
#define CACHE_SEGMENTS 8    /* empty segments kept mapped */
#define CACHE_DIRTY_MAX ((size_t)16 << 20) /* ... of which mapped in */
#define LARGE_CACHE 16      /* freed large blocks' spans kept mapped */
#define LARGE_DIRTY_MAX ((size_t)16 << 20) /* ... of which mapped in */
#define LARGE_ZERO_MEMSET ((size_t)256 << 10) /* calloc clears more by purge */
#define OS_PAGE 4096

enum seg_kind { SEG_TINY, SEG_SMALL, SEG_MEDIUM, SEG_LARGE };
#define NPAGED 3 /* kinds divided into pages: tiny, small, medium */

static inline enum seg_kind class_kind(unsigned cls)
{
  return cls < TINY_NCLASS ? SEG_TINY : cls < SMALL_NCLASS ? SEG_SMALL
                                                           : SEG_MEDIUM;
}

enum page_flag {
  PG_USED = 1,    /* formatted for a size class */
  PG_PARTIAL = 2, /* on its heap's partial queue */
  PG_FULL = 4,    /* on its heap's full queue */
  PG_DIRTY = 8,   /* unused, but its memory not yet returned to the OS */
  PG_ZERO = 16,   /* formatted on memory that read zero (fresh or purged) */
};

/*
 * One page of equal-sized blocks, handed out from a bitmap: the heap
 * never reads or writes a block's memory, so a free costs no store into
 * a cold block and an allocation no load from one.
 *
 * Each word of 64 blocks has two bits per block (struct rt__bitpair, after
 * the descriptor): free, written by the page's owner alone (a plain load
 * and store, no locked instruction), and remote, where another thread
 * that frees a block sets its bit (an atomic or, which also catches two
 * threads freeing it at once) until the owner collects it.  A block is
 * live iff it is below capacity and neither bit is set.  The owner hands
 * out the lowest free block of the words fsum says
 * have one.  Other threads read the bits with relaxed
 * atomics: rt_free and rt_heap_owns from any thread are race-free.
 *
 * Three cache lines, 192 bytes: what stays fixed while the page is in
 * use (what a free from another thread reads), what the owner writes on
 * every allocation and free, and what other threads write (rpending).
 * A producer's page is then not pulled from its cache on every free its
 * consumer makes (xfree in a phase where this machine ran it slowly:
 * 0.64 s -> 0.50 s), at one more line per local free (churn1 the same).
 */
struct page {
  /* First line: fixed while the page is in use, so that frees from other
   * threads read it without taking it from the owner's cache. */
  _Atomic uint32_t bsize;     /* block size; 0 unused */
  _Atomic uint32_t capacity;  /* blocks that fit; 0 when unused */
  /* ceil(2^64 / block size), 0 unused: one multiplication of a page
   * offset by it gives the block index (high half) and whether the
   * offset is a block's start (low half below it), exactly for offsets
   * below 2^32 (Lemire, Kaser and Kurz, 2019). */
  _Atomic uint64_t recip;
  /* Minus the page's address: the offset of a block is its address plus
   * this, and valgrind's leak check does not take it for a pointer to the
   * first block (negated, it is an address in the kernel's half).  A
   * descriptor is written only once its page is first used; until then
   * this, recip and the capacity are 0, and no pointer passes the tests
   * of rt_free and the careful paths. */
  _Atomic uintptr_t nbase;
  /* Where the page starts in its segment.  Kept as an offset, not a
   * pointer: valgrind's leak check would take a pointer to a page's first
   * block as a reference to that block. */
  _Atomic uint32_t start_off;
  uint8_t cls;
  /* Second line: written by the owner alone. */
  /* Allocations from the page since it was formatted (modulo 2^48) above
   * USE_SHIFT, and the blocks out (remote frees not yet collected
   * included) below: one add counts an allocation for the statistics and
   * for the page.  Written by the owner, read by rt_heap_stats(). */
  alignas(64) _Atomic uint64_t use;
  /* Words with a free bit, a bit per word, as far as the allocator knows:
   * a free by the owner sets its block's bit but not the word's here,
   * which saves the fast free a store; when the summary runs dry, the
   * slow path rebuilds it from the free words. */
  uint64_t fsum;
  /* Blocks released for allocation, from the first.  The others have
   * never been handed out; they look freed by another thread (remote bit
   * set) until released, 4 KiB of memory at a time, only when the page
   * has no free block left after taking back what other threads freed:
   * memory already in use is used again before fresh memory comes in. */
  uint32_t fresh;
  uint8_t flags;
  /* PG_ZERO pages: the blocks given back (page_frees()) when blocks were
   * last released (page_extend).  While no block has come back since,
   * every allocation is of a block released then, never handed out
   * before, so it reads zero (calloc; see block_fresh_zero()). */
  uint32_t zmark;
  /* Idle pages (PG_DIRTY): when the page went idle, rt__now_ms() modulo
   * 2^32 (segment_abandon purges the ones idle for PURGE_DELAY_MS). */
  uint32_t idle_ms;
  /* The current page of its class with no block out: its heap's page
   * count (heap.obtains) when its last block came back (see
   * idle_cur_release). */
  uint32_t idle_obtains;
  struct page *next, *prev;   /* partial or full queue of the heap */
  _Atomic uint64_t folded;    /* allocations already added to a heap's count */
  /* Third line: frees by other threads announced and not yet collected:
   * a freer counts itself here before it sets its block's remote bit. */
  alignas(64) _Atomic uint32_t rpending;
  /* Whether the page is on its owner's full queue, and a candidate for a
   * purge (page.c, "emptied pages of idle owners"): RS_*. */
  _Atomic uint32_t rstate;
  /* Blocks out when it went on the full queue, UINT32_MAX while it is not
   * there: a freer compares its count with this, not with the second
   * line's, which the owner writes. */
  _Atomic uint32_t full_used;
  _Atomic uint32_t cand_ops; /* a candidate's owner's heap.slow_ops then */
  _Atomic uint64_t cand_ms;  /* rt__now_ms() when it became a candidate */
};

/* page.rstate.  The owner sets RS_FULL as it queues the page as full and
 * takes it back to RS_NONE (page_unfull) before it collects the page's
 * blocks or hands any out, waiting while another thread holds the page
 * (RS_BUSY) to make it a candidate (RS_CAND) or to purge it. */
enum { RS_NONE, RS_FULL, RS_CAND, RS_BUSY };

/* Word W of PG's bits: after its descriptor, a pair per word. */
static inline struct rt__bitpair *page_word(struct page *pg, uint32_t w)
{
  return (struct rt__bitpair *)(pg + 1) + w;
}

/* The bits of block IDX of PG. */
static inline struct rt__bitpair *page_bits(struct page *pg, uint32_t idx)
{
  return page_word(pg, idx >> 6);
}

static inline uint64_t block_bit(uint32_t idx)
{
  return (uint64_t)1 << (idx & 63);
}

/*
 * What rt_free's fast path needs of the page an address falls in, per
 * 64 KiB window of a paged segment (a tiny page is one window, a small
 * one two, a medium one eight): copies of the page's reciprocal and
 * negated base, and its record.  Found from the address with constant
 * shifts, so the free's chain of dependent loads is this entry, then the
 * block's bits; through the segment header (page shift, record stride)
 * and then the descriptor it was one load longer, and a multiplication
 * (glibc-thread, a free per allocation).  recip and nbase are 0 while
 * the page is not in use (no pointer is exact then), and pg always
 * points at the record of the page the window is in, so that the fast
 * path may read the bits before it tests exactness.  The entry and its
 * place are heap_owns.h's (struct rt__window): rt_heap_owns() and the
 * call unit's str results test ownership through it too.
 */
#define WIN_SHIFT RT__WIN_SHIFT
#define NWIN (SEG_SIZE >> WIN_SHIFT)

/*
 * Segment header, at the start of every mapping.  For small and medium
 * segments the page records follow it; a large block
 * has just the header and its data.
 */
struct segment {
  _Atomic(struct heap *) owner; /* owning thread's heap; NULL abandoned */
  uint8_t kind;
  uint8_t page_shift;
  uint16_t npages;
  uint16_t first_page; /* pages before it hold this header */
  uint16_t free_pages; /* data pages not in use */
  uint16_t dirty_pages;
  uint32_t page_stride;  /* bytes between page records */
  _Atomic uint64_t formatted; /* pages in use (PG_USED), bit per page */
  uint64_t dirty_map;         /* pages PG_DIRTY */
  /* Pages PG_DIRTY since before the owner's last purge tick (or since
   * its purge timer started): idle for a whole PURGE_DELAY_MS at the next
   * tick, which purges them (heap_maybe_purge). */
  uint64_t aged_map;
  struct segment *next, *prev;
  struct segment *all_next, *all_prev; /* every paged segment; glock */
  size_t map_size;
  uint32_t data_off;       /* large: where the block starts */
  size_t usable;           /* large: its usable size */
  _Atomic uint8_t live;    /* large: 1 until freed */
  size_t dirty_end;        /* large: bytes from the start maybe mapped in */
  uint64_t freed_ms;       /* cached (large or empty): since when */
  uint64_t purge_at;       /* abandoned: its owner's purge deadline, or 0 */
  /* Pages with blocks other threads freed since their owner last
   * collected, a bit per page: set by the freer that finds the page's
   * pending count 0, cleared by the owner as it collects.  A hint for
   * page_reclaim (the counts are the truth), on a line of its own, since
   * other threads write it. */
  alignas(64) _Atomic uint64_t rmap;
  alignas(64) struct rt__window win[NWIN]; /* paged: see WIN_SHIFT */
  /* Page records: each page's descriptor followed by its bits, room for
   * the smallest class of the kind, so that a free finds both in the same
   * memory page. */
  alignas(64) struct page pages[];
};

_Static_assert(sizeof(struct rt__window) == 32 &&
                   offsetof(struct segment, win) == RT__SEG_WIN_OFFSET &&
                   sizeof(struct page) == RT__PAGE_BITS_OFFSET,
               "heap_owns.h describes the window table as the heap has it");

/* Page I of S (records are page_stride bytes apart). */
static inline struct page *seg_page(struct segment *s, size_t i)
{
  return (struct page *)((char *)s->pages + i * s->page_stride);
}

/* The page of S that address P falls in. */
static inline struct page *page_of(struct segment *s, const void *p)
{
  return seg_page(s, ((uintptr_t)p & SEG_MASK) >> s->page_shift);
}

/* What heap mapping starts in the SEG_SIZE window of address A. */
static inline uint8_t segmap_get(uintptr_t a)
{
  return rt__segmap_get(a);
}

#define USE_SHIFT 16 /* a page holds at most 4096 blocks */
#define USE_BLOCKS (((uint64_t)1 << USE_SHIFT) - 1)
#define USE_ALLOC (((uint64_t)1 << USE_SHIFT) | 1)
#define USE_WRAP (((uint64_t)1 << (64 - USE_SHIFT)) - 1)

/*
 * Counters written by their thread only (relaxed atomics), read by
 * rt_heap_stats().  The fast paths count nothing here: a page counts its
 * own allocations and blocks out in one word (page.use), and the counts
 * are folded into its heap when the page runs dry or empties.  Frees are
 * not counted at all; rt_heap_stats() derives them from the allocations
 * and the blocks out, less the frees made into other threads' pages
 * (counted by the freeing thread) that their owners have not collected
 * yet (counted by the owner when it collects them).
 */
struct heap_counters {
  _Atomic uint64_t allocs;          /* small and medium, folded from pages */
  _Atomic uint64_t rfree, rfree_bytes; /* frees into other threads' pages */
  _Atomic uint64_t collected, collected_bytes; /* ... taken back by owners */
  _Atomic uint64_t large_allocs, large_frees, large_balloc, large_bfree;
};

/* A thread's heap: its current page per class and the queues behind it. */
struct pq {
  struct page *head, *tail;
};

struct heap {
  /* The current page of each class, found with no size-class
   * computation for requests up to DIRECT_MAX bytes: slot (size + 15) /
   * 16 (direct_slot()) holds the page of the class that size falls in,
   * so a class has a slot for every 16 bytes of its range (slot 0, for
   * size 0, is class 0's); the larger classes have one slot each after
   * those (class_slot()). */
  struct page *cur[NSLOT];
  struct pq partial[NCLASS]; /* pages with free blocks */
  struct pq full[NCLASS];    /* pages without, oldest first */
  struct segment *segs[NPAGED]; /* per kind; with free pages first */
  size_t dirty;            /* dirty unused pages in its segments */
  uint32_t obtains;        /* pages taken from segments, modulo 2^32 */
  /* Calls of alloc_slow, modulo 2^32: whether the owner has looked for
   * memory since its emptied pages became candidates (page.c).  Written
   * by the owner, read by the threads that purge candidates. */
  _Atomic uint32_t slow_ops;
  uint64_t purge_at;       /* when to purge them (ms), 0 if not due */
  struct heap *next, *prev;
  struct heap_counters st;
};

static inline unsigned size_class(size_t size)
{
  if (size <= STEP_MAX)
    return size ? (unsigned)((size - 1) >> 4) : 0;
  size_t s = size - 1;
  unsigned b = 63 - (unsigned)__builtin_clzl(s);
  return STEP_MAX / MIN_BLOCK + (b - 9) * 4 + (unsigned)((s >> (b - 2)) & 3);
}

/* The slot of heap.cur for an allocation of SIZE bytes, SIZE <=
 * DIRECT_MAX. */
static inline size_t direct_slot(size_t size)
{
  return (size + MIN_BLOCK - 1) >> 4;
}

static inline size_t class_size(unsigned cls);

/* The slot of heap.cur that holds class CLS's current page (its last,
 * for a class up to DIRECT_MAX bytes). */
static inline size_t class_slot(unsigned cls)
{
  return cls < DIRECT_NCLASS ? direct_slot(class_size(cls))
                             : cls - DIRECT_NCLASS + DIRECT_MAX / MIN_BLOCK + 1;
}

/* The slot of heap.cur for an allocation of SIZE bytes (SIZE <= MEDIUM_MAX). */
static inline size_t cur_slot(size_t size)
{
  if (__builtin_expect(size <= DIRECT_MAX, 1))
    return direct_slot(size);
  return class_slot(size_class(size));
}

static inline size_t class_size(unsigned cls)
{
  if (cls < STEP_MAX / MIN_BLOCK)
    return (size_t)MIN_BLOCK * (cls + 1);
  unsigned b = 9 + (cls - STEP_MAX / MIN_BLOCK) / 4;
  unsigned m = (cls - STEP_MAX / MIN_BLOCK) % 4;
  return ((size_t)1 << b) + (m + 1) * ((size_t)1 << (b - 2));
}

/*
 * Tooling.  In the AddressSanitizer build free and not-yet-handed-out
 * blocks are poisoned; under valgrind (detected at run time) blocks are
 * announced with MALLOCLIKE/FREELIKE.  The heap itself never touches a
 * block's memory.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RT_HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_HEAP_ASAN 1
#endif
#endif

/* Anything set here sends allocations and frees down the careful path:
 * fault injection armed, or a tool that must hear of every block. */
enum heap_flag { HF_INJECT = 1, HF_TOOLS = 2 };
RT_HIDDEN extern _Atomic unsigned rt__heap_flags;

#if defined(RT_HEAP_ASAN)
#define HF_INITIAL HF_TOOLS
#else
#define HF_INITIAL 0
#endif

#if defined(RT_HEAP_ASAN)
#include <sanitizer/asan_interface.h>
#define tool_alloc(p, n, zeroed) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define tool_free(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define tool_hide(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define tool_forget(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(HAVE_VALGRIND_MEMCHECK_H)
#include <valgrind/memcheck.h>
#define TOOL_IF(x)                                                            \
  do {                                                                        \
    if (RT_UNLIKELY(atomic_load_explicit(&rt__heap_flags,                     \
                                         memory_order_relaxed) &              \
                    HF_TOOLS)) {                                              \
      x;                                                                      \
    }                                                                         \
  } while (0)
#define tool_alloc(p, n, zeroed)                                              \
  TOOL_IF(VALGRIND_MALLOCLIKE_BLOCK((p), (n), 0, (zeroed)))
#define tool_free(p, n) TOOL_IF(VALGRIND_FREELIKE_BLOCK((p), 0))
#define tool_hide(p, n) TOOL_IF(VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#define tool_forget(p, n) TOOL_IF(VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#else
#define tool_alloc(p, n, zeroed) ((void)0)
#define tool_free(p, n) ((void)0)
#define tool_hide(p, n) ((void)0)
#define tool_forget(p, n) ((void)0)
#endif

#endif /* RT_HEAP_INTERNAL_H */
