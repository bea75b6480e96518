/* test_io.c — streams: memory, null, files, formatting, reading, errors,
 * injected allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <runtime.h>

static const char *tmp_path(const char *name)
{
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  return path;
}

static rt_stream *memory(void)
{
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_memory(&s), 0);
  assert_non_null(s);
  return s;
}

static const char *contents(rt_stream *s)
{
  return rt_buf_cstr(rt_stream_memory_buf(s));
}

static void test_memory_write_and_read_back(void **state)
{
  (void)state;
  rt_stream *s = memory();
  assert_string_equal(contents(s), "");
  assert_int_equal(rt_write(s, "ab\0c", 4), 0);
  assert_int_equal(rt_puts(s, "de"), 0);
  assert_int_equal(rt_putc(s, 'f'), 0);
  assert_int_equal(rt_putc(s, 0x100 + '\n'), 0);
  const rt_buf *b = rt_stream_memory_buf(s);
  assert_int_equal(b->len, 8);
  assert_memory_equal(b->data, "ab\0cdef\n", 9);
  char got[8];
  size_t n = 0;
  assert_int_equal(rt_read(s, got, 3, &n), 0);
  assert_int_equal(n, 3);
  assert_memory_equal(got, "ab\0", 3);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "cdef\n");
  assert_false(rt_stream_eof(s));
  assert_int_equal(rt_getline(s, &line), RT_EOF);
  assert_int_equal(line.len, 0);
  assert_true(rt_stream_eof(s));
  assert_int_equal(rt_read(s, got, 1, &n), RT_EOF);
  assert_int_equal(n, 0);
  assert_int_equal(rt_puts(s, "more"), 0);
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "more");
  assert_int_equal(rt_stream_fd(s), -1);
  assert_int_equal(rt_stream_close(s), 0);
  rt_buf_free(&line);
}

/* Every fast conversion against the C library's own formatting. */
static void check_same(rt_stream *s, const char *expect, int rc)
{
  const rt_buf *b = rt_stream_memory_buf(s);
  assert_int_equal(rc, (int)strlen(expect));
  assert_string_equal(b->data + b->len - strlen(expect), expect);
}

#define SAME(s, ...)                                                          \
  do {                                                                        \
    char want[256];                                                           \
    snprintf(want, sizeof want, __VA_ARGS__);                                 \
    check_same(s, want, rt_printf(s, __VA_ARGS__));                           \
  } while (0)

static void test_printf_fast_conversions(void **state)
{
  (void)state;
  rt_stream *s = memory();
  static const long long vals[] = {0, 1, -1, 9, 10, 99, 100, 12345,
                                   -987654321, INT_MAX, INT_MIN,
                                   LLONG_MAX, LLONG_MIN};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    long long v = vals[i];
    SAME(s, "key=%d|%i\n", (int)v, (int)v);
    SAME(s, "%u %x", (unsigned)v, (unsigned)v);
    SAME(s, "%ld %lu %lx", (long)v, (unsigned long)v, (unsigned long)v);
    SAME(s, "%lld %llu %llx", v, (unsigned long long)v,
         (unsigned long long)v);
    SAME(s, "%zu %zd %zx", (size_t)v, (ssize_t)v, (size_t)v);
  }
  SAME(s, "%s|%c|%%|%s", "str", 'q', "");
  SAME(s, "100%%");
  const char *volatile null = NULL; /* opaque to -Wformat-overflow */
  check_same(s, "(null)", rt_printf(s, "%s", null));
  SAME(s, "no conversions at all");
  assert_int_equal(rt_printf(s, "%s", ""), 0);
  assert_int_equal(rt_stream_close(s), 0);
}

/* The decimal formatter works 8 digits at a time: every digit count and
 * each side of every power of ten, both signs, and a sweep of values of
 * every magnitude, against snprintf. */
