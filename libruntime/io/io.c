/*
 * io.c — buffered streams over descriptors, memory and nothing; the
 * process-wide standard streams; flush of every stream at exit and fork.
 *
 * Layout of a stream: the write buffer W is an rt_buf (for a memory stream
 * it IS the contents); W always keeps one spare byte so a memory stream
 * stays NUL-terminated.  Descriptor streams have a separate read buffer.
 * WLOCK guards the write side, RLOCK the read side; streams whose reads and
 * writes share state (seekable files opened for both, memory streams) take
 * both, always WLOCK first.  The registry of open streams has its own mutex,
 * always taken before any stream lock.
 */
#include "../internal.h"
#include "io_int.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

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

/* ---- the standard streams and the registry ---------------------------- */

#define STD_STREAM(var, fdno, label, rd, wr, mode)                          \
  static rt_stream var = {.wlock = RT_IOLOCK_INIT,                          \
                          .rlock = RT_IOLOCK_INIT,                          \
                          .fd = fdno,                                       \
                          .kind = KIND_FD,                                  \
                          .bufmode = mode,                                  \
                          .readable = rd,                                   \
                          .writable = wr,                                   \
                          .is_std = true,                                   \
                          .name = label}

STD_STREAM(std_in, 0, "<stdin>", true, false, BUF_FULL);
STD_STREAM(std_out, 1, "<stdout>", false, true, BUF_UNSET);
STD_STREAM(std_err, 2, "<stderr>", false, true, BUF_NONE);

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rt_stream *registry;
static uint64_t streams_opened;
static struct rt_io_counters closed_totals;

rt_stream *rt_stdin(void) { return &std_in; }
rt_stream *rt_stdout(void) { return &std_out; }
rt_stream *rt_stderr(void) { return &std_err; }

static void registry_link(rt_stream *s)
{
  s->prev = NULL;
  s->next = registry;
  if (registry)
    registry->prev = s;
  registry = s;
}

static void registry_unlink(rt_stream *s)
{
  if (s->prev)
    s->prev->next = s->next;
  else
    registry = s->next;
  if (s->next)
    s->next->prev = s->prev;
}

/* The standard streams are linked on first use of the registry, so that
 * nothing depends on constructor order. */
static void registry_init_once(void)
{
  registry_link(&std_err);
  registry_link(&std_out);
  registry_link(&std_in);
}

static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static void registry_enter(void)
{
  pthread_once(&registry_once, registry_init_once);
  pthread_mutex_lock(&registry_lock);
}

static void registry_leave(void) { pthread_mutex_unlock(&registry_lock); }

/* ---- locking ---------------------------------------------------------- */

static inline RT_ALWAYS_INLINE void lock_write(rt_stream *s)
{
  iolock_lock(&s->wlock);
  if (s->shared_rw)
    iolock_lock(&s->rlock);
}

static inline RT_ALWAYS_INLINE void unlock_write(rt_stream *s)
{
  if (s->shared_rw)
    iolock_unlock(&s->rlock);
  iolock_unlock(&s->wlock);
}

static void lock_read(rt_stream *s)
{
  if (s->shared_rw)
    iolock_lock(&s->wlock);
  iolock_lock(&s->rlock);
}

static void unlock_read(rt_stream *s)
{
  iolock_unlock(&s->rlock);
  if (s->shared_rw)
    iolock_unlock(&s->wlock);
}

/* The public lock is the write side's (both sides where they share
 * state): a reader blocked on a socket must not hold up the writers. */
void rt_stream_lock(rt_stream *s) { lock_write(s); }

void rt_stream_unlock(rt_stream *s) { unlock_write(s); }

/* ---- writing to a descriptor ------------------------------------------ */

static enum fdtype classify_fd(int fd)
{
  struct stat st;
  if (fstat(fd, &st) != 0)
    return FD_OTHER;
  if (S_ISREG(st.st_mode))
    return FD_REGULAR;
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    return FD_DEVICE;
  return S_ISSOCK(st.st_mode) ? FD_SOCKET : FD_OTHER;
}

/* Wait until FD is ready for EVENTS (a non-blocking descriptor said
 * EAGAIN): a buffered stream has blocking semantics. */
static void wait_ready(int fd, short events)
{
  struct pollfd p = {.fd = fd, .events = events};
  while (poll(&p, 1, -1) < 0 && errno == EINTR)
    continue;
}

