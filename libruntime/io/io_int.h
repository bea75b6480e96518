/*
 * io_int.h — the IO part's private header: the recursive lock of a stream.
 *
 * Streams are locked once per call, so the lock is on the hot path of every
 * rt_printf().  It is a futex word (0 free, 1 held, 2 held with waiters,
 * after Drepper, "Futexes Are Tricky") plus an owner for recursion.  While
 * the process has a single thread (glibc's __libc_single_threaded, the
 * same test stdio uses) no other thread can contend, so the word is set
 * with plain stores instead of atomic read-modify-write instructions.  That
 * is sound both ways: the flag only goes from true to false in the thread
 * that creates the second thread, and a lock taken the cheap way is a
 * valid held lock (word 1) for the atomic path.
 */
#ifndef RT_IO_INT_H
#define RT_IO_INT_H

#include "../internal.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_SYS_SINGLE_THREADED_H
#include <sys/single_threaded.h>
#define RT_SINGLE_THREADED() (__libc_single_threaded != 0)
#else
#define RT_SINGLE_THREADED() false
#endif

typedef struct rt_iolock {
  atomic_int word;             /* 0 free, 1 held, 2 held and contended */
  atomic_uintptr_t owner;      /* pthread_self() of the holder, or 0 */
  unsigned depth;              /* recursion depth; the holder's only */
} rt_iolock;

#define RT_IOLOCK_INIT {0, 0, 0}

/* The holder's identity only has to be unique among live threads. */
static inline uintptr_t iolock_self(void) { return rt__thread_self(); }

static void iolock_wait(rt_iolock *l)
{
  int c = atomic_exchange_explicit(&l->word, 2, memory_order_acquire);
  while (c != 0) {
    syscall(SYS_futex, &l->word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
    c = atomic_exchange_explicit(&l->word, 2, memory_order_acquire);
  }
}

static inline void iolock_acquired(rt_iolock *l, uintptr_t self)
{
  atomic_store_explicit(&l->owner, self, memory_order_relaxed);
  l->depth = 1;
}

static inline void iolock_lock(rt_iolock *l)
{
  uintptr_t self = iolock_self();
  if (atomic_load_explicit(&l->owner, memory_order_relaxed) == self) {
    l->depth++;
    return;
  }
  int c = 0;
  if (RT_SINGLE_THREADED())
    atomic_store_explicit(&l->word, 1, memory_order_relaxed);
  else if (!atomic_compare_exchange_strong_explicit(
               &l->word, &c, 1, memory_order_acquire, memory_order_relaxed))
    iolock_wait(l);
  iolock_acquired(l, self);
}

/* iolock_trylock: take L if it is free or already ours; false otherwise. */
static inline bool iolock_trylock(rt_iolock *l)
{
  uintptr_t self = iolock_self();
  if (atomic_load_explicit(&l->owner, memory_order_relaxed) == self) {
    l->depth++;
    return true;
  }
  int c = 0;
  if (!atomic_compare_exchange_strong_explicit(
          &l->word, &c, 1, memory_order_acquire, memory_order_relaxed))
    return false;
  iolock_acquired(l, self);
  return true;
}

static inline void iolock_unlock(rt_iolock *l)
{
  if (--l->depth > 0)
    return;
  atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
  if (RT_SINGLE_THREADED()) {
    atomic_store_explicit(&l->word, 0, memory_order_release);
    return;
  }
  if (atomic_exchange_explicit(&l->word, 0, memory_order_release) == 2)
    syscall(SYS_futex, &l->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* iolock_reset_foreign: in a fork child, free L if a thread that no longer
 * exists held it; a lock held by the forking thread stays held. */
static inline void iolock_reset_foreign(rt_iolock *l)
{
  uintptr_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
  if (owner == iolock_self())
    return;
  atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
  atomic_store_explicit(&l->word, 0, memory_order_relaxed);
  l->depth = 0;
}

/* ---- streams ---------------------------------------------------------- */

enum kind { KIND_FD, KIND_MEM, KIND_NULL };
enum bufmode { BUF_UNSET, BUF_FULL, BUF_LINE, BUF_NONE };
/* FD_DEVICE: a character or block device, which cannot raise SIGPIPE
 * (only pipes and sockets can), so it is written like a regular file. */
enum fdtype { FD_UNKNOWN, FD_REGULAR, FD_SOCKET, FD_DEVICE, FD_OTHER };

#define NULL_BUFSIZE 256

struct rt_stream {
  rt_iolock wlock, rlock;
  rt_buf w;              /* write buffer; a memory stream's contents */
  size_t op_start;       /* W.len when the current write call began */
  bool op_drained;       /* W was written out during the current call */
  char *rbuf;            /* read buffer of a descriptor stream */
  size_t rpos, rlen;     /* unread bytes are rbuf[rpos..rlen) */
  size_t mpos;           /* read position of a memory stream in W */
  int fd;
  unsigned char kind, bufmode, fdtype;
  bool readable, writable, owns_fd, shared_rw, is_std;
  atomic_int err;        /* sticky write error */
  atomic_int rerr;       /* error of the last failed read */
  atomic_bool eof;
  const char *name;      /* for messages: a path, "<stdout>", "fd 7" */
  char *name_owned;
  struct rt_io_counters {
    atomic_uint_least64_t written, out, read, flushes, werrors, rerrors;
  } n;
  struct rt_stream *prev, *next; /* registry of open streams */
};

/* Counters are changed only under the stream's lock, so a plain
 * load-add-store suffices; they are atomics so that rt_io_stats() can read
 * them from another thread without a data race. */
static inline void count(atomic_uint_least64_t *c, uint64_t v)
{
  atomic_store_explicit(
      c, atomic_load_explicit(c, memory_order_relaxed) + v,
      memory_order_relaxed);
}

static inline uint64_t counter(const atomic_uint_least64_t *c)
{
  return atomic_load_explicit(c, memory_order_relaxed);
}

/* Used by stream.c (opening and closing), defined by write.c: the IO
 * layer is one translation unit (static.c), so these stay static. */
static enum fdtype classify_fd(int fd);
static int alloc_wbuf(rt_stream *s);
static int drain(rt_stream *s);
static int sticky_error(const rt_stream *s);
static int report_sticky(const rt_stream *s, int err, const char *what);

#endif /* RT_IO_INT_H */
