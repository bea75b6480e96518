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

#endif