static void test_printf_decimal_digits(void **state)
{
  (void)state;
  rt_stream *s = memory();
  unsigned long long p = 1;
  for (int k = 0; k <= 19; k++, p *= 10) {
    unsigned long long around[] = {p - 1, p, p + 1, 2 * p - 1, 9 * p,
                                   p * 10 - 1};
    for (size_t i = 0; i < sizeof around / sizeof around[0]; i++) {
      unsigned long long u = around[i];
      SAME(s, "%llu|%lld|%lld|", u, (long long)u, (long long)(0 - u));
      SAME(s, "<%u>%d,%d", (unsigned)u, (int)u, (int)(0u - (unsigned)u));
    }
  }
  SAME(s, "%llu %lld %d", ULLONG_MAX, LLONG_MIN, INT_MIN);
  unsigned long long x = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 20000; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    unsigned long long v = x >> (x % 64); /* every magnitude */
    SAME(s, "%llu %lld %d %u;", v, (long long)v, (int)v, (unsigned)(v >> 7));
  }
  assert_int_equal(rt_stream_close(s), 0);
}

static void test_printf_fallback(void **state)
{
  (void)state;
  rt_stream *s = memory();
  SAME(s, "%d and %5.2f then %s %d %-4d|%p", 42, 3.14159, "x", 7, 3,
       (void *)s);
  SAME(s, "%05d %+d %hd %lc %.3s", 42, 5, (short)-3, (int)'w', "abcdef");
  SAME(s, "%llx%zu%s%g", 255ull, (size_t)3, "-", 0.5);
  char big[100000];
  memset(big, 'b', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_int_equal(rt_printf(s, "<%10s>", big), (int)sizeof big + 1);
  const rt_buf *b = rt_stream_memory_buf(s);
  assert_int_equal(b->data[b->len - 1], '>');
  assert_int_equal(b->data[b->len - 2], 'b');
  assert_int_equal(rt_stream_close(s), 0);
}

static void test_null_sink(void **state)
{
  (void)state;
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_null(&s), 0);
  char big[5000];
  memset(big, 'z', sizeof big);
  for (int i = 0; i < 100; i++)
    assert_int_equal(rt_printf(s, "line %d %.*s %5.1f\n", i, 2000, big, 1.5),
                     (int)strlen("line  ") + (i < 10 ? 1 : 2) + 2000 + 7);
  assert_int_equal(rt_write(s, big, sizeof big), 0);
  assert_null(rt_stream_memory_buf(s));
  size_t n = 1;
  assert_int_equal(rt_read(s, big, 10, &n), RT_EOF);
  assert_int_equal(n, 0);
  assert_int_equal(rt_flush(s), 0);
  assert_int_equal(rt_stream_fd(s), -1);
  assert_int_equal(rt_stream_close(s), 0);
}

static void write_file(const char *path, const char *mode, const char *text)
{
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(path, mode, &s), 0);
  assert_true(rt_stream_fd(s) > 2);
  assert_true(fcntl(rt_stream_fd(s), F_GETFD) & FD_CLOEXEC);
  assert_int_equal(rt_puts(s, text), 0);
  assert_int_equal(rt_stream_close(s), 0);
}

static char *slurp(const char *path)
{
  rt_buf b = RT_BUF_INIT;
  assert_int_equal(rt_file_read_all(path, &b), 0);
  return rt_buf_detach(&b);
}

static void test_file_modes(void **state)
{
  (void)state;
  const char *p = tmp_path("modes");
  write_file(p, "w", "one\n");
  write_file(p, "a", "two\n");
  char *t = slurp(p);
  assert_string_equal(t, "one\ntwo\n");
  rt_free(t);
  write_file(p, "wb", "new\n");
  t = slurp(p);
  assert_string_equal(t, "new\n");
  rt_free(t);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(p, "wx", &s), RT_EEXIST);
  assert_null(s);
  assert_true(strstr(rt_last_error(), "modes") != NULL);
}

