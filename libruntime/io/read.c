/*
 * read.c — the read path: the read buffer, rt_read, rt_read_full,
 * rt_read_until, rt_getline, end of file and errors.
 *
 * Part of the IO layer's single translation unit (static.c): the write
 * path's helpers inline into every entry point across these files.
 */

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
