/*
 * owns_probe.h — the heap's one export for libruntime-malloc.so, in the
 * private version node of libruntime.map.  Not for applications: its
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

#endif