/* write(2) to a pipe, terminal or device with SIGPIPE blocked in this
 * thread; a SIGPIPE this write raised is consumed before unblocking.  If
 * the caller had SIGPIPE blocked already, its policy is left alone. */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t r = write(fd, p, n);
  int err = errno;
  if (!sigismember(&old, SIGPIPE)) {
    if (r < 0 && err == EPIPE) {
      const struct timespec zero = {0, 0};
      while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
        continue;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  errno = err;
  return r;
}

static ssize_t write_once(rt_stream *s, const void *p, size_t n)
{
  if (s->fdtype == FD_UNKNOWN)
    s->fdtype = classify_fd(s->fd);
  switch (s->fdtype) {
  case FD_REGULAR:
  case FD_DEVICE:
    return write(s->fd, p, n);
  case FD_SOCKET:
    return send(s->fd, p, n, MSG_NOSIGNAL);
  default:
    return write_nosigpipe(s->fd, p, n);
  }
}

static int fail_write(rt_stream *s, int err)
{
  atomic_store_explicit(&s->err, -err, memory_order_relaxed);
  count(&s->n.werrors, 1);
  return rt__syserror(err, "write to %s (fd %d) failed; the stream keeps "
                      "this error", s->name, s->fd);
}

/* write_all: hand P[0..N) to the descriptor, retrying after EINTR and
 * completing short writes.  A failure is made sticky. */
static int write_all(rt_stream *s, const char *p, size_t n)
{
  count(&s->n.flushes, 1);
  while (n > 0) {
    ssize_t r = write_once(s, p, n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_ready(s->fd, POLLOUT);
        continue;
      }
      return fail_write(s, errno);
    }
    count(&s->n.out, (uint64_t)r);
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* Before writing to a seekable file that has read ahead, move the file
 * position back to where the reader is, as stdio does on r+ streams. */
static void drop_readahead(rt_stream *s)
{
  if (s->rlen > s->rpos)
    lseek(s->fd, -(off_t)(s->rlen - s->rpos), SEEK_CUR);
  s->rpos = s->rlen = 0;
}

/* drain: empty W.  Descriptor streams write it out (on failure the bytes
 * are dropped: they can never be delivered); a null sink discards it. */
static int drain(rt_stream *s)
{
  if (s->w.len == 0 || s->kind == KIND_MEM)
    return 0;
  s->op_drained = true;
  size_t len = s->w.len;
  s->w.len = 0;
  if (s->kind == KIND_NULL)
    return 0;
  return write_all(s, s->w.data, len);
}

static int alloc_wbuf(rt_stream *s)
{
  size_t size = s->kind == KIND_NULL ? NULL_BUFSIZE : RT_IO_BUFSIZE;
  s->w.data = rt_alloc(size);
  if (s->w.data == NULL)
    return rt__error_context("cannot allocate the write buffer of %s",
                             s->name);
  s->w.cap = size;
  return 0;
}

/* make_room: ensure W has N free bytes (besides the spare one) if it can
 * hold them at all; returns 0, or 1 if N is too large for a descriptor
 * stream's buffer (W is then empty), or an error. */
static int make_room(rt_stream *s, size_t n)
{
  if (s->kind == KIND_MEM) {
    int rc = rt_buf_reserve(&s->w, n);
    return rc < 0 ? rt__error_context("memory stream") : 0;
  }
  if (s->w.data == NULL) {
    int rc = alloc_wbuf(s);
    if (rc < 0)
      return rc;
  } else {
    int rc = drain(s);
    if (rc < 0)
      return rc;
  }
  return n < s->w.cap ? 0 : 1;
}

static inline bool has_room(const rt_stream *s, size_t n)
{
  return n < s->w.cap - s->w.len;
}

static int put_slow(rt_stream *s, const void *p, size_t n)
{
  int rc = make_room(s, n);
  if (rc < 0)
    return rc;
  if (rc == 1) {
    s->op_drained = true;
    return s->kind == KIND_NULL ? 0 : write_all(s, p, n);
  }
  memcpy(s->w.data + s->w.len, p, n);
  s->w.len += n;
  return 0;
}

/* put: the one way bytes enter a stream inside a write call. */
static inline int put(rt_stream *s, const void *p, size_t n)
{
  if (RT_LIKELY(has_room(s, n))) {
    memcpy(s->w.data + s->w.len, p, n);
    s->w.len += n;
    return 0;
  }
  return put_slow(s, p, n);
}

/* ---- write calls: begin, end ------------------------------------------ */

/* The standard output's buffering is settled at its first write, when the
 * descriptor is known. */
static void std_setup(rt_stream *s)
{
  /* Only a character device can be a terminal: a pipe or a file is told
   * apart by the fstat() that classifying the descriptor needs anyway,
   * without the isatty() ioctl (one system call less at start-up). */
  if (s->fdtype == FD_UNKNOWN)
    s->fdtype = (unsigned char)classify_fd(s->fd);
  s->bufmode = s->fdtype == FD_DEVICE && isatty(s->fd) ? BUF_LINE : BUF_FULL;
}

static inline RT_ALWAYS_INLINE int begin_write(rt_stream *s)
{
  lock_write(s);
  int err = atomic_load_explicit(&s->err, memory_order_relaxed);
  if (RT_UNLIKELY(err != 0 || !s->writable)) {
    unlock_write(s);
    if (!s->writable)
      return rt__error(RT_EBADF, "%s is not open for writing", s->name);
    return rt__error(err, "%s has a sticky write error: %s", s->name,
                     rt_strerror(err));
  }
  if (RT_UNLIKELY(s->bufmode == BUF_UNSET))
    std_setup(s);
  if (s->shared_rw && RT_UNLIKELY(s->rlen > 0))
    drop_readahead(s);
  s->op_start = s->w.len;
  s->op_drained = false;
  return 0;
}

/* A line-buffered stream is written out when the call wrote a newline; an
 * unbuffered one after every call. */
static int finish_buffering(rt_stream *s)
{
  if (s->bufmode == BUF_NONE)
    return drain(s);
  size_t from = s->op_drained ? 0 : s->op_start;
  if (s->w.len > from && memchr(s->w.data + from, '\n', s->w.len - from))
    return drain(s);
  return 0;
}

/* end_write: finish a write call that wrote BYTES with status RC.  A call
 * that failed without writing anything out is undone, so a clean error
 * leaves no partial output. */
static inline RT_ALWAYS_INLINE int end_write(rt_stream *s, int rc,
                                             size_t bytes)
{
  if (rc < 0 && !s->op_drained && s->w.data)
    s->w.len = s->op_start;
  if (rc >= 0) {
    count(&s->n.written, bytes);
    if (s->bufmode != BUF_FULL && s->kind == KIND_FD) {
      int frc = finish_buffering(s);
      rc = frc < 0 ? frc : rc;
    }
  }
  if (s->kind == KIND_MEM && s->w.data)
    s->w.data[s->w.len] = '\0';
  unlock_write(s);
  return rc;
}

int rt_write(rt_stream *s, const void *p, size_t n)
{
  int rc = begin_write(s);
  if (rc < 0)
    return rc;
  return end_write(s, put(s, p, n), n);
}

int rt_puts(rt_stream *s, const char *str)
{
  return rt_write(s, str, strlen(str));
}

int rt_putc(rt_stream *s, int c)
{
  unsigned char b = (unsigned char)c;
  return rt_write(s, &b, 1);
}

/* ---- formatted output ------------------------------------------------- */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Decimal digits eight at a time in one 64-bit word, without a loop or a
 * table (SWAR): V < 10^8 is split into two 4-digit halves in 32-bit
 * lanes, each lane into 2-digit quarters in 16-bit lanes, each of those
 * into digits in bytes, every split by a multiply-shift division that is
 * exact in its range (v*10486>>20 == v/100 for v < 10^4, v*103>>10 ==
 * v/10 for v < 100) and never carries across lanes.  On a little-endian
 * machine byte 0 is then the most significant digit. */
static inline uint64_t dec8_word(uint32_t v)
{
  uint64_t x = (v / 10000) | ((uint64_t)(v % 10000) << 32);
  uint64_t q = ((x * 10486) >> 20) & 0x0000007f0000007full;
  x = q | ((x - q * 100) << 16);
  q = ((x * 103) >> 10) & 0x000f000f000f000full;
  return q | ((x - q * 10) << 8);
}

/* V < 10^8 without leading zeros at D (8 bytes are stored, the length is
 * returned by the new end): the leading zero digits are the low zero
 * bytes of the word, shifted out. */
static inline char *dec8(char *d, uint32_t v)
{
  uint64_t x = dec8_word(v);
  unsigned z = (unsigned)__builtin_ctzll(x | (1ull << 56)) & ~7u;
  x = (x + 0x3030303030303030ull) >> z;
  memcpy(d, &x, 8);
  return d + 8 - z / 8;
}

/* V < 10^8 as exactly eight digits at D. */
static inline char *dec8_full(char *d, uint32_t v)
{
  uint64_t x = dec8_word(v) + 0x3030303030303030ull;
  memcpy(d, &x, 8);
  return d + 8;
}

/* put_dec: V in decimal at D, which has room for 20 digits plus 4. */
static inline char *put_dec(char *d, uint64_t v)
{
  if (RT_LIKELY(v < 100000000u))
    return dec8(d, (uint32_t)v);
  if (v < 10000000000000000ull) {
    d = dec8(d, (uint32_t)(v / 100000000u));
    return dec8_full(d, (uint32_t)(v % 100000000u));
  }
  uint64_t low = v % 10000000000000000ull;
  d = dec8(d, (uint32_t)(v / 10000000000000000ull));
  d = dec8_full(d, (uint32_t)(low / 100000000u));
  return dec8_full(d, (uint32_t)(low % 100000000u));
}
#else
/* Elsewhere: digit pairs from a table, written backwards. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static const uint64_t pow10_table[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

/* dec_len: the number of decimal digits of V: log10 from the bit length
 * (1233/4096 ~ log10(2)), corrected by one comparison. */
static inline unsigned dec_len(uint64_t v)
{
  unsigned t = ((64u - (unsigned)__builtin_clzll(v | 1)) * 1233u) >> 12;
  return t + (v >= pow10_table[t]) + (v == 0);
}

/* dec_back: V in decimal written backwards, ending just before END. */
static inline void dec_back(char *end, uint64_t v)
{
  for (; v > UINT32_MAX; v /= 100) {
    unsigned i = (unsigned)(v % 100) * 2;
    *--end = digit_pairs[i + 1];
    *--end = digit_pairs[i];
  }
  uint32_t w = (uint32_t)v; /* 32-bit divisions are cheaper */
  for (; w >= 100; w /= 100) {
    unsigned i = (w % 100) * 2;
    *--end = digit_pairs[i + 1];
    *--end = digit_pairs[i];
  }
  if (w >= 10) {
    *--end = digit_pairs[w * 2 + 1];
    *--end = digit_pairs[w * 2];
  } else {
    *--end = (char)('0' + w);
  }
}

static inline char *put_dec(char *d, uint64_t v)
{
  d += dec_len(v);
  dec_back(d, v);
  return d;
}
#endif

/* An integer conversion: its magnitude, sign and base. */
struct int_conv {
  uint64_t mag;
  bool neg, hex;
};

/* "-" and 20 digits, or 16 hex digits; put_dec stores whole 8-byte words
 * and needs 3 bytes more than it writes at worst */
#define INT_MAX_CHARS 24

/* put_int: write C at D (which has INT_MAX_CHARS of room); returns the
 * end of what was written. */
static inline char *put_int(char *d, struct int_conv c)
{
  if (c.neg)
    *d++ = '-';
  if (!c.hex)
    return put_dec(d, c.mag);
  unsigned n = c.mag ? (67u - (unsigned)__builtin_clzll(c.mag)) / 4 : 1;
  uint64_t v = c.mag;
  for (char *p = d + n; p > d; v >>= 4)
    *--p = "0123456789abcdef"[v & 15];
  return d + n;
}

static inline struct int_conv signed_conv(long long v)
{
  struct int_conv c = {(uint64_t)v, v < 0, false};
  if (c.neg)
    c.mag = 0 - c.mag;
  return c;
}

/* int_conversion: if F (just after a '%') is one of the fast integer
 * conversions, fetch its argument into *C and return the length of its
 * spec; else 0. */
static inline int int_conversion(const char *f, va_list *ap,
                                 struct int_conv *c)
{
  int mod = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
  if (f[0] == 'l')
    mod = f[1] == 'l' ? 2 : 1;
  else if (f[0] == 'z')
    mod = 3;
  int len = mod == 0 ? 1 : mod == 2 ? 3 : 2;
  switch (f[len - 1]) {
  case 'd':
  case 'i':
    *c = signed_conv(mod == 0   ? va_arg(*ap, int)
                     : mod == 1 ? va_arg(*ap, long)
                     : mod == 2 ? va_arg(*ap, long long)
                                : va_arg(*ap, ssize_t));
    return len;
  case 'x':
  case 'u':
    c->hex = f[len - 1] == 'x';
    c->neg = false;
    c->mag = mod == 0   ? va_arg(*ap, unsigned)
             : mod == 1 ? va_arg(*ap, unsigned long)
             : mod == 2 ? va_arg(*ap, unsigned long long)
                        : va_arg(*ap, size_t);
    return len;
  default:
    return 0;
  }
}

/* fallback: format the rest of the call, from FMT on, with vsnprintf:
 * into W's free space if it fits, else into a fresh buffer. */
static int fallback(rt_stream *s, const char *fmt, va_list *ap,
                    size_t *total)
{
  va_list aq;
  va_copy(aq, *ap);
  size_t room = s->w.cap - s->w.len;
  int n = vsnprintf(s->w.data + s->w.len, room, fmt, aq);
  va_end(aq);
  if (n < 0)
    return rt__syserror(errno ? errno : EINVAL,
                        "rt_printf: vsnprintf rejected the format \"%s\"",
                        fmt);
  *total += (size_t)n;
  if ((size_t)n < room || s->kind == KIND_NULL) {
    s->w.len += (size_t)n < room ? (size_t)n : 0;
    return 0;
  }
  /* Too big for the free space: room is made only once the output can
   * certainly be produced, so a failure leaves nothing half-written. */
  if (s->kind == KIND_MEM || (size_t)n < s->w.cap) {
    int rc = make_room(s, (size_t)n);
    if (rc < 0)
      return rc;
    vsnprintf(s->w.data + s->w.len, (size_t)n + 1, fmt, *ap);
    s->w.len += (size_t)n;
    return 0;
  }
  char *big = rt_alloc((size_t)n + 1);
  if (big == NULL)
    return rt__error_context("rt_printf: %d bytes of output", n);
  vsnprintf(big, (size_t)n + 1, fmt, *ap);
  int rc = put_slow(s, big, (size_t)n);
  rt_free(big);
  return rc;
}

/* The fast formatter writes through a cursor D into W's free space up to
 * LIM (the spare byte stays free), kept in registers; W.len and the byte
 * count are brought up to date (sync) before anything else touches W,
 * and the cursor reloaded after. */
struct cursor {
  char *d, *seg, *lim;
};

static inline void cursor_load(rt_stream *s, struct cursor *c)
{
  c->d = c->seg = s->w.data + s->w.len;
  c->lim = s->w.data + s->w.cap - 1;
}

static inline void cursor_sync(rt_stream *s, struct cursor *c, size_t *total)
{
  *total += (size_t)(c->d - c->seg);
  s->w.len = (size_t)(c->d - s->w.data);
  c->seg = c->d;
}

/* cursor_room: make N bytes of room at the cursor.  Inlined so that the
 * cursor stays in registers. */
static inline RT_ALWAYS_INLINE int cursor_room(rt_stream *s, struct cursor *c, size_t n,
                       size_t *total)
{
  cursor_sync(s, c, total);
  int rc = make_room(s, n);
  cursor_load(s, c);
  return rc;
}

/* put_text: %s, %c or %% through put(), which handles any length. */
static int put_text(rt_stream *s, char conv, va_list *ap, size_t *total)
{
  char ch = '%';
  const char *str = &ch;
  size_t n = 1;
  if (conv == 'c') {
    ch = (char)va_arg(*ap, int);
  } else if (conv == 's') {
    str = va_arg(*ap, const char *);
    str = str ? str : "(null)";
    n = strlen(str);
  }
  *total += n;
  return put(s, str, n);
}

/* format: the whole of F onto S.  Literal text and the fast conversions
 * are written at the cursor; the first other conversion hands the rest of
 * the format to fallback(). */
static inline RT_ALWAYS_INLINE int format(rt_stream *s, const char *f,
                                          va_list *ap, size_t *total)
{
  struct cursor c;
  int rc = s->w.data ? 0 : make_room(s, 0);
  if (rc < 0)
    return rc;
  cursor_load(s, &c);
  for (;; f++) {
    /* Literal text.  Bytes above '%' (letters, digits, most punctuation)
     * can be neither '%' nor the end: one comparison decides them. */
    unsigned char ch = (unsigned char)*f;
    if (RT_LIKELY(ch > '%') || (ch != '%' && ch != '\0')) {
      if (RT_UNLIKELY(c.d == c.lim) && (rc = cursor_room(s, &c, 1, total)))
        return rc;
      *c.d++ = (char)ch;
      continue;
    }
    if (ch == '\0')
      break;
    struct int_conv ic;
    int len = int_conversion(f + 1, ap, &ic);
    if (len > 0) {
      if (RT_UNLIKELY(c.lim - c.d < INT_MAX_CHARS) &&
          (rc = cursor_room(s, &c, INT_MAX_CHARS, total)))
        return rc;
      c.d = put_int(c.d, ic);
      f += len;
      continue;
    }
    cursor_sync(s, &c, total);
    char conv = f[1];
    if (conv != 's' && conv != 'c' && conv != '%')
      return fallback(s, f, ap, total);
    if ((rc = put_text(s, conv, ap, total)) < 0)
      return rc;
    cursor_load(s, &c);
    f++;
  }
  cursor_sync(s, &c, total);
  return 0;
}

/* vprintf_impl: rt_printf's body; AP is used in place (rt_printf owns it,
 * so no va_copy and its store-forwarding stall on the hot path). */
static inline RT_ALWAYS_INLINE int vprintf_impl(rt_stream *s, const char *fmt,
                                                va_list *ap)
{
  int rc = begin_write(s);
  if (rc < 0)
    return rc;
  size_t total = 0;
  rc = format(s, fmt, ap, &total);
  if (rc == 0 && total > INT_MAX)
    rc = rt__error(RT_EOVERFLOW, "rt_printf: %zu bytes of output do not fit "
                   "the int result", total);
  rc = end_write(s, rc, total);
  return rc < 0 ? rc : (int)total;
}

int rt_vprintf(rt_stream *s, const char *fmt, va_list ap)
{
  va_list aq;
  va_copy(aq, ap);
  int rc = vprintf_impl(s, fmt, &aq);
  va_end(aq);
  return rc;
}

int rt_printf(rt_stream *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = vprintf_impl(s, fmt, &ap);
  va_end(ap);
  return rc;
}

/* ---- flushing --------------------------------------------------------- */

static int sticky_error(const rt_stream *s)
{
  return atomic_load_explicit(&s->err, memory_order_relaxed);
}

static int report_sticky(const rt_stream *s, int err, const char *what)
{
  return rt__error(err, "%s %s: an earlier write failed (%s); output was "
                   "lost", what, s->name, rt_strerror(err));
}

int rt_flush(rt_stream *s)
{
  lock_write(s);
  int err = sticky_error(s);
  int rc = err ? err : drain(s);
  unlock_write(s);
  if (err)
    return report_sticky(s, err, "flush");
  return rc;
}

int rt_flush_all(void)
{
  int first = 0;
  registry_enter();
  for (rt_stream *s = registry; s; s = s->next) {
    int rc = rt_flush(s);
    if (rc < 0 && first == 0)
      first = rc;
  }
  registry_leave();
  return first;
}

/* At exit and fork another thread may hold a stream forever (it may be
 * blocked writing to a full pipe, or stopped in a locked section): wait a
 * bounded time for each lock rather than hang the process. */
#define BOUNDED_TRIES 50
#define BOUNDED_PAUSE_NS 1000000L

static bool bounded_lock(rt_iolock *l)
{
  for (int i = 0; i < BOUNDED_TRIES; i++) {
    if (iolock_trylock(l))
      return true;
    const struct timespec pause = {0, BOUNDED_PAUSE_NS};
    nanosleep(&pause, NULL);
  }
  return false;
}

/* flush_bounded: write out S if its lock can be had; FINAL also makes the
 * standard streams unbuffered, for output written after the last flush. */
static void flush_bounded(rt_stream *s, bool final)
{
  if (!bounded_lock(&s->wlock))
    return;
  if (sticky_error(s) == 0)
    drain(s);
  if (final && s->is_std && s->writable)
    s->bufmode = BUF_NONE;
  iolock_unlock(&s->wlock);
}

static bool registry_enter_bounded(void)
{
  pthread_once(&registry_once, registry_init_once);
  for (int i = 0; i < BOUNDED_TRIES; i++) {
    if (pthread_mutex_trylock(&registry_lock) == 0)
      return true;
    const struct timespec pause = {0, BOUNDED_PAUSE_NS};
    nanosleep(&pause, NULL);
  }
  return false;
}

static void flush_everything(bool final)
{
  if (!registry_enter_bounded()) {
    flush_bounded(&std_out, final);
    flush_bounded(&std_err, final);
    return;
  }
  for (rt_stream *s = registry; s; s = s->next)
    flush_bounded(s, final);
  registry_leave();
}

/* At exit (init.c's exit handler): write out every stream. */
void rt__io_exit(void) { flush_everything(false); }

/* Before fork every buffer is written out, so the child does not inherit
 * and later repeat the parent's pending output; what still slipped in is
 * dropped in the child (the parent writes it).  The registry stays locked
 * across fork so the child's copy of it is consistent. */
void rt__io_fork_prepare(void)
{
  flush_everything(false);
  registry_enter();
}

void rt__io_fork_parent(void) { registry_leave(); }

static atomic_int stdin_tty; /* 0 unknown, 1 a terminal, 2 not */

void rt__io_fork_child(void)
{
  for (rt_stream *s = registry; s; s = s->next) {
    bool mine = atomic_load_explicit(&s->wlock.owner, memory_order_relaxed) ==
                iolock_self();
    iolock_reset_foreign(&s->wlock);
    iolock_reset_foreign(&s->rlock);
    if (!mine && s->kind == KIND_FD)
      s->w.len = 0;
  }
  /* The child may redirect the standard descriptors before using them. */
  std_out.fdtype = std_err.fdtype = std_in.fdtype = FD_UNKNOWN;
  if (std_out.bufmode != BUF_NONE)
    std_out.bufmode = BUF_UNSET;
  atomic_store_explicit(&stdin_tty, 0, memory_order_relaxed);
  pthread_mutex_init(&registry_lock, NULL);
}

/* After all exit handlers (init.c's destructor): a last flush for what
 * they wrote, and from then on the standard streams write through. */
void rt__io_final_flush(void) { flush_everything(true); }

/* ---- opening and closing ---------------------------------------------- */

struct open_mode {
  int flags; /* open(2) flags */
  bool rd, wr;
};

static int parse_mode(const char *mode, struct open_mode *m, const char *who)
{
  if (mode == NULL)
    return rt__error(RT_EINVAL, "%s: MODE is NULL; use \"r\", \"w\", \"a\", "
                     "\"r+\", \"w+\" or \"a+\"", who);
  static const struct open_mode base[] = {
      {O_RDONLY, true, false},
      {O_WRONLY | O_CREAT | O_TRUNC, false, true},
      {O_WRONLY | O_CREAT | O_APPEND, false, true}};
  const char *first = strchr("rwa", mode[0]);
  if (mode[0] == '\0' || first == NULL)
    goto bad;
  *m = base[first - "rwa"];
  for (const char *p = mode + 1; *p; p++) {
    if (*p == '+') {
      m->flags = (m->flags & ~O_ACCMODE) | O_RDWR;
      m->rd = m->wr = true;
    } else if (*p == 'x' && mode[0] != 'r') {
      m->flags |= O_EXCL;
    } else if (*p != 'b' && *p != 'e') {
      goto bad;
    }
  }
  return 0;
bad:
  return rt__error(RT_EINVAL, "%s: mode \"%s\" is not valid; use \"r\", "
                   "\"w\", \"a\", \"r+\", \"w+\" or \"a+\"", who, mode);
}

static void stream_free(rt_stream *s)
{
  rt_free(s->w.data);
  rt_free(s->rbuf);
  rt_free(s->name_owned);
  rt_free(s);
}

/* stream_new: an unregistered stream of KIND named by the printf-style
 * NAME, with its buffers (a memory stream grows its own). */
static rt_stream *stream_new(enum kind kind, bool rd, bool wr,
                             const char *name, ...) RT_PRINTF(4, 5);

static rt_stream *stream_new(enum kind kind, bool rd, bool wr,
                             const char *name, ...)
{
  rt_stream *s = rt_calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->kind = (unsigned char)kind;
  s->fd = -1;
  s->readable = rd;
  s->writable = wr;
  s->bufmode = BUF_FULL;
  rt_buf_init(&s->w);
  va_list ap;
  va_start(ap, name);
  rt_buf label = RT_BUF_INIT;
  bool ok = rt_buf_vprintf(&label, name, ap) == 0;
  va_end(ap);
  s->name = s->name_owned = ok ? rt_buf_detach(&label) : NULL;
  if (s->name == NULL || (kind != KIND_MEM && wr && alloc_wbuf(s) < 0) ||
      (kind == KIND_FD && rd && !(s->rbuf = rt_alloc(RT_IO_BUFSIZE)))) {
    rt_buf_free(&label);
    stream_free(s);
    return NULL;
  }
  return s;
}

static int stream_register(rt_stream *s, rt_stream **out)
{
  registry_enter();
  registry_link(s);
  streams_opened++;
  registry_leave();
  *out = s;
  return 0;
}

static void attach_fd(rt_stream *s, int fd)
{
  s->fd = fd;
  s->owns_fd = true;
  s->fdtype = (unsigned char)classify_fd(fd);
  s->shared_rw = s->readable && s->writable && s->fdtype == FD_REGULAR;
}

int rt_stream_open(const char *path, const char *mode, rt_stream **out)
{
  struct open_mode m;
  if (path == NULL || out == NULL)
    return rt__error(RT_EINVAL, "rt_stream_open: PATH and OUT must not be "
                     "NULL");
  int rc = parse_mode(mode, &m, "rt_stream_open");
  if (rc < 0)
    return rc;
  rt_stream *s = stream_new(KIND_FD, m.rd, m.wr, "'%s'", path);
  if (s == NULL)
    return rt__error_context("rt_stream_open '%s'", path);
  int fd = open(path, m.flags | O_CLOEXEC, 0666);
  if (fd < 0) {
    int err = errno;
    stream_free(s);
    return rt__syserror(err, "open '%s' (mode \"%s\")", path, mode);
  }
  attach_fd(s, fd);
  return stream_register(s, out);
}

/* The descriptor's access mode must allow what MODE asks for. */
static int check_fd_access(int fd, const struct open_mode *m)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0)
    return rt__syserror(errno, "rt_stream_fdopen: fd %d is not open", fd);
  int acc = fl & O_ACCMODE;
  if ((m->rd && acc == O_WRONLY) || (m->wr && acc == O_RDONLY))
    return rt__error(RT_EINVAL, "rt_stream_fdopen: fd %d was opened %s; "
                     "pick a matching mode", fd,
                     acc == O_WRONLY ? "write-only" : "read-only");
  return 0;
}

