/* test_net_tcp.c — TCP connections as rt_streams, on loopback only
 * (127.0.0.1, ::1, "localhost" from /etc/hosts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <runtime.h>

#define IO_TIMEOUT_MS 10000

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- an echo server on a thread ---------------------------------------- */

struct echo {
  rt_listener *listener;
  pthread_t thread;
  int status;   /* first failure of the server, 0 if none */
  size_t lines; /* lines echoed */
  size_t bytes; /* bytes echoed */
};

static int echo_lines(rt_stream *s, struct echo *e)
{
  rt_buf line = RT_BUF_INIT;
  int rc;
  while ((rc = rt_getline(s, &line)) == 0) {
    if ((rc = rt_write(s, line.data, line.len)) < 0 || (rc = rt_flush(s)) < 0)
      break;
    e->lines++;
    e->bytes += line.len;
  }
  rt_buf_free(&line);
  return rc == RT_EOF ? 0 : rc;
}

static void *echo_main(void *arg)
{
  struct echo *e = arg;
  rt_stream *s = NULL;
  e->status = rt_tcp_accept(e->listener, IO_TIMEOUT_MS, &s);
  if (e->status == 0)
    e->status = echo_lines(s, e);
  int rc = rt_stream_close(s);
  if (e->status == 0)
    e->status = rc;
  return NULL;
}

static void echo_start(struct echo *e, const char *host)
{
  memset(e, 0, sizeof *e);
  assert_int_equal(rt_tcp_listen(host, 0, 8, &e->listener), 0);
  assert_true(rt_tcp_listener_port(e->listener) > 0);
  assert_int_equal(pthread_create(&e->thread, NULL, echo_main, e), 0);
}

static void echo_stop(struct echo *e)
{
  pthread_join(e->thread, NULL);
  assert_int_equal(rt_tcp_listener_close(e->listener), 0);
  assert_int_equal(e->status, 0);
}

static void roundtrip(rt_stream *s, const char *text)
{
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_puts(s, text), 0);
  assert_int_equal(rt_flush(s), 0);
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, text);
  rt_buf_free(&line);
}

static void test_echo_over_localhost(void **state)
{
  (void)state;
  struct echo e;
  echo_start(&e, "127.0.0.1");
  rt_stream *s = NULL;
  assert_int_equal(rt_tcp_connect("localhost", rt_tcp_listener_port(
                                                   e.listener),
                                  IO_TIMEOUT_MS, &s),
                   0);
  assert_true(rt_stream_fd(s) >= 0);
  char text[64];
  for (int i = 0; i < 100; i++) {
    snprintf(text, sizeof text, "line %d through the one IO layer\n", i);
    roundtrip(s, text);
  }
  assert_int_equal(rt_printf(s, "%s=%d\n", "answer", 42), 10);
  assert_int_equal(rt_flush(s), 0);
  rt_buf line = RT_BUF_INIT;
  assert_int_equal(rt_getline(s, &line), 0);
  assert_string_equal(line.data, "answer=42\n");
  rt_buf_free(&line);
  assert_int_equal(rt_stream_close(s), 0);
  echo_stop(&e);
  assert_int_equal(e.lines, 101);
}

/* One line far larger than the stream and socket buffers. */
static void test_echo_large_line(void **state)
{
  (void)state;
  enum { SIZE = 1 << 20 };
  struct echo e;
  echo_start(&e, "127.0.0.1");
  rt_stream *s = NULL;
  assert_int_equal(rt_tcp_connect("127.0.0.1",
                                  rt_tcp_listener_port(e.listener),
                                  IO_TIMEOUT_MS, &s),
                   0);
  char *big = rt_alloc(SIZE);
  assert_non_null(big);
  for (size_t i = 0; i < SIZE - 1; i++)
    big[i] = (char)('a' + i % 26);
  big[SIZE - 1] = '\n';
  assert_int_equal(rt_write(s, big, SIZE), 0);
  assert_int_equal(rt_flush(s), 0);
  char *back = rt_alloc(SIZE);
  size_t got = 0;
  assert_int_equal(rt_read_full(s, back, SIZE, &got), 0);
  assert_int_equal(got, SIZE);
  assert_memory_equal(back, big, SIZE);
  rt_free(back);
  rt_free(big);
  assert_int_equal(rt_stream_close(s), 0);
  echo_stop(&e);
  assert_int_equal(e.bytes, SIZE);
}

