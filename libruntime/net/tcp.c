/*
 * tcp.c — TCP connections and listeners handed out as rt_streams:
 * connect with a deadline over every resolved address, listen, accept.
 */
/* EAI_NODATA and EAI_ADDRFAMILY are GNU extensions of <netdb.h>. */
#define _GNU_SOURCE 1
#include "../internal.h"

#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "net_int.h"

/* ---- TCP --------------------------------------------------------------- */

struct rt_listener {
  int fd;
  int port;
  char addr[RT_ADDR_STRLEN]; /* the bound address, for messages */
};

/* DEADLINE in rt__now_ms() time for TIMEOUT_MS (negative: none). */
static uint64_t deadline_after(int timeout_ms)
{
  return timeout_ms < 0 ? UINT64_MAX : rt__now_ms() + (uint64_t)timeout_ms;
}

/* Milliseconds left until DEADLINE, as poll(2) takes them (-1: forever). */
static int remaining_ms(uint64_t deadline)
{
  if (deadline == UINT64_MAX)
    return -1;
  uint64_t now = rt__now_ms();
  if (now >= deadline)
    return 0;
  return deadline - now > INT_MAX ? INT_MAX : (int)(deadline - now);
}

/* Wait until FD is ready for EVENTS: 0, RT_ETIMEDOUT (no message set), or
 * -errno of poll(2). */
static int wait_fd(int fd, short events, uint64_t deadline)
{
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, remaining_ms(deadline));
    if (n > 0)
      return 0;
    if (n == 0)
      return RT_ETIMEDOUT;
    if (errno != EINTR)
      return -errno;
  }
}

/* "host:port", or "[host]:port" for an IPv6 literal. */
static void host_port(char *buf, size_t size, const char *host, int port)
{
  bool v6 = host != NULL && strchr(host, ':') != NULL;
  snprintf(buf, size, v6 ? "[%s]:%d" : "%s:%d", host ? host : "*", port);
}

static int check_port(const char *fn, int port, int lowest)
{
  if (port < lowest || port > 65535)
    return rt__error(RT_EINVAL, "%s: port %d is out of range (%d-65535)", fn,
                     port, lowest);
  return 0;
}

/* A connected socket becomes a blocking "r+" stream; FD is consumed. */
static int socket_stream(int fd, rt_stream **out, const char *what)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
    int err = errno;
    close(fd);
    return rt__syserror(err, "%s: cannot make the socket blocking", what);
  }
  /* The stream buffers; Nagle's algorithm would only delay each flush.
   * Failing to set it costs latency, not correctness. */
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = rt_stream_fdopen(fd, "r+", out);
  if (rc < 0) {
    close(fd);
    return rt__error_context("%s", what);
  }
  return 0;
}

static int finish_connect(int fd, uint64_t deadline)
{
  int rc = wait_fd(fd, POLLOUT, deadline);
  if (rc < 0)
    return rc;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    return -errno;
  return -err;
}

/* A non-blocking socket connected to SA by DEADLINE: the descriptor, or
 * -errno (RT_ETIMEDOUT when the deadline passed). */
static int connect_one(const struct sockaddr *sa, socklen_t len,
                       uint64_t deadline)
{
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_TCP);
  if (fd < 0)
    return -errno;
  int rc = 0;
  if (connect(fd, sa, len) < 0)
    rc = errno == EINPROGRESS || errno == EINTR ? finish_connect(fd, deadline)
                                                : -errno;
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

/* Try L's addresses in order until one connects or the time is up; *LAST
 * is the index of the last address tried. */
static int connect_any(const rt_addrlist *l, uint64_t deadline, size_t *last)
{
  int rc = RT_ETIMEDOUT;
  for (size_t i = 0; i < l->count; i++) {
    *last = i;
    rc = connect_one((const struct sockaddr *)&l->addrs[i].ss, l->addrs[i].len,
                     deadline);
    if (rc >= 0 || rc == RT_ETIMEDOUT)
      break;
  }
  return rc;
}

static int connect_error(int rc, const char *where, const rt_addrlist *l,
                         size_t last, int timeout_ms)
{
  char addr[RT_ADDR_STRLEN];
  socklen_t len;
  const struct sockaddr *sa = rt_addrlist_get(l, last, &len);
  if (rt_addr_format(sa, len, addr, sizeof addr) < 0)
    snprintf(addr, sizeof addr, "?");
  char tried[48] = "";
  if (l->count > 1)
    snprintf(tried, sizeof tried, ", the last of %zu addresses", l->count);
  if (rc == RT_ETIMEDOUT)
    return rt__error(rc, "connecting to %s (%s%s): no answer within %d ms; "
                     "raise the timeout or check that the server accepts "
                     "connections", where, addr, tried, timeout_ms);
  return rt__error(rc, "connecting to %s (%s%s): %s%s", where, addr, tried,
                   strerror(-rc),
                   rc == RT_ECONNREFUSED
                       ? "; is a server listening on that port?"
                       : "");
}