int rt_stream_fdopen(int fd, const char *mode, rt_stream **out)
{
  struct open_mode m;
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_stream_fdopen: OUT is NULL");
  int rc = parse_mode(mode, &m, "rt_stream_fdopen");
  if (rc == 0)
    rc = check_fd_access(fd, &m);
  if (rc < 0)
    return rc;
  rt_stream *s = stream_new(KIND_FD, m.rd, m.wr, "fd %d", fd);
  if (s == NULL)
    return rt__error_context("rt_stream_fdopen fd %d", fd);
  attach_fd(s, fd);
  return stream_register(s, out);
}

int rt_stream_memory(rt_stream **out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_stream_memory: OUT is NULL");
  rt_stream *s = stream_new(KIND_MEM, true, true, "<memory>");
  if (s == NULL)
    return rt__error_context("rt_stream_memory");
  s->shared_rw = true;
  return stream_register(s, out);
}

int rt_stream_null(rt_stream **out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_stream_null: OUT is NULL");
  rt_stream *s = stream_new(KIND_NULL, true, true, "<null>");
  if (s == NULL)
    return rt__error_context("rt_stream_null");
  return stream_register(s, out);
}

const rt_buf *rt_stream_memory_buf(rt_stream *s)
{
  return s && s->kind == KIND_MEM ? &s->w : NULL;
}

