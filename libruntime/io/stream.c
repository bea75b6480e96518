/*
 * stream.c — the stream registry and the standard streams, the stream
 * locks, opening and closing streams, and the counters of rt_io_stats().
 *
 * Part of the IO layer's single translation unit (static.c): the write
 * path's helpers inline into every entry point across these files.
 */

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
  RT_LIST_PUSH_FRONT(registry, s, prev, next);
}

static void registry_unlink(rt_stream *s)
{
  RT_LIST_UNLINK(registry, s, prev, next);
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
