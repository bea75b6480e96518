/*
 * runtime/alloc.h — the runtime heap.
 *
 * One heap per process, living in libruntime.so and shared by the host and
 * every plugin: memory allocated by one module may be freed by any other.
 * It does not replace malloc(); it is the runtime's own allocator.
 *
 * Allocation failure returns NULL and leaves RT_ENOMEM as the thread's last
 * error (rt_last_error()), and errno ENOMEM (EINVAL for a bad alignment),
 * as malloc() does; it never aborts.  Freeing a pointer that this
 * heap did not hand out, or freeing one twice, is a fatal programming error:
 * it is reported on stderr and the process aborts, like glibc's
 * "free(): invalid pointer".
 */
#ifndef RUNTIME_ALLOC_H
#define RUNTIME_ALLOC_H

#include <runtime/defs.h>

RT_BEGIN_DECLS

/* rt_alloc: SIZE bytes, 16-byte aligned.  rt_alloc(0) returns a unique
 * pointer that must be freed.  NULL on failure (RT_ENOMEM). */
RT_API void *rt_alloc(size_t size) RT_MALLOC RT_ALLOC_SIZE(1) RT_WARN_UNUSED;

/* rt_calloc: zeroed N*SIZE bytes; NULL with RT_ENOMEM if N*SIZE overflows. */
RT_API void *rt_calloc(size_t n, size_t size) RT_MALLOC RT_ALLOC_SIZE2(1, 2)
    RT_WARN_UNUSED;

/* rt_realloc: resize P (which may be NULL) keeping min(old, SIZE) bytes.
 * On failure returns NULL and P is untouched and still owned by the caller.
 * rt_realloc(p, 0) frees P and returns a fresh zero-sized allocation. */
RT_API void *rt_realloc(void *p, size_t size) RT_ALLOC_SIZE(2) RT_WARN_UNUSED;

/* rt_free: give P back; any thread may free any block.  NULL is ignored.
 * A pointer this heap did not hand out (foreign, wild, inside a block) or
 * a block freed twice is reported on stderr and aborts the process. */
RT_API void rt_free(void *p);

/* rt_alloc_aligned: SIZE bytes aligned to ALIGN, a power of two of at
 * most 2 MiB.  Returns NULL with RT_EINVAL for an alignment that is not a
 * power of two or is larger, RT_ENOMEM when out of memory.  Freed with
 * rt_free. */
RT_API void *rt_alloc_aligned(size_t align, size_t size) RT_MALLOC
    RT_ALLOC_SIZE(2) RT_ALLOC_ALIGN(1) RT_WARN_UNUSED;

/* rt_alloc_usable_size: bytes usable at P (>= the size asked for); 0 for
 * NULL.  P must be a live block of this heap: anything else is reported
 * and aborts, as in rt_free.  To write past the size asked for, first
 * call rt_realloc(P, that many bytes) and write through the pointer it
 * returns: up to the usable size that is P itself, and the compiler then
 * knows the new size, which _FORTIFY_SOURCE=3 checks writes against (the
 * allocation functions declare alloc_size). */
RT_API size_t rt_alloc_usable_size(const void *p);

/* rt_strdup / rt_strndup: copies of S on the runtime heap (rt_free them).
 * rt_strndup copies at most N bytes and always NUL-terminates.  NULL with
 * RT_EINVAL if S is NULL, RT_ENOMEM when out of memory. */
RT_API char *rt_strdup(const char *s) RT_MALLOC RT_WARN_UNUSED;
RT_API char *rt_strndup(const char *s, size_t n) RT_MALLOC RT_WARN_UNUSED;

/* rt_heap_owns: true iff P is the start of a live block of this process's
 * runtime heap.  Safe on any pointer value: foreign, wild, or NULL. */
RT_API bool rt_heap_owns(const void *p);

/* Heap statistics, process-wide. */
struct rt_heap_stats {
  size_t live_bytes;    /* bytes in live blocks (usable sizes) */
  size_t live_blocks;   /* number of live blocks */
  size_t peak_bytes;    /* high-water mark of live_bytes, sampled at
                         * every rt_heap_stats call and whenever the heap
                         * maps another segment (4 MiB) or a large block
                         * of 4 MiB or more; a rise and fall in between,
                         * within memory already mapped, is not seen */
  uint64_t total_allocs; /* allocations since start */
  uint64_t total_frees;  /* frees since start */
  size_t mapped_bytes;  /* bytes currently mapped from the OS */
  size_t reserved[8];   /* room to grow within the ABI; zero */
};

/* rt_heap_stats: fill OUT; RT_EINVAL if OUT is NULL.  Counters updated by
 * other threads' caches are folded in, so the figures are exact when no
 * other thread is allocating at the time of the call. */
RT_API int rt_heap_stats(struct rt_heap_stats *out);

/* rt_heap_trim: give idle memory back to the operating system now.  Frees
 * that other threads made into the calling thread's pages are collected,
 * pages and segments with no live block are released, segments left by
 * exited threads are taken over (and released if empty), unused pages are
 * purged (madvise), so are pages of any thread whose blocks other threads
 * have all freed since it last allocated from them, and the cache of empty
 * segments is unmapped.  Never fails; other threads' caches are left
 * alone. */
RT_API void rt_heap_trim(void);

/*
 * Fault injection, for tests.  rt_heap_fail_after(k): the k-th allocation
 * from now (0 = the very next one) fails with RT_ENOMEM, and so does every
 * later one until rt_heap_fail_after(-1) switches it off.  The environment
 * variable RT_HEAP_FAIL_AFTER=k does the same at start-up.  Counts every
 * allocating call (alloc, calloc, realloc, aligned, strdup) in all threads.
 */
RT_API void rt_heap_fail_after(long k);

RT_END_DECLS

#endif /* RUNTIME_ALLOC_H */