int rt_tcp_connect(const char *host, int port, int timeout_ms,
                   rt_stream **out)
{
  if (out == NULL || host == NULL)
    return rt__error(RT_EINVAL, "rt_tcp_connect: %s is NULL",
                     out == NULL ? "OUT" : "HOST");
  *out = NULL;
  int rc = check_port("rt_tcp_connect", port, 1);
  if (rc < 0)
    return rc;
  uint64_t deadline = deadline_after(timeout_ms);
  char where[RT_HOST_NAME_MAX + 16], service[8];
  host_port(where, sizeof where, host, port);
  snprintf(service, sizeof service, "%d", port);
  rt_addrlist *l = NULL;
  rc = rt_resolve(host, service, 0, &l);
  if (rc < 0)
    return rt__error_context("connecting to %s", where);
  size_t last = 0;
  int fd = connect_any(l, deadline, &last);
  if (fd < 0)
    rc = connect_error(fd, where, l, last, timeout_ms);
  rt_addrlist_free(l);
  if (fd < 0)
    return rc;
  char what[RT_HOST_NAME_MAX + 32];
  snprintf(what, sizeof what, "connecting to %s", where);
  return socket_stream(fd, out, what);
}

/* A listening socket bound to SA: the descriptor or -errno. */
static int listen_one(const struct sockaddr *sa, socklen_t len, int backlog)
{
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_TCP);
  if (fd < 0)
    return -errno;
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

static int listen_error(int rc, const char *where, const rt_addrlist *l,
                        size_t last)
{
  char addr[RT_ADDR_STRLEN];
  socklen_t len;
  const struct sockaddr *sa = rt_addrlist_get(l, last, &len);
  if (rt_addr_format(sa, len, addr, sizeof addr) < 0)
    snprintf(addr, sizeof addr, "?");
  const char *hint = rc == RT_EADDRINUSE
                         ? "; another socket holds that port, pick another "
                           "or 0 for a free one"
                     : rc == RT_EACCES ? "; ports below 1024 need privileges"
                                       : "";
  return rt__error(rc, "listening on %s (%s): %s%s", where, addr,
                   strerror(-rc), hint);
}

/* Fill L's port and address from its bound socket. */
static int listener_describe(rt_listener *l)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0)
    return rt__syserror(errno, "rt_tcp_listen: getsockname");
  const struct sockaddr *sa = (const struct sockaddr *)&ss;
  l->port = ntohs(sa->sa_family == AF_INET
                      ? ((const struct sockaddr_in *)sa)->sin_port
                      : ((const struct sockaddr_in6 *)sa)->sin6_port);
  return rt_addr_format(sa, len, l->addr, sizeof l->addr);
}

static int listener_new(int fd, rt_listener **out)
{
  rt_listener *l = rt_alloc(sizeof *l);
  if (l == NULL) {
    close(fd);
    return rt__error_context("rt_tcp_listen");
  }
  l->fd = fd;
  int rc = listener_describe(l);
  if (rc < 0) {
    close(fd);
    rt_free(l);
    return rc;
  }
  *out = l;
  return 0;
}

int rt_tcp_listen(const char *host, int port, int backlog, rt_listener **out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_tcp_listen: OUT is NULL");
  *out = NULL;
  int rc = check_port("rt_tcp_listen", port, 0);
  if (rc < 0)
    return rc;
  char where[RT_HOST_NAME_MAX + 16], service[8];
  host_port(where, sizeof where, host, port);
  snprintf(service, sizeof service, "%d", port);
  rt_addrlist *l = NULL;
  rc = rt_resolve(host, service, RT_RESOLVE_PASSIVE, &l);
  if (rc < 0)
    return rt__error_context("listening on %s", where);
  int fd = RT_EADDRNOTAVAIL;
  size_t i;
  for (i = 0; i < l->count && fd < 0; i++)
    fd = listen_one((const struct sockaddr *)&l->addrs[i].ss, l->addrs[i].len,
                    backlog < 0 ? SOMAXCONN : backlog);
  rc = fd < 0 ? listen_error(fd, where, l, i - 1) : listener_new(fd, out);
  rt_addrlist_free(l);
  return rc;
}

int rt_tcp_listener_port(const rt_listener *l) { return l ? l->port : -1; }

int rt_tcp_listener_fd(const rt_listener *l) { return l ? l->fd : -1; }

int rt_tcp_accept(rt_listener *l, int timeout_ms, rt_stream **out)
{
  if (out == NULL || l == NULL)
    return rt__error(RT_EINVAL, "rt_tcp_accept: %s is NULL",
                     out == NULL ? "OUT" : "L");
  *out = NULL;
  uint64_t deadline = deadline_after(timeout_ms);
  for (;;) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
      char what[RT_ADDR_STRLEN + 16];
      snprintf(what, sizeof what, "accepting on %s", l->addr);
      return socket_stream(fd, out, what);
    }
    if (errno == EINTR || errno == ECONNABORTED)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return rt__syserror(errno, "accepting on %s", l->addr);
    int rc = wait_fd(l->fd, POLLIN, deadline);
    if (rc == RT_ETIMEDOUT)
      return rt__error(rc, "accepting on %s: no connection within %d ms",
                       l->addr, timeout_ms);
    if (rc < 0)
      return rt__syserror(-rc, "accepting on %s: poll", l->addr);
  }
}

int rt_tcp_listener_close(rt_listener *l)
{
  if (l == NULL)
    return 0;
  int rc = close(l->fd) < 0 ? rt__syserror(errno, "closing the listener on %s",
                                           l->addr)
                            : 0;
  rt_free(l);
  return rc;
}
