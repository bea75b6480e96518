/*
 * internal.h — helpers shared between libruntime's own source files.
 * Never installed.  Names here use the rt__ prefix and are hidden.
 */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include "config.h"
#include "runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define RT_LIKELY(x) __builtin_expect(!!(x), 1)
#define RT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RT_HIDDEN __attribute__((visibility("hidden")))
#define RT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* For the few helpers of a fast path that must inline whatever the
 * compiler's budget says (the heap's and the IO layer's entry points). */
#define RT_ALWAYS_INLINE __attribute__((always_inline))

/* RT_ASSERT(cond): an invariant the code relies on.  Compiled in by
 * ./configure --enable-debug (RT_DEBUG_BUILD), where a false one prints
 * the condition and its place on stderr, without the heap or the IO
 * layer, and aborts; compiled out otherwise (COND is not evaluated). */
#ifdef RT_DEBUG_BUILD
RT_HIDDEN RT_NORETURN void rt__assert_fail(const char *cond, const char *file,
                                           int line, const char *func);
#define RT_ASSERT(cond)                                                        \
  (RT_LIKELY(cond) ? (void)0                                                   \
                   : rt__assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define RT_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

/* Record CODE and a detail message as the thread's last error; returns CODE. */
RT_HIDDEN int rt__error(int code, const char *fmt, ...) RT_PRINTF(2, 3);

/* rt__error for a failed system call: the code is -ERR and ": <strerror>"
 * is appended to the message.  Returns the code. */
RT_HIDDEN int rt__syserror(int err, const char *fmt, ...) RT_PRINTF(2, 3);

/* Prepend "PREFIX: " to the thread's last error message, keeping its code.
 * Returns the code.  Used to add context as an error travels upwards. */
RT_HIDDEN int rt__error_context(const char *fmt, ...) RT_PRINTF(1, 2);

/* A number unique to the calling thread among live threads: its thread
 * pointer (the address of its own control block), one instruction on
 * x86_64 and aarch64, where pthread_self() is a call through the PLT.
 * Elsewhere pthread_self(). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) &&                                \
    (defined(__x86_64__) || defined(__aarch64__))
#define RT_HAVE_THREAD_POINTER 1
#endif
#endif
static inline uintptr_t rt__thread_self(void)
{
#ifdef RT_HAVE_THREAD_POINTER
  return (uintptr_t)__builtin_thread_pointer();
#else
  return (uintptr_t)pthread_self();
#endif
}

/* The library's one byte hash (64-bit FNV-1a from SEED; 0 for none),
 * for the module registry's and the resolver cache's hash tables. */
static inline uint64_t rt__hash_bytes(const void *p, size_t n, uint64_t seed)
{
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603u ^ seed;
  for (size_t i = 0; i < n; i++)
    h = (h ^ s[i]) * 1099511628211u;
  return h;
}

/* The one reference-count style, for objects shared between threads
 * without a lock (address lists, signatures): C11 atomics, relaxed to
 * take a reference, acquire-release to drop one, so the thread that drops
 * the last sees every other thread's writes before it frees. */
typedef atomic_size_t rt__refcount;

static inline void rt__ref_init(rt__refcount *r) { atomic_init(r, 1); }

static inline void rt__ref_get(rt__refcount *r)
{
  atomic_fetch_add_explicit(r, 1, memory_order_relaxed);
}

/* Drop a reference; true if it was the last (the caller frees). */
static inline bool rt__ref_put(rt__refcount *r)
{
  return atomic_fetch_sub_explicit(r, 1, memory_order_acq_rel) == 1;
}

/* Milliseconds of CLOCK_MONOTONIC: the one clock of timeouts and
 * expiries inside the library (rt_clock_mono_ns() is its public face). */
static inline uint64_t rt__now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Character classes and case of ASCII, whatever the process's locale.
 * The grammars the library reads (signatures, value text, host names)
 * are ASCII, and <ctype.h> and strcasecmp follow the locale a program
 * has set: under tr_TR.UTF-8 strcasecmp("INVALID", "invalid") is not 0
 * (I folds to dotless i), and in 8-bit locales isalnum() is true for 65
 * bytes above 0x7f.  Use these, not <ctype.h>, on such text. */
static inline bool rt__ascii_space(int c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool rt__ascii_digit(int c) { return c >= '0' && c <= '9'; }

static inline bool rt__ascii_alnum(int c)
{
  return rt__ascii_digit(c) || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

static inline bool rt__ascii_xdigit(int c)
{
  return rt__ascii_digit(c) || ((unsigned)c | 0x20) - 'a' < 6;
}

static inline int rt__ascii_lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* strncasecmp of ASCII letters only: 0 when the first N bytes of A and B
 * (or all of both, if shorter) match but for the case of A-Z. */
static inline int rt__ascii_ncasecmp(const char *a, const char *b, size_t n)
{
  for (; n; n--, a++, b++) {
    int d = rt__ascii_lower((unsigned char)*a) - rt__ascii_lower((unsigned char)*b);
    if (d || !*a)
      return d;
  }
  return 0;
}

static inline int rt__ascii_casecmp(const char *a, const char *b)
{
  return rt__ascii_ncasecmp(a, b, SIZE_MAX);
}

/* Defined in init.c and referenced from error.c, which every part links
 * through rt__error: so a program linked with libruntime.a gets init.o
 * (the constructor, the exit handler, the atfork) without being told to
 * link the whole archive. */
RT_HIDDEN extern const char rt__init_linked;

/* The three moments of fork(), for the parts' fork hooks. */
enum rt__fork_stage { RT__FORK_PREPARE, RT__FORK_PARENT, RT__FORK_CHILD };

/* What a plain (non-recursive) mutex does at STAGE: taken before fork,
 * released in the parent, made anew in the child (whose one thread may
 * not be the thread that took it). */
static inline void rt__fork_mutex(pthread_mutex_t *m, enum rt__fork_stage st)
{
  if (st == RT__FORK_PREPARE)
    pthread_mutex_lock(m);
  else if (st == RT__FORK_PARENT)
    pthread_mutex_unlock(m);
  else
    pthread_mutex_init(m, NULL);
}

/*
 * Start-up, exit and fork hooks of the parts, called only by init.c, in
 * the order written down there.  A part's fork_prepare takes its locks so
 * the child inherits consistent state; fork_parent releases them;
 * fork_child makes them usable by the one thread the child has.
 */
RT_HIDDEN void rt__heap_start(void);
RT_HIDDEN void rt__heap_fork_prepare(void);
RT_HIDDEN void rt__heap_fork_parent(void);
RT_HIDDEN void rt__heap_fork_child(void);
RT_HIDDEN void rt__io_exit(void);
RT_HIDDEN void rt__io_final_flush(void);
RT_HIDDEN void rt__io_fork_prepare(void);
RT_HIDDEN void rt__io_fork_parent(void);
RT_HIDDEN void rt__io_fork_child(void);
RT_HIDDEN void rt__net_fork_prepare(void);
RT_HIDDEN void rt__net_fork_parent(void);
RT_HIDDEN void rt__net_fork_child(void);
RT_HIDDEN void rt__module_fork_prepare(void);
RT_HIDDEN void rt__module_fork_parent(void);
RT_HIDDEN void rt__module_fork_child(void);

#endif /* RT_INTERNAL_H */