int rt_stream_fd(const rt_stream *s) { return s ? s->fd : -1; }

static void fold_counters(struct rt_io_counters *to,
                          const struct rt_io_counters *from)
{
  count(&to->written, counter(&from->written));
  count(&to->out, counter(&from->out));
  count(&to->read, counter(&from->read));
  count(&to->flushes, counter(&from->flushes));
  count(&to->werrors, counter(&from->werrors));
  count(&to->rerrors, counter(&from->rerrors));
}

int rt_stream_close(rt_stream *s)
{
  if (s == NULL)
    return 0;
  if (s->is_std)
    return rt_flush(s);
  lock_write(s);
  lock_read(s);
  int err = sticky_error(s);
  int rc = err ? report_sticky(s, err, "close") : drain(s);
  unlock_read(s);
  unlock_write(s);
  registry_enter();
  registry_unlink(s);
  fold_counters(&closed_totals, &s->n);
  registry_leave();
  if (s->owns_fd && close(s->fd) != 0 && errno != EINTR && rc == 0)
    rc = rt__syserror(errno, "close %s (fd %d)", s->name, s->fd);
  stream_free(s);
  return rc;
}

/* ---- reading ---------------------------------------------------------- */

/* Reading the terminal flushes a pending prompt on the standard output. */
static void prompt_flush(void)
{
  int tty = atomic_load_explicit(&stdin_tty, memory_order_relaxed);
  if (tty == 0) {
    tty = isatty(0) ? 1 : 2;
    atomic_store_explicit(&stdin_tty, tty, memory_order_relaxed);
  }
  if (tty == 1)
    rt_flush(&std_out);
}

