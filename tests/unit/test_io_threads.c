/* test_io_threads.c — one stream, many threads: every line whole, every
 * locked group contiguous, flushes racing with writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <runtime.h>

#define THREADS 8
#define LINES 1000

struct worker {
  rt_stream *s;
  int id;
  int rc;
};

/* Lines of varied length (up to ~1.5 KiB) so that write-outs of the
 * buffer happen in the middle of other threads' lines. */
static void *write_lines(void *arg)
{
  struct worker *w = arg;
  char pad[1600];
  memset(pad, 'a' + w->id, sizeof pad);
  for (int i = 0; i < LINES && w->rc >= 0; i++) {
    int padlen = (i * 37 + w->id * 11) % 1000;
    if (i % 3 == 0)
      w->rc = rt_printf(w->s, "T%d L%d %.*s|%d\n", w->id, i, padlen, pad,
                        padlen);
    else if (i % 3 == 1)
      w->rc = rt_printf(w->s, "T%d L%d %.*s|%5d\n", w->id, i, padlen, pad,
                        padlen);
    else {
      /* A multi-call line under rt_stream_lock. */
      rt_stream_lock(w->s);
      w->rc = rt_printf(w->s, "T%d L%d ", w->id, i);
      if (w->rc >= 0)
        w->rc = rt_write(w->s, pad, (size_t)padlen);
      if (w->rc >= 0)
        w->rc = rt_printf(w->s, "|%d\n", padlen);
      rt_stream_unlock(w->s);
    }
    if (i % 200 == 0 && w->rc >= 0)
      w->rc = rt_flush_all();
  }
  return NULL;
}

static void run_writers(rt_stream *s)
{
  pthread_t t[THREADS];
  struct worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (struct worker){s, i, 0};
    assert_int_equal(pthread_create(&t[i], NULL, write_lines, &w[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) {
    assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(w[i].rc >= 0);
  }
}

/* check_line: LINE is one whole line of thread T, the next one expected. */
static void check_line(const char *line, int next[THREADS])
{
  int t, i, n, len;
  assert_int_equal(sscanf(line, "T%d L%d %n", &t, &i, &n), 2);
  assert_true(t >= 0 && t < THREADS);
  assert_int_equal(i, next[t]);
  next[t]++;
  const char *bar = strchr(line + n, '|');
  assert_non_null(bar);
  for (const char *p = line + n; p < bar; p++)
    assert_int_equal(*p, 'a' + t);
  assert_int_equal(sscanf(bar + 1, "%d", &len), 1);
  assert_int_equal(bar - (line + n), len);
  assert_int_equal(line[strlen(line) - 1], '\n');
}

static void check_all_lines(rt_stream *in)
{
  int next[THREADS] = {0};
  rt_buf line = RT_BUF_INIT;
  int rc;
  while ((rc = rt_getline(in, &line)) == 0)
    check_line(line.data, next);
  assert_int_equal(rc, RT_EOF);
  for (int t = 0; t < THREADS; t++)
    assert_int_equal(next[t], LINES);
  rt_buf_free(&line);
}

static void test_file_lines_whole(void **state)
{
  (void)state;
  char path[] = "/tmp/rt-test-io-threads-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_open(path, "w", &s), 0);
  run_writers(s);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(rt_stream_open(path, "r", &s), 0);
  check_all_lines(s);
  assert_int_equal(rt_stream_close(s), 0);
  unlink(path);
}

static void test_memory_lines_whole(void **state)
{
  (void)state;
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_memory(&s), 0);
  run_writers(s);
  check_all_lines(s);
  assert_int_equal(rt_stream_close(s), 0);
}

/* A socket: one thread reads while others write to the same stream. */
struct reader {
  rt_stream *s;
  int lines;
};

static void *read_lines(void *arg)
{
  struct reader *r = arg;
  rt_buf line = RT_BUF_INIT;
  while (rt_getline(r->s, &line) == 0)
    r->lines++;
  rt_buf_free(&line);
  return NULL;
}

static void *echo_peer(void *arg)
{
  int fd = *(int *)arg;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0)
    if (write(fd, buf, (size_t)n) != n)
      break;
  close(fd);
  return NULL;
}

static void test_socket_read_while_writing(void **state)
{
  (void)state;
  int sv[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  pthread_t peer, reader;
  assert_int_equal(pthread_create(&peer, NULL, echo_peer, &sv[1]), 0);
  rt_stream *s = NULL;
  assert_int_equal(rt_stream_fdopen(sv[0], "r+", &s), 0);
  struct reader r = {s, 0};
  assert_int_equal(pthread_create(&reader, NULL, read_lines, &r), 0);
  run_writers(s);
  assert_int_equal(rt_flush(s), 0);
  shutdown(sv[0], SHUT_WR);
  assert_int_equal(pthread_join(reader, NULL), 0);
  assert_int_equal(pthread_join(peer, NULL), 0);
  assert_int_equal(r.lines, THREADS * LINES);
  assert_int_equal(rt_stream_close(s), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_file_lines_whole),
      cmocka_unit_test(test_memory_lines_whole),
      cmocka_unit_test(test_socket_read_while_writing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