/* r+ on a file: reading and writing share the file position. */
static void test_file_read_write(void **state)
{
  (void)state;
  const char *p = tmp_path("rw");
  write_file(p, "w", "line1\nline2\nline3\n");
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(p, "r+", &s), 0);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "line1\n");
  assert_int_equal(rt_puts(s, "LINE2"), 0);
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "\n");
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "line3\n");
  assert_int_equal(rt_getline(s, &line), RT_EOF);
  assert_int_equal(rt_stream_close(s), 0);
  char *t = slurp(p);
  assert_string_equal(t, "line1\nLINE2\nline3\n");
  rt_free(t);
  assert_int_equal(rt_stream_open(p, "w+", &s), 0);
  assert_int_equal(rt_printf(s, "%d\n", 5), 2);
  assert_int_equal(rt_getline(s, &line), RT_EOF);
  assert_int_equal(rt_stream_close(s), 0);
  t = slurp(p);
  assert_string_equal(t, "5\n");
  rt_free(t);
  rt_buf_free(&line);
}

/* Lines and writes longer than the stream buffer, read back whole. */
static void test_long_lines(void **state)
{
  (void)state;
  const char *p = tmp_path("long");
  size_t len = 3 * RT_IO_BUFSIZE + 123;
  char *big = rt_alloc(len + 1);
  assert_non_null(big);
  for (size_t i = 0; i < len; i++)
    big[i] = (char)('a' + i % 26);
  big[len] = '\0';
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(p, "w", &s), 0);
  assert_int_equal(rt_puts(s, "short\n"), 0);
  assert_int_equal(rt_printf(s, "%s\n", big), (int)len + 1);
  assert_int_equal(rt_write(s, big, len), 0);
  assert_int_equal(rt_printf(s, "\n%s|%d\n", big, 7), (int)len + 4);
  assert_int_equal(rt_stream_close(s), 0);

  assert_int_equal(rt_stream_open(p, "r", &s), 0);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "short\n");
  for (int i = 0; i < 2; i++) {
    assert_int_equal(rt_getline(s, &line), 0);
    assert_int_equal(line.len, len + 1);
    assert_memory_equal(line.data, big, len);
  }
  assert_int_equal(rt_read_until(s, '|', &line), 0);
  assert_int_equal(line.len, len + 1);
  char tail[8];
  size_t got = 0;
  assert_int_equal(rt_read_full(s, tail, sizeof tail, &got), RT_EOF);
  assert_int_equal(got, 2);
  assert_memory_equal(tail, "7\n", 2);
  assert_true(rt_stream_eof(s));
  assert_int_equal(rt_stream_close(s), 0);
  rt_buf_free(&line);
  rt_free(big);
}

