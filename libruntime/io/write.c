/*
 * write.c — the write path: writing to a descriptor (never killed by
 * SIGPIPE), the write buffer, begin and end of a write call, rt_write,
 * rt_puts, rt_putc, flushing, and the exit and fork hooks.
 *
 * Part of the IO layer's single translation unit (static.c): the write
 * path's helpers inline into every entry point across these files.
 */

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

/* Take a pending SIGPIPE (in SET) off this thread, if there is one. */
static void consume_sigpipe(const sigset_t *set)
{
  sigset_t pending;
  if (sigpending(&pending) != 0 || !sigismember(&pending, SIGPIPE))
    return;
  const struct timespec zero = {0, 0};
  while (sigtimedwait(set, NULL, &zero) < 0 && errno == EINTR)
    continue;
}

/* write(2) to a pipe, terminal or device with SIGPIPE blocked in this
 * thread; a SIGPIPE this write raised is consumed before unblocking.  The
 * kernel raises it not only when write() fails with EPIPE but also when
 * the reader leaves part way through a write larger than the pipe holds:
 * write() then returns the bytes it moved, with the signal pending.  So
 * any short or failed write looks for a pending SIGPIPE.  If the caller
 * had SIGPIPE blocked already, its policy is left alone. */
static ssize_t write_nosigpipe(int fd, const void *p, size_t n)
{
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t r = write(fd, p, n);
  int err = errno;
  if (!sigismember(&old, SIGPIPE)) {
    if (r < 0 ? err == EPIPE : (size_t)r < n)
      consume_sigpipe(&pipe_set);
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

/* The standard output's and error's buffers when the heap has none to
 * give (a tight `ulimit -v` can fail the heap's first mapping): the
 * program's output and its last words then go out through these, a few
 * hundred bytes at a time, instead of being refused or lost.  The
 * standard streams are never freed, so neither are these. */
static char std_reserve[2][512];

static int alloc_wbuf(rt_stream *s)
{
  size_t size = s->kind == KIND_NULL ? NULL_BUFSIZE : RT_IO_BUFSIZE;
  s->w.data = rt_alloc(size);
  if (s->w.data == NULL && s->is_std && s->writable) {
    s->w.data = std_reserve[s == &std_err];
    size = sizeof std_reserve[0];
  }
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
  RT_ASSERT(s->w.len + n < s->w.cap); /* one spare byte stays */
  memcpy(s->w.data + s->w.len, p, n);
  s->w.len += n;
  return 0;
}

/* put: the one way bytes enter a stream inside a write call. */
static inline int put(rt_stream *s, const void *p, size_t n)
{
  if (RT_LIKELY(has_room(s, n))) {
    RT_ASSERT(s->w.data != NULL && (s->op_drained || s->op_start <= s->w.len));
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