static void test_echo_over_ipv6(void **state)
{
  (void)state;
  SKIP_UNLESS(ipv6_loopback_usable(), "::1 is not available");
  struct echo e;
  echo_start(&e, "::1");
  rt_stream *s = NULL;
  assert_int_equal(rt_tcp_connect("::1", rt_tcp_listener_port(e.listener),
                                  IO_TIMEOUT_MS, &s),
                   0);
  roundtrip(s, "over IPv6\n");
  assert_int_equal(rt_stream_close(s), 0);
  echo_stop(&e);
  assert_int_equal(e.lines, 1);
}

static void test_listen_on_wildcard(void **state)
{
  (void)state;
  struct echo e;
  echo_start(&e, NULL);
  rt_stream *s = NULL;
  assert_int_equal(rt_tcp_connect("127.0.0.1",
                                  rt_tcp_listener_port(e.listener),
                                  IO_TIMEOUT_MS, &s),
                   0);
  roundtrip(s, "any address\n");
  assert_int_equal(rt_stream_close(s), 0);
  echo_stop(&e);
}

/* ---- failures ----------------------------------------------------------- */

/* A port with a socket bound to it but not listening: connecting there is
 * refused, and no other program can start listening on it meanwhile. */
static int reserve_closed_port(int *port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  *port = ntohs(sa.sin_port);
  return fd;
}

static void test_connect_refused(void **state)
{
  (void)state;
  int port;
  int fd = reserve_closed_port(&port);
  rt_stream *s = (rt_stream *)&s;
  assert_int_equal(rt_tcp_connect("127.0.0.1", port, IO_TIMEOUT_MS, &s),
                   RT_ECONNREFUSED);
  assert_null(s);
  char want[64];
  snprintf(want, sizeof want, "connecting to 127.0.0.1:%d (127.0.0.1:%d)",
           port, port);
  assert_true(rt_str_has_prefix(rt_last_error(), want));
  assert_non_null(strstr(rt_last_error(), "is a server listening"));
  close(fd);
}

static void test_connect_timeout(void **state)
{
  (void)state;
  /* A listener that never accepts, with a backlog of 0: once its queue
   * is full the kernel drops further SYNs, so a connect gets no answer. */
  rt_listener *l = NULL;
  assert_int_equal(rt_tcp_listen("127.0.0.1", 0, 0, &l), 0);
  int port = rt_tcp_listener_port(l);
  rt_stream *held[16] = {0};
  int rc = 0, n = 0;
  double elapsed = 0;
  for (; n < 16; n++) {
    double t0 = now_ms();
    rc = rt_tcp_connect("127.0.0.1", port, 100, &held[n]);
    elapsed = now_ms() - t0;
    if (rc != 0)
      break;
  }
  assert_int_equal(rc, RT_ETIMEDOUT);
  assert_true(elapsed >= 95);
  assert_true(elapsed < 5000);
  assert_non_null(strstr(rt_last_error(), "no answer within 100 ms"));
  char want[48];
  snprintf(want, sizeof want, "connecting to 127.0.0.1:%d", port);
  assert_true(rt_str_has_prefix(rt_last_error(), want));
  /* Timeout 0 does not wait at all. */
  double t0 = now_ms();
  rt_stream *s = NULL;
  assert_int_equal(rt_tcp_connect("127.0.0.1", port, 0, &s), RT_ETIMEDOUT);
  assert_true(now_ms() - t0 < 90);
  for (int i = 0; i < n; i++)
    assert_int_equal(rt_stream_close(held[i]), 0);
  assert_int_equal(rt_tcp_listener_close(l), 0);
}

