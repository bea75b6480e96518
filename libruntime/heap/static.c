/*
 * static.c — libruntime's own allocator (runtime/alloc.h), built as one
 * translation unit from a file per mechanism, as mimalloc's static.c
 * does: rt_alloc and rt_free inline helpers of several mechanisms, and
 * one unit keeps them static and the fast paths free of calls.
 *
 * Small and medium blocks come from pages of one size class carved out of
 * SEG_SIZE-aligned segments; each thread owns the segments it mapped and
 * allocates and frees in them without locks, through per-page bitmaps
 * (the heap never touches a block's memory).  A block freed by another
 * thread gets its bit set in its page's remote bits, which the owner
 * takes back when that page runs dry.  Large blocks are mapped one by one.  The
 * global lock guards only the slow paths: the list of thread heaps, the
 * segments of exited threads, and the cache of empty segments.
 * doc/architecture.md ("The heap") explains the choices.
 *
 * The files, in dependency order (each uses only those before it):
 *   stats.c    counters, reports, fault injection, rt_heap_stats
 *   os.c       mappings from the kernel, the segment map
 *   page.c     a page's block states; the page queues of a heap
 *   segment.c  segments, their cache, purging, adoption
 *   thread.c   thread heaps, abandonment, start-up and fork, rt_heap_trim
 *   large.c    large blocks, their spans and the cache of freed spans
 *   alloc.c    rt_alloc and its slow path, calloc, aligned, strdup
 *   free.c     rt_free and its checks, rt_realloc, usable size, owns
 *   owns_probe.c  rt__heap_maybe_owns, for libruntime-malloc.so
 */
#include "../internal.h"
#include "heap_int.h"
#include "../list.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RELAXED memory_order_relaxed
#define LOAD(x) atomic_load_explicit(&(x), RELAXED)
#define STORE(x, v) atomic_store_explicit(&(x), (v), RELAXED)

RT_HIDDEN _Atomic uint8_t rt__segmap[SEGMAP_LEN]; /* heap_int.h */
static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
static struct heap *all_heaps, *free_heaps;   /* under glock */
static struct segment *abandoned[NPAGED], *cache[NPAGED]; /* glock */
static unsigned ncached;                      /* under glock */
static _Atomic unsigned nabandoned[NPAGED];
static struct heap_counters gone;  /* counters of exited threads */
static _Atomic size_t mapped_bytes;
static _Atomic uint64_t peak_bytes;
static struct segment *all_segs; /* every tiny, small and medium segment */
/* Full pages that other threads have emptied (page.c): how many, and
 * when they may next be looked for. */
static _Atomic unsigned ncand;
static _Atomic uint64_t cand_scan_ms;
static _Atomic long fail_countdown = -1;
/* Where the next segment-aligned mapping is asked for (os_map), and how
 * many times running the kernel put one elsewhere. */
static _Atomic uintptr_t map_hint;
static _Atomic unsigned hint_misses;
/* Spans of freed large blocks, oldest first, and the bytes of them that
 * may be mapped in (large.c); under glock. */
static struct segment *large_cache[LARGE_CACHE];
static unsigned nlarge;
static size_t large_dirty;
static pthread_key_t heap_key;
static pthread_once_t heap_once = PTHREAD_ONCE_INIT;
_Atomic unsigned rt__heap_flags = HF_INITIAL;
/* Sizes below this take rt_alloc's fast path: DIRECT_MAX + 1 while no
 * flag is set, else 0 (one comparison tests both); set with the flags,
 * under glock. */
static _Atomic size_t fast_end = HF_INITIAL ? 0 : DIRECT_MAX + 1;

/* The state of a thread that has not allocated yet: every class points at
 * an empty page, so the fast path needs no "initialised?" test. */
static struct page empty_page; /* no free block: allocations go slow */
static struct heap empty_heap = {.cur = {[0 ... NSLOT - 1] = &empty_page}};
static __thread struct heap *tl_heap
    __attribute__((tls_model("initial-exec"))) = &empty_heap;

static void heap_global_init(void);
static void large_cache_flush(void);

#include "stats.c"
#include "os.c"
#include "page.c"
#include "segment.c"
#include "thread.c"
#include "large.c"
#include "alloc.c"
#include "free.c"
#include "owns_probe.c"
