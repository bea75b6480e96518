/*
 * override.c — libruntime-malloc.so: malloc(3) and C++ operator
 * new/delete of the whole process served by the runtime heap.
 *
 * Preloaded (LD_PRELOAD) or linked before the C library, this object
 * defines the allocation functions of the C library and the C++ runtime,
 * and every program, library and plugin in the process then allocates
 * from libruntime.so's heap: a malloc()ed block may be rt_free()d and an
 * rt_alloc()ed one free()d.  It holds no allocator of its own; each
 * function forwards to rt_alloc(), rt_free() and the rest.
 *
 * Pointers it did not hand out (allocated through the C library before
 * it took over, or by the allocator directly, __libc_malloc) are passed
 * to the allocator next in the lookup order, found with
 * dlsym(RTLD_NEXT, ...).  The test is the heap's segment map
 * (rt__heap_maybe_owns: is the address in memory the heap mapped?), not
 * the exact check of rt_heap_owns(): a pointer into the heap that is not
 * a live block's start goes to rt_free(), which reports it and aborts.
 *
 * See rt_alloc(3), "MALLOC OVERRIDE", and doc/architecture.md.
 */
#define _GNU_SOURCE
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "heap/owns_probe.h"

#define EXPORT __attribute__((visibility("default")))
#define LIKELY(x) __builtin_expect(!!(x), 1)

/* The C++ names below are mangled for a size_t that is unsigned long
 * ('m'), as on every LP64 target. */
_Static_assert(sizeof(size_t) == sizeof(unsigned long),
               "operator new names assume size_t is unsigned long");

/* The largest alignment rt_alloc_aligned() serves (runtime/alloc.h);
 * larger ones go to the next allocator. */
#define RT_MAX_ALIGN ((size_t)2 << 20)
#define MIN_ALIGN 16

/* ---- the allocator before us --------------------------------------------
 *
 * Resolved by the constructor with dlsym(RTLD_NEXT, ...).  dlsym may
 * allocate, which comes back here and is served by the heap; until the
 * names are resolved (a foreign pointer freed before this object's
 * constructor ran, or during it) the C library's own entry points serve
 * instead. */
extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

typedef void free_fn(void *);
typedef void *realloc_fn(void *, size_t);
typedef void *memalign_fn(size_t, size_t);
typedef size_t usable_fn(void *);

static _Atomic(free_fn *) next_free;
static _Atomic(realloc_fn *) next_realloc;
static _Atomic(memalign_fn *) next_memalign;
static _Atomic(usable_fn *) next_usable;

__attribute__((constructor)) static void resolve_next(void)
{
  /* Casts through void * of dlsym's result: POSIX guarantees they work. */
  free_fn *f = (free_fn *)dlsym(RTLD_NEXT, "free");
  realloc_fn *r = (realloc_fn *)dlsym(RTLD_NEXT, "realloc");
  memalign_fn *m = (memalign_fn *)dlsym(RTLD_NEXT, "memalign");
  usable_fn *u = (usable_fn *)dlsym(RTLD_NEXT, "malloc_usable_size");
  atomic_store_explicit(&next_free, f, memory_order_release);
  atomic_store_explicit(&next_realloc, r, memory_order_release);
  atomic_store_explicit(&next_memalign, m, memory_order_release);
  atomic_store_explicit(&next_usable, u, memory_order_release);
}

__attribute__((noinline)) static void foreign_free(void *p)
{
  free_fn *f = atomic_load_explicit(&next_free, memory_order_acquire);
  (f ? f : __libc_free)(p);
}

__attribute__((noinline)) static void *foreign_realloc(void *p, size_t n)
{
  realloc_fn *r = atomic_load_explicit(&next_realloc, memory_order_acquire);
  return (r ? r : __libc_realloc)(p, n);
}

static void *foreign_memalign(size_t align, size_t n)
{
  memalign_fn *m = atomic_load_explicit(&next_memalign, memory_order_acquire);
  return (m ? m : __libc_memalign)(align, n);
}

static size_t foreign_usable(void *p)
{
  usable_fn *u = atomic_load_explicit(&next_usable, memory_order_acquire);
  return u ? u(p) : 0;
}

/* ---- C ------------------------------------------------------------------ */

/* The bodies of malloc and free, called directly by the functions
 * below (not through the PLT, where another object's malloc could
 * answer).  On failure the heap sets errno itself (ENOMEM, or EINVAL for
 * a bad alignment), besides its message as the thread's last error, so
 * that these are jumps to it. */
static inline void *do_malloc(size_t n) { return rt_alloc(n); }

/* A jump to the heap, which tests the segment map once, frees what is
 * its own and hands the rest (NULL aside) to foreign_free. */
static inline void do_free(void *p) { rt__heap_free(p, foreign_free); }

EXPORT void *malloc(size_t n) { return do_malloc(n); }

EXPORT void free(void *p) { do_free(p); }

EXPORT void *calloc(size_t n, size_t size) { return rt_calloc(n, size); }

static void *do_realloc(void *p, size_t n)
{
  if (p != NULL && !rt__heap_maybe_owns(p))
    return foreign_realloc(p, n);
  return rt_realloc(p, n);
}

EXPORT void *realloc(void *p, size_t n) { return do_realloc(p, n); }

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
  if (size != 0 && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return do_realloc(p, n * size);
}

/* ALIGN rounded up to a power of two, as glibc's memalign() does. */
static size_t pow2_at_least(size_t align)
{
  if ((align & (align - 1)) == 0)
    return align;
  if (align > SIZE_MAX / 2 + 1)
    return 0;
  return (size_t)1 << (64 - __builtin_clzl(align));
}

