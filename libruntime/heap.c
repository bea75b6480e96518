/*
 * heap.c — interim runtime heap over the C library's malloc, keeping the
 * public contract for the foundation (fault injection, statistics).  The
 * heap issue replaces it with libruntime's own segment allocator.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static long fail_after = -1;
static struct rt_heap_stats stats;

static bool inject_failure(void)
{
  bool fail = false;
  pthread_mutex_lock(&heap_lock);
  if (fail_after == 0)
    fail = true;
  else if (fail_after > 0)
    fail_after--;
  pthread_mutex_unlock(&heap_lock);
  return fail;
}

void rt_heap_fail_after(long k)
{
  pthread_mutex_lock(&heap_lock);
  fail_after = k < 0 ? -1 : k;
  pthread_mutex_unlock(&heap_lock);
}

static void *nomem(const char *what, size_t size)
{
  rt__error(RT_ENOMEM, "%s(%zu): out of memory", what, size);
  return NULL;
}

void *rt_alloc(size_t size) { return rt_alloc_aligned(16, size); }

void *rt_calloc(size_t n, size_t size)
{
  if (size != 0 && n > SIZE_MAX / size)
    return nomem("rt_calloc: count*size overflows", SIZE_MAX);
  void *p = rt_alloc(n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

void *rt_alloc_aligned(size_t align, size_t size)
{
  if (align == 0 || (align & (align - 1)) != 0) {
    rt__error(RT_EINVAL, "rt_alloc_aligned: alignment %zu is not a power of "
              "two", align);
    return NULL;
  }
  if (inject_failure() || size > PTRDIFF_MAX)
    return nomem("rt_alloc", size);
  void *p = NULL;
  if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
                     size ? size : 1) != 0)
    return nomem("rt_alloc", size);
  pthread_mutex_lock(&heap_lock);
  stats.live_blocks++;
  stats.total_allocs++;
  pthread_mutex_unlock(&heap_lock);
  return p;
}

void rt_free(void *p)
{
  if (p == NULL)
    return;
  pthread_mutex_lock(&heap_lock);
  stats.live_blocks--;
  stats.total_frees++;
  pthread_mutex_unlock(&heap_lock);
  free(p);
}

void *rt_realloc(void *p, size_t size)
{
  if (p == NULL)
    return rt_alloc(size);
  if (inject_failure() || size > PTRDIFF_MAX)
    return nomem("rt_realloc", size);
  void *q = realloc(p, size ? size : 1);
  if (q == NULL)
    return nomem("rt_realloc", size);
  return q;
}

size_t rt_alloc_usable_size(const void *p)
{
  (void)p;
  return 0;
}

char *rt_strndup(const char *s, size_t n)
{
  size_t len = strnlen(s, n);
  char *p = rt_alloc(len + 1);
  if (p) {
    memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

char *rt_strdup(const char *s) { return rt_strndup(s, SIZE_MAX); }

bool rt_heap_owns(const void *p)
{
  (void)p;
  return false;
}

int rt_heap_stats(struct rt_heap_stats *out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_heap_stats: OUT is NULL");
  pthread_mutex_lock(&heap_lock);
  *out = stats;
  pthread_mutex_unlock(&heap_lock);
  return 0;
}