static int begin_read(rt_stream *s)
{
  if (!s->readable)
    return rt__error(RT_EBADF, "%s is not open for reading", s->name);
  if (s == &std_in)
    prompt_flush();
  lock_read(s);
  if (s->shared_rw && s->kind == KIND_FD && s->w.len > 0) {
    int rc = drain(s);
    if (rc < 0) {
      unlock_read(s);
      return rc;
    }
  }
  return 0;
}

static void end_read(rt_stream *s, size_t got)
{
  count(&s->n.read, got);
  unlock_read(s);
}

/* read_fd: one read(2) of up to N bytes into P, retrying after EINTR and
 * waiting out EAGAIN.  Returns the count (> 0), RT_EOF, or an error. */
static ssize_t read_fd(rt_stream *s, void *p, size_t n)
{
  for (;;) {
    ssize_t r = read(s->fd, p, n);
    if (r > 0) {
      atomic_store_explicit(&s->eof, false, memory_order_relaxed);
      return r;
    }
    if (r == 0) {
      atomic_store_explicit(&s->eof, true, memory_order_relaxed);
      return rt__error(RT_EOF, "%s: end of input", s->name);
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_ready(s->fd, POLLIN);
      continue;
    }
    atomic_store_explicit(&s->rerr, -errno, memory_order_relaxed);
    count(&s->n.rerrors, 1);
    return rt__syserror(errno, "read from %s (fd %d)", s->name, s->fd);
  }
}