/* Literal text longer than the buffer, with fast conversions between, as
 * the format itself (built at run time, hence the pragma). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
static void test_long_literal_format(void **state)
{
  (void)state;
  size_t len = RT_IO_BUFSIZE + 100;
  char *fmt = rt_alloc(2 * len + 16), *want = rt_alloc(2 * len + 64);
  memset(fmt, 'L', len);
  memcpy(fmt + len, "%d%s", 5);
  memset(fmt + len + 4, 'M', len);
  strcpy(fmt + 2 * len + 4, "%lu|\n");
  int n = snprintf(want, 2 * len + 64, fmt, -12, "str", 99ul);
  const char *p = tmp_path("literal");
  rt_stream *s = NULL, *m = memory();
  assert_int_equal(rt_stream_open(p, "w", &s), 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(rt_printf(s, fmt, -12, "str", 99ul), n);
    assert_int_equal(rt_printf(m, fmt, -12, "str", 99ul), n);
  }
  assert_int_equal(rt_stream_close(s), 0);
  char *t = slurp(p);
  assert_int_equal(strlen(t), 2 * (size_t)n);
  assert_memory_equal(t, want, (size_t)n);
  assert_memory_equal(t + n, want, (size_t)n);
  assert_memory_equal(contents(m) + n, want, (size_t)n);
  assert_int_equal(rt_stream_close(m), 0);
  rt_free(t);
  rt_free(fmt);
  rt_free(want);
}
#pragma GCC diagnostic pop

static void test_read_big_chunks(void **state)
{
  (void)state;
  const char *p = tmp_path("chunks");
  size_t len = 2 * RT_IO_BUFSIZE + 10;
  char *data = rt_calloc(1, len), *back = rt_alloc(len);
  for (size_t i = 0; i < len; i++)
    data[i] = (char)(i * 7);
  assert_int_equal(rt_file_replace(p, data, len, 0600), 0);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(p, "r", &s), 0);
  size_t got = 0;
  assert_int_equal(rt_read(s, back, 5, &got), 0);
  assert_int_equal(got, 5);
  assert_int_equal(rt_read_full(s, back + 5, len - 5, &got), 0);
  assert_int_equal(got, len - 5);
  assert_memory_equal(back, data, len);
  assert_int_equal(rt_read(s, back, 0, &got), 0);
  assert_int_equal(rt_read(s, back, len, &got), RT_EOF);
  assert_int_equal(rt_stream_close(s), 0);
  rt_free(data);
  rt_free(back);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  rt_stream *s = NULL;
  const char *bad[] = {"", "q", "rw", "r+z", "x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(rt_stream_open(tmp_path("m"), bad[i], &s), RT_EINVAL);
    assert_true(strstr(rt_last_error(), "mode") != NULL);
  }
  assert_int_equal(rt_stream_open(tmp_path("m"), NULL, &s), RT_EINVAL);
  assert_int_equal(rt_stream_open(NULL, "r", &s), RT_EINVAL);
  assert_int_equal(rt_stream_open("x", "r", NULL), RT_EINVAL);
  assert_int_equal(rt_stream_memory(NULL), RT_EINVAL);
  assert_int_equal(rt_stream_null(NULL), RT_EINVAL);
  assert_int_equal(rt_stream_fdopen(0, "r", NULL), RT_EINVAL);
  assert_int_equal(rt_stream_open(tmp_path("missing"), "r", &s), RT_ENOENT);
  assert_true(strstr(rt_last_error(), "missing") != NULL);
  assert_int_equal(rt_stream_open(tmpdir, "w", &s), RT_EISDIR);
  assert_int_equal(rt_stream_fdopen(-1, "r", &s), RT_EBADF);
  assert_int_equal(rt_stream_fdopen(1000, "w", &s), RT_EBADF);
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_int_equal(rt_stream_fdopen(fd, "w", &s), RT_EINVAL);
  assert_int_equal(rt_stream_fdopen(fd, "r+", &s), RT_EINVAL);
  assert_int_equal(fcntl(fd, F_GETFD) >= 0, 1); /* still the caller's */
  assert_int_equal(rt_stream_fdopen(fd, "r", &s), 0);
  assert_int_equal(rt_stream_fd(s), fd);
  assert_int_equal(rt_puts(s, "x"), RT_EBADF);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(fcntl(fd, F_GETFD), -1); /* closed with the stream */
  write_file(tmp_path("ro"), "w", "");
  assert_int_equal(rt_stream_open(tmp_path("ro"), "w", &s), 0);
  rt_buf line = RT_BUF_INIT;
  size_t got;
  char c;
  assert_int_equal(rt_getline(s, &line), RT_EBADF);
  assert_int_equal(rt_read(s, &c, 1, &got), RT_EBADF);
  assert_int_equal(rt_read(s, &c, 1, NULL), RT_EINVAL);
  assert_int_equal(rt_getline(s, NULL), RT_EINVAL);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(rt_stream_close(NULL), 0);
  assert_int_equal(rt_stream_fd(NULL), -1);
  assert_int_equal(rt_io_stats(NULL), RT_EINVAL);
}

static void test_standard_streams(void **state)
{
  (void)state;
  assert_ptr_equal(rt_stdout(), rt_stdout());
  assert_ptr_not_equal(rt_stdout(), rt_stderr());
  assert_int_equal(rt_stream_fd(rt_stdin()), 0);
  assert_int_equal(rt_stream_fd(rt_stdout()), 1);
  assert_int_equal(rt_stream_fd(rt_stderr()), 2);
  assert_int_equal(rt_puts(rt_stdin(), "x"), RT_EBADF);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(rt_stdout(), &line), RT_EBADF);
  assert_int_equal(rt_printf(rt_stdout(), "# written through rt_stdout %d\n",
                             1), 30);
  /* Closing a standard stream flushes it and leaves it usable. */
  assert_int_equal(rt_stream_close(rt_stdout()), 0);
  assert_int_equal(rt_puts(rt_stdout(), "# still usable\n"), 0);
  assert_int_equal(rt_flush(rt_stdout()), 0);
  assert_int_equal(rt_flush_all(), 0);
}

