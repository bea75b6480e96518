/*
 * addr.c — address lists (reference-counted, immutable answers of a lookup)
 * and address formatting.
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

/* ---- address lists ---------------------------------------------------- */

rt_addrlist *rt__addrlist_new(size_t count)
{
  rt_addrlist *l = rt_calloc(1, sizeof *l + count * sizeof l->addrs[0]);
  if (l != NULL)
    rt__ref_init(&l->refs);
  return l;
}

rt_addrlist *rt__addrlist_ref(rt_addrlist *l)
{
  if (l != NULL)
    rt__ref_get(&l->refs);
  return l;
}

void rt_addrlist_free(rt_addrlist *list)
{
  if (list != NULL && rt__ref_put(&list->refs))
    rt_free(list);
}

size_t rt_addrlist_count(const rt_addrlist *list)
{
  return list ? list->count : 0;
}

const struct sockaddr *rt_addrlist_get(const rt_addrlist *list, size_t i,
                                       socklen_t *len)
{
  if (list == NULL || i >= list->count)
    return NULL;
  if (len != NULL)
    *len = list->addrs[i].len;
  return (const struct sockaddr *)&list->addrs[i].ss;
}

static bool usable(const struct addrinfo *ai)
{
  return (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
         ai->ai_addrlen <= sizeof(struct sockaddr_storage);
}

/* Copy getaddrinfo's answer; EAI_NODATA if nothing usable, EAI_MEMORY. */
int rt__addrlist_from_addrinfo(const struct addrinfo *res, rt_addrlist **out)
{
  size_t n = 0;
  for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
    n += usable(ai);
  if (n == 0)
    return EAI_NODATA;
  rt_addrlist *l = rt__addrlist_new(n);
  if (l == NULL)
    return EAI_MEMORY;
  for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    if (!usable(ai))
      continue;
    struct rt_netaddr *a = &l->addrs[l->count++];
    a->len = ai->ai_addrlen;
    memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
  }
  *out = l;
  return 0;
}

/* ---- address formatting ------------------------------------------------ */

static size_t sockaddr_min_len(int family)
{
  if (family == AF_INET)
    return sizeof(struct sockaddr_in);
  if (family == AF_INET6)
    return sizeof(struct sockaddr_in6);
  return 0;
}

int rt_addr_format(const struct sockaddr *sa, socklen_t len, char *buf,
                   size_t size)
{
  if (buf != NULL && size > 0)
    buf[0] = '\0';
  if (sa == NULL || buf == NULL || size == 0)
    return rt__error(RT_EINVAL, "rt_addr_format: %s",
                     sa == NULL    ? "SA is NULL"
                     : buf == NULL ? "BUF is NULL"
                                   : "SIZE is 0");
  size_t need = sockaddr_min_len(sa->sa_family);
  if (need == 0 || len < need)
    return rt__error(RT_EINVAL, "rt_addr_format: not an IPv4 or IPv6 socket "
                     "address (family %d, %u bytes)", sa->sa_family,
                     (unsigned)len);
  char host[NI_MAXHOST];
  int gai = getnameinfo(sa, len, host, sizeof host, NULL, 0, NI_NUMERICHOST);
  if (gai != 0)
    return rt__error(RT_EINVAL, "rt_addr_format: %s", gai_strerror(gai));
  unsigned port = sa->sa_family == AF_INET
                      ? ntohs(((const struct sockaddr_in *)sa)->sin_port)
                      : ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
  int n = snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
                   host, port);
  if (n < 0 || (size_t)n >= size)
    return rt__error(RT_ERANGE, "rt_addr_format: '%s' port %u needs %d bytes, "
                     "the buffer has %zu; use RT_ADDR_STRLEN", host, port,
                     n + 1, size);
  return 0;
}