/* available: the buffered unread bytes of S. */
static size_t available(const rt_stream *s, const char **p)
{
  *p = NULL;
  if (s->kind == KIND_MEM) {
    if (s->w.data == NULL)
      return 0;
    *p = s->w.data + s->mpos;
    return s->w.len - s->mpos;
  }
  if (s->rbuf == NULL)
    return 0;
  *p = s->rbuf + s->rpos;
  return s->rlen - s->rpos;
}

static void consume(rt_stream *s, size_t k)
{
  if (s->kind == KIND_MEM)
    s->mpos += k;
  else
    s->rpos += k;
}

static int mem_eof(rt_stream *s)
{
  atomic_store_explicit(&s->eof, true, memory_order_relaxed);
  return rt__error(RT_EOF, "%s: end of input", s->name);
}

/* refill: read more input into the (empty) read buffer. */
static int refill(rt_stream *s)
{
  if (s->kind != KIND_FD)
    return mem_eof(s);
  if (s->rbuf == NULL && (s->rbuf = rt_alloc(RT_IO_BUFSIZE)) == NULL)
    return rt__error_context("cannot allocate the read buffer of %s",
                             s->name);
  ssize_t r = read_fd(s, s->rbuf, RT_IO_BUFSIZE);
  if (r < 0)
    return (int)r;
  s->rpos = 0;
  s->rlen = (size_t)r;
  return 0;
}

