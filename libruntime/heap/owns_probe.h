/*
 * owns_probe.h — the heap's exports for libruntime-malloc.so, in the
 * private version node of libruntime.map.  Not for applications: their
 * meaning may change with the library.
 */
#ifndef RT_HEAP_OWNS_PROBE_H
#define RT_HEAP_OWNS_PROBE_H

#include <runtime/defs.h>
#include <stdbool.h>

/* Whether P lies in memory the runtime heap mapped (one load of the
 * segment map; one more of the segment header for a large block's
 * window).  Not whether P is a live block: that is rt_heap_owns(). */
RT_API bool rt__heap_maybe_owns(const void *p);

/* free() of the malloc override: P freed as rt_free() does (aborting
 * with a message if it lies in the heap's memory but is not a live
 * block), or, if it does not lie in memory the heap mapped
 * (rt__heap_maybe_owns), handed to OTHER (the allocator that was there
 * before); NULL is neither. */
RT_API void rt__heap_free(void *p, void (*other)(void *));

/* The segment map itself: byte A >> RT_HEAP_SEG_SHIFT (below
 * RT_HEAP_SEGMAP_LEN) is RT_HEAP_SM_FAST iff address A lies in a paged
 * segment, whose whole window is the heap's (other values: ask
 * rt__heap_maybe_owns).  The override of 1.1.0 tested it inline in
 * free(); kept for it (rt__heap_free does that test now). */
#define RT_HEAP_SEG_SHIFT 22
#define RT_HEAP_SEGMAP_LEN ((size_t)1 << (47 - RT_HEAP_SEG_SHIFT))
#define RT_HEAP_SM_FAST 2
RT_API const _Atomic uint8_t *rt__heap_segmap(void);

#endif