/* /dev/full: the error surfaces at write-out, is sticky, and close says
 * it again. */
static void test_dev_full(void **state)
{
  (void)state;
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open("/dev/full", "w", &s), 0);
  assert_int_equal(rt_puts(s, "buffered\n"), 0);
  assert_int_equal(rt_flush(s), RT_ENOSPC);
  assert_true(strstr(rt_last_error(), "/dev/full") != NULL);
  assert_int_equal(rt_stream_error(s), RT_ENOSPC);
  assert_int_equal(rt_puts(s, "again"), RT_ENOSPC);
  assert_int_equal(rt_printf(s, "%d", 1), RT_ENOSPC);
  assert_int_equal(rt_flush(s), RT_ENOSPC);
  assert_int_equal(rt_stream_close(s), RT_ENOSPC);

  assert_int_equal(rt_stream_open("/dev/full", "w", &s), 0);
  char big[RT_IO_BUFSIZE * 2] = {0};
  assert_int_equal(rt_write(s, big, sizeof big), RT_ENOSPC);
  assert_int_equal(rt_stream_close(s), RT_ENOSPC);

  assert_int_equal(rt_stream_open("/dev/full", "w", &s), 0);
  assert_int_equal(rt_puts(s, "only at close"), 0);
  assert_int_equal(rt_stream_close(s), RT_ENOSPC);
}

/* A descriptor closed under the stream: RT_EBADF, sticky. */
static void test_ebadf(void **state)
{
  (void)state;
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_fdopen(fd, "w", &s), 0);
  close(fd);
  assert_int_equal(rt_puts(s, "lost"), 0);
  assert_int_equal(rt_flush(s), RT_EBADF);
  assert_int_equal(rt_putc(s, 'x'), RT_EBADF);
  assert_int_equal(rt_stream_close(s), RT_EBADF);
}

static void test_lock_is_recursive(void **state)
{
  (void)state;
  rt_stream *s = memory();
  rt_stream_lock(s);
  rt_stream_lock(s);
  assert_int_equal(rt_puts(s, "a"), 0);
  rt_stream_unlock(s);
  assert_int_equal(rt_printf(s, "%d", 1), 1);
  rt_stream_unlock(s);
  assert_string_equal(contents(s), "a1");
  assert_int_equal(rt_stream_close(s), 0);
}

static void test_stats(void **state)
{
  (void)state;
  struct rt_io_stats a, b;
  assert_int_equal(rt_io_stats(&a), 0);
  assert_true(a.streams_open >= 3);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(tmp_path("stats"), "w+", &s), 0);
  assert_int_equal(rt_puts(s, "12345\n"), 0);
  assert_int_equal(rt_flush(s), 0);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_io_stats(&b), 0);
  assert_int_equal(b.streams_open, a.streams_open + 1);
  assert_int_equal(b.streams_opened, a.streams_opened + 1);
  assert_int_equal(b.bytes_written, a.bytes_written + 6);
  assert_int_equal(b.bytes_out, a.bytes_out + 6);
  assert_int_equal(b.flushes, a.flushes + 1);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(rt_stream_open(tmp_path("stats"), "r", &s), 0);
  assert_int_equal(rt_getline(s, &line), 0);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(rt_stream_open("/dev/full", "w", &s), 0);
  assert_int_equal(rt_write(s, "x", 1), 0);
  assert_int_equal(rt_stream_close(s), RT_ENOSPC);
  assert_int_equal(rt_io_stats(&b), 0);
  assert_int_equal(b.streams_open, a.streams_open);
  assert_int_equal(b.bytes_read, a.bytes_read + 6);
  assert_int_equal(b.write_errors, a.write_errors + 1);
  assert_int_equal(b.reserved[0], 0);
  rt_buf_free(&line);
}