/* read_some: what rt_read() does, with the lock held. */
static int read_some(rt_stream *s, char *p, size_t n, size_t *got)
{
  const char *src;
  size_t a = available(s, &src);
  if (a == 0 && s->kind == KIND_FD && n >= RT_IO_BUFSIZE) {
    ssize_t r = read_fd(s, p, n);
    if (r < 0)
      return (int)r;
    *got = (size_t)r;
    return 0;
  }
  if (a == 0) {
    int rc = refill(s);
    if (rc < 0)
      return rc;
    a = available(s, &src);
  }
  *got = a < n ? a : n;
  memcpy(p, src, *got);
  consume(s, *got);
  return 0;
}

int rt_read(rt_stream *s, void *p, size_t n, size_t *got)
{
  if (got == NULL)
    return rt__error(RT_EINVAL, "rt_read: GOT is NULL");
  *got = 0;
  if (n == 0)
    return 0;
  int rc = begin_read(s);
  if (rc < 0)
    return rc;
  rc = read_some(s, p, n, got);
  end_read(s, *got);
  return rc;
}

int rt_read_full(rt_stream *s, void *p, size_t n, size_t *got)
{
  if (got == NULL)
    return rt__error(RT_EINVAL, "rt_read_full: GOT is NULL");
  *got = 0;
  int rc = n == 0 ? 0 : begin_read(s);
  if (n == 0 || rc < 0)
    return rc;
  while (rc == 0 && *got < n) {
    size_t k = 0;
    rc = read_some(s, (char *)p + *got, n - *got, &k);
    *got += k;
  }
  end_read(s, *got);
  return rc;
}