static void test_accept_timeout(void **state)
{
  (void)state;
  rt_listener *l = NULL;
  assert_int_equal(rt_tcp_listen("localhost", 0, 4, &l), 0);
  rt_stream *s = NULL;
  double t0 = now_ms();
  assert_int_equal(rt_tcp_accept(l, 50, &s), RT_ETIMEDOUT);
  assert_true(now_ms() - t0 >= 45);
  assert_null(s);
  assert_non_null(strstr(rt_last_error(), "no connection within 50 ms"));
  assert_int_equal(rt_tcp_accept(l, 0, &s), RT_ETIMEDOUT);
  /* A connection already queued is taken even with timeout 0. */
  rt_stream *c = NULL;
  assert_int_equal(
      rt_tcp_connect("127.0.0.1", rt_tcp_listener_port(l), IO_TIMEOUT_MS, &c),
      0);
  for (int i = 0; i < 100 && s == NULL; i++) {
    if (rt_tcp_accept(l, 0, &s) != 0)
      sleep_ms(10);
  }
  assert_non_null(s);
  assert_int_equal(rt_stream_close(c), 0);
  assert_int_equal(rt_stream_close(s), 0);
  assert_int_equal(rt_tcp_listener_close(l), 0);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  rt_stream *s = NULL;
  rt_listener *l = NULL;
  assert_int_equal(rt_tcp_connect(NULL, 80, 10, &s), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "HOST is NULL"));
  assert_int_equal(rt_tcp_connect("localhost", 80, 10, NULL), RT_EINVAL);
  assert_int_equal(rt_tcp_connect("localhost", 0, 10, &s), RT_EINVAL);
  assert_non_null(strstr(rt_last_error(), "port 0 is out of range"));
  assert_int_equal(rt_tcp_connect("localhost", 65536, 10, &s), RT_EINVAL);
  assert_int_equal(rt_tcp_connect("", 80, 10, &s), RT_EINVAL);
  assert_int_equal(rt_tcp_connect("nosuch.invalid", 80, 10, &s),
                   RT_ERESOLVE);
  assert_true(rt_str_has_prefix(rt_last_error(),
                                "connecting to nosuch.invalid:80: resolving "
                                "'nosuch.invalid' service '80': Name or "
                                "service not known"));
  assert_int_equal(rt_tcp_listen("127.0.0.1", -1, 1, &l), RT_EINVAL);
  assert_int_equal(rt_tcp_listen("127.0.0.1", 0, 1, NULL), RT_EINVAL);
  assert_int_equal(rt_tcp_listen("nosuch.invalid", 0, 1, &l), RT_ERESOLVE);
  assert_int_equal(rt_tcp_accept(NULL, 0, &s), RT_EINVAL);
  assert_null(s);
  assert_null(l);
  assert_int_equal(rt_tcp_listener_port(NULL), -1);
  assert_int_equal(rt_tcp_listener_fd(NULL), -1);
  assert_int_equal(rt_tcp_listener_close(NULL), 0);
}

static void test_port_in_use(void **state)
{
  (void)state;
  rt_listener *a = NULL, *b = NULL;
  assert_int_equal(rt_tcp_listen("127.0.0.1", 0, 4, &a), 0);
  assert_true(rt_tcp_listener_fd(a) >= 0);
  int port = rt_tcp_listener_port(a);
  assert_int_equal(rt_tcp_listen("127.0.0.1", port, 4, &b), RT_EADDRINUSE);
  assert_null(b);
  assert_non_null(strstr(rt_last_error(), "pick another or 0"));
  assert_int_equal(rt_tcp_listener_close(a), 0);
}

/* A listener on an ephemeral loopback port and a client connected to it
 * (not yet accepted). */
static void listen_and_connect(rt_listener **l, rt_stream **c)
{
  assert_int_equal(rt_tcp_listen("127.0.0.1", 0, 4, l), 0);
  assert_int_equal(rt_tcp_connect("127.0.0.1", rt_tcp_listener_port(*l),
                                  IO_TIMEOUT_MS, c),
                   0);
}

/* A write to a connection the peer has closed fails with an error that
 * is reported, not swallowed, and does not kill the process by SIGPIPE. */
static void test_write_to_closed_peer(void **state)
{
  (void)state;
  rt_listener *l = NULL;
  rt_stream *c = NULL, *srv = NULL;
  listen_and_connect(&l, &c);
  assert_int_equal(rt_tcp_accept(l, IO_TIMEOUT_MS, &srv), 0);
  assert_int_equal(rt_stream_close(srv), 0);
  int rc = 0;
  for (int i = 0; i < 100 && rc == 0; i++) {
    rc = rt_puts(c, "into the void\n");
    if (rc == 0)
      rc = rt_flush(c);
    if (rc == 0)
      sleep_ms(10);
  }
  assert_true(rc == RT_EPIPE || rc == RT_ECONNRESET);
  assert_int_equal(rt_stream_close(c), rc);
  assert_int_equal(rt_tcp_listener_close(l), 0);
}