/* Injected allocation failures: every step that allocates fails cleanly
 * (an error code, no partial object, no leak), then succeeds. */
static void test_alloc_failures_open(void **state)
{
  (void)state;
  const char *p = tmp_path("alloc");
  write_file(p, "w", "x\n");
  for (long k = 0;; k++) {
    rt_stream *s = NULL;
    rt_heap_fail_after(k);
    int rc = rt_stream_open(p, "r+", &s);
    rt_heap_fail_after(-1);
    if (rc == 0) {
      assert_true(k > 0);
      assert_int_equal(rt_stream_close(s), 0);
      break;
    }
    assert_int_equal(rc, RT_ENOMEM);
    assert_null(s);
  }
  rt_stream *s = NULL;
  rt_heap_fail_after(0);
  assert_int_equal(rt_stream_memory(&s), RT_ENOMEM);
  assert_int_equal(rt_stream_null(&s), RT_ENOMEM);
  int fd = dup(1);
  assert_int_equal(rt_stream_fdopen(fd, "w", &s), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_int_equal(close(fd), 0); /* still the caller's */
}

static void test_alloc_failures_memory_stream(void **state)
{
  (void)state;
  rt_stream *s = memory();
  assert_int_equal(rt_puts(s, "keep"), 0);
  char big[4097];
  memset(big, 'y', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  rt_heap_fail_after(0);
  assert_int_equal(rt_write(s, big, sizeof big - 1), RT_ENOMEM);
  assert_true(strstr(rt_last_error(), "memory stream") != NULL);
  assert_int_equal(rt_printf(s, "%d%.*s", 5, 4096, big), RT_ENOMEM);
  assert_int_equal(rt_printf(s, "%s%5.1f", big, 2.0), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_string_equal(contents(s), "keep");
  rt_buf line = RT_BUF_INIT;
  rt_heap_fail_after(0);
  assert_int_equal(rt_getline(s, &line), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_int_equal(rt_stream_close(s), 0);
  rt_buf_free(&line);
}

/* A huge fallback conversion on a descriptor stream needs a temporary
 * buffer; its failure leaves nothing half-written. */
static void test_alloc_failures_printf_fallback(void **state)
{
  (void)state;
  const char *p = tmp_path("fallback");
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(p, "w", &s), 0);
  assert_int_equal(rt_puts(s, "head|"), 0);
  rt_heap_fail_after(0);
  assert_int_equal(rt_printf(s, "%d%*d", 1, RT_IO_BUFSIZE * 2, 2), RT_ENOMEM);
  rt_heap_fail_after(-1);
  assert_int_equal(rt_printf(s, "%*d", RT_IO_BUFSIZE * 2, 3),
                   RT_IO_BUFSIZE * 2);
  assert_int_equal(rt_stream_close(s), 0);
  char *t = slurp(p);
  assert_int_equal(strlen(t), 5 + RT_IO_BUFSIZE * 2);
  assert_memory_equal(t, "head| ", 6);
  rt_free(t);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory_write_and_read_back),
      cmocka_unit_test(test_printf_fast_conversions),
      cmocka_unit_test(test_printf_decimal_digits),
      cmocka_unit_test(test_printf_fallback),
      cmocka_unit_test(test_null_sink),
      cmocka_unit_test(test_file_modes),
      cmocka_unit_test(test_file_read_write),
      cmocka_unit_test(test_long_lines),
      cmocka_unit_test(test_long_literal_format),
      cmocka_unit_test(test_read_big_chunks),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_standard_streams),
      cmocka_unit_test(test_dev_full),
      cmocka_unit_test(test_ebadf),
      cmocka_unit_test(test_lock_is_recursive),
      cmocka_unit_test(test_stats),
      cmocka_unit_test(test_alloc_failures_open),
      cmocka_unit_test(test_alloc_failures_memory_stream),
      cmocka_unit_test(test_alloc_failures_printf_fallback),
  };
  return cmocka_run_group_tests(tests, tmpdir_make, tmpdir_remove);
}