/* SIZE bytes at ALIGN (a power of two, or rounded up to one). */
static void *aligned(size_t align, size_t size)
{
  if (align <= MIN_ALIGN)
    return do_malloc(size);
  align = pow2_at_least(align);
  if (align == 0) {
    errno = EINVAL;
    return NULL;
  }
  if (align > RT_MAX_ALIGN)
    return foreign_memalign(align, size);
  return rt_alloc_aligned(align, size);
}

EXPORT void *memalign(size_t align, size_t size) { return aligned(align, size); }

EXPORT void *aligned_alloc(size_t align, size_t size)
{
  return aligned(align, size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
  if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0)
    return EINVAL;
  int saved = errno;
  void *p = aligned(align, size);
  int err = p ? 0 : errno;
  errno = saved;
  if (p)
    *out = p;
  return err;
}

static size_t os_page(void)
{
  static _Atomic size_t page;
  size_t n = atomic_load_explicit(&page, memory_order_relaxed);
  if (n == 0) {
    long v = sysconf(_SC_PAGESIZE);
    n = v > 0 ? (size_t)v : 4096;
    atomic_store_explicit(&page, n, memory_order_relaxed);
  }
  return n;
}

EXPORT void *valloc(size_t size) { return aligned(os_page(), size); }

EXPORT void *pvalloc(size_t size)
{
  size_t page = os_page();
  if (size > SIZE_MAX - page) {
    errno = ENOMEM;
    return NULL;
  }
  size_t rounded = size ? (size + page - 1) & ~(page - 1) : page;
  return aligned(page, rounded);
}

EXPORT size_t malloc_usable_size(void *p)
{
  if (p == NULL)
    return 0;
  if (rt__heap_maybe_owns(p))
    return rt_alloc_usable_size(p);
  return foreign_usable(p);
}

/* ---- C++ ----------------------------------------------------------------
 *
 * operator new and delete in all their standard forms, by their mangled
 * names.  A throwing new that cannot get memory calls the program's
 * new_handler while there is one (std::get_new_handler()) and, when there
 * is none, throws std::bad_alloc through libstdc++'s
 * std::__throw_bad_alloc(); both are weak references, present whenever a
 * C++ program is running.  The nothrow forms return NULL at once (they do
 * not call the handler: one that throws would escape a noexcept function).
 */
/* The mangled names have no C declarations to match. */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"

typedef void new_handler_fn(void);
extern new_handler_fn *_ZSt15get_new_handlerv(void) __attribute__((weak));
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));

__attribute__((noinline, noreturn)) static void no_memory_for_new(size_t n)
{
  if (_ZSt17__throw_bad_allocv)
    _ZSt17__throw_bad_allocv();
  static const char msg[] =
      "libruntime-malloc: operator new: out of memory and no C++ runtime "
      "to throw std::bad_alloc\n";
  ssize_t rc = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)rc;
  (void)n;
  abort();
}

/* Whether the program's new_handler ran (and may have made room). */
static int ran_new_handler(void)
{
  new_handler_fn *h = _ZSt15get_new_handlerv ? _ZSt15get_new_handlerv() : NULL;
  if (h == NULL)
    return 0;
  h();
  return 1;
}

__attribute__((noinline)) static void *new_retry(size_t align, size_t n)
{
  for (;;) {
    void *p = align ? aligned(align, n) : rt_alloc(n);
    if (p)
      return p;
    if (!ran_new_handler())
      no_memory_for_new(n);
  }
}

static inline void *cxx_new(size_t n)
{
  void *p = rt_alloc(n);
  return LIKELY(p != NULL) ? p : new_retry(0, n);
}

static inline void *cxx_new_aligned(size_t n, size_t align)
{
  void *p = aligned(align, n);
  return LIKELY(p != NULL) ? p : new_retry(align, n);
}

/* new(size), new[](size) */
EXPORT void *_Znwm(size_t n) { return cxx_new(n); }
EXPORT void *_Znam(size_t n) { return cxx_new(n); }
/* new(size, nothrow), new[](size, nothrow) */
EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, const void *nt) { return do_malloc(n); }
EXPORT void *_ZnamRKSt9nothrow_t(size_t n, const void *nt) { return do_malloc(n); }
/* new(size, align_val_t), new[](size, align_val_t) */
EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t al)
{
  return cxx_new_aligned(n, al);
}
EXPORT void *_ZnamSt11align_val_t(size_t n, size_t al)
{
  return cxx_new_aligned(n, al);
}
/* new(size, align_val_t, nothrow), new[](size, align_val_t, nothrow) */
EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t al,
                                                const void *nt)
{
  return aligned(al, n);
}
EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t al,
                                                const void *nt)
{
  return aligned(al, n);
}

/* delete(p), delete[](p), and with size, alignment, nothrow: the heap
 * knows every block's size and alignment, so all are free(). */
EXPORT void _ZdlPv(void *p) { do_free(p); }
EXPORT void _ZdaPv(void *p) { do_free(p); }
EXPORT void _ZdlPvm(void *p, size_t n) { do_free(p); }
EXPORT void _ZdaPvm(void *p, size_t n) { do_free(p); }
EXPORT void _ZdlPvRKSt9nothrow_t(void *p, const void *nt) { do_free(p); }
EXPORT void _ZdaPvRKSt9nothrow_t(void *p, const void *nt) { do_free(p); }
EXPORT void _ZdlPvSt11align_val_t(void *p, size_t al) { do_free(p); }
EXPORT void _ZdaPvSt11align_val_t(void *p, size_t al) { do_free(p); }
EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t al) { do_free(p); }
EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t al) { do_free(p); }
EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al,
                                                const void *nt)
{
  do_free(p);
}
EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t al,
                                                const void *nt)
{
  do_free(p);
}