/* Running out of memory while wrapping an accepted socket closes it: the
 * client sees end of input, and no descriptor leaks. */
static void test_accept_out_of_memory(void **state)
{
  (void)state;
  rt_listener *l = NULL;
  rt_stream *c = NULL, *srv = NULL;
  listen_and_connect(&l, &c);
  rt_heap_fail_after(0);
  int rc = rt_tcp_accept(l, IO_TIMEOUT_MS, &srv);
  rt_heap_fail_after(-1);
  assert_int_equal(rc, RT_ENOMEM);
  assert_null(srv);
  assert_non_null(strstr(rt_last_error(), "accepting on 127.0.0.1:"));
  char byte;
  size_t got = 1;
  assert_int_equal(rt_read(c, &byte, 1, &got), RT_EOF);
  assert_int_equal(got, 0);
  assert_int_equal(rt_stream_close(c), 0);
  rt_listener *l2 = NULL;
  rt_heap_fail_after(0);
  rc = rt_tcp_listen("127.0.0.1", 0, 4, &l2);
  rt_heap_fail_after(-1);
  assert_int_equal(rc, RT_ENOMEM);
  assert_null(l2);
  assert_int_equal(rt_tcp_listener_close(l), 0);
}

/* ---- many clients at once ----------------------------------------------- */

#define CLIENTS 8

static void *client_main(void *arg)
{
  int port = *(int *)arg;
  rt_stream *s = NULL;
  rt_buf line = RT_BUF_INIT;
  uintptr_t bad = rt_tcp_connect("localhost", port, IO_TIMEOUT_MS, &s) != 0;
  for (int i = 0; i < 20 && !bad; i++) {
    bad = rt_printf(s, "ping %d\n", i) < 0 || rt_flush(s) != 0 ||
          rt_getline(s, &line) != 0 || strncmp(line.data, "ping ", 5) != 0;
  }
  rt_buf_free(&line);
  if (rt_stream_close(s) != 0)
    bad = 1;
  return (void *)bad;
}

static void *server_main(void *arg)
{
  struct echo *e = arg;
  for (int i = 0; i < CLIENTS && e->status == 0; i++) {
    rt_stream *s = NULL;
    e->status = rt_tcp_accept(e->listener, IO_TIMEOUT_MS, &s);
    if (e->status == 0)
      e->status = echo_lines(s, e);
    int rc = rt_stream_close(s);
    if (e->status == 0)
      e->status = rc;
  }
  return NULL;
}

static void test_eight_clients(void **state)
{
  (void)state;
  struct echo e = {0};
  assert_int_equal(rt_tcp_listen("127.0.0.1", 0, CLIENTS, &e.listener), 0);
  int port = rt_tcp_listener_port(e.listener);
  assert_int_equal(pthread_create(&e.thread, NULL, server_main, &e), 0);
  pthread_t t[CLIENTS];
  for (int i = 0; i < CLIENTS; i++)
    assert_int_equal(pthread_create(&t[i], NULL, client_main, &port), 0);
  uintptr_t bad = 0;
  for (int i = 0; i < CLIENTS; i++) {
    void *r;
    pthread_join(t[i], &r);
    bad += (uintptr_t)r;
  }
  echo_stop(&e);
  assert_int_equal(bad, 0);
  assert_int_equal(e.lines, CLIENTS * 20);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_echo_over_localhost),
      cmocka_unit_test(test_echo_large_line),
      cmocka_unit_test(test_echo_over_ipv6),
      cmocka_unit_test(test_listen_on_wildcard),
      cmocka_unit_test(test_connect_refused),
      cmocka_unit_test(test_connect_timeout),
      cmocka_unit_test(test_accept_timeout),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_port_in_use),
      cmocka_unit_test(test_write_to_closed_peer),
      cmocka_unit_test(test_accept_out_of_memory),
      cmocka_unit_test(test_eight_clients),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