/* until: append to OUT through the next DELIM, with the lock held. */
static int until(rt_stream *s, int delim, rt_buf *out)
{
  for (;;) {
    const char *src;
    size_t a = available(s, &src);
    if (a == 0) {
      int rc = refill(s);
      if (rc == RT_EOF && out->len > 0)
        return 0;
      if (rc < 0)
        return rc;
      a = available(s, &src);
    }
    const char *hit = memchr(src, delim, a);
    size_t k = hit ? (size_t)(hit - src) + 1 : a;
    if (rt_buf_append(out, src, k) < 0)
      return rt__error_context("reading a line from %s", s->name);
    consume(s, k);
    if (hit)
      return 0;
  }
}

int rt_read_until(rt_stream *s, int delim, rt_buf *out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_read_until: OUT is NULL");
  rt_buf_clear(out);
  int rc = begin_read(s);
  if (rc < 0)
    return rc;
  rc = until(s, (unsigned char)delim, out);
  end_read(s, out->len);
  return rc;
}

int rt_getline(rt_stream *s, rt_buf *line)
{
  return rt_read_until(s, '\n', line);
}

bool rt_stream_eof(const rt_stream *s)
{
  return atomic_load_explicit(&s->eof, memory_order_relaxed);
}

int rt_stream_error(const rt_stream *s)
{
  int err = sticky_error(s);
  return err ? err : atomic_load_explicit(&s->rerr, memory_order_relaxed);
}

/* ---- statistics ------------------------------------------------------- */

int rt_io_stats(struct rt_io_stats *out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_io_stats: OUT is NULL");
  struct rt_io_counters sum;
  memset(&sum, 0, sizeof sum);
  memset(out, 0, sizeof *out);
  registry_enter();
  fold_counters(&sum, &closed_totals);
  for (const rt_stream *s = registry; s; s = s->next) {
    fold_counters(&sum, &s->n);
    out->streams_open++;
  }
  out->streams_opened = streams_opened;
  registry_leave();
  out->bytes_written = counter(&sum.written);
  out->bytes_out = counter(&sum.out);
  out->bytes_read = counter(&sum.read);
  out->flushes = counter(&sum.flushes);
  out->write_errors = counter(&sum.werrors);
  out->read_errors = counter(&sum.rerrors);
  return 0;
}
