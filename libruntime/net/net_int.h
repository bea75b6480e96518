/*
 * net_int.h — private to the net part (addr.c, resolve.c, tcp.c): the
 * address list's layout and the helpers that build one.
 */
#ifndef RT_NET_INT_H
#define RT_NET_INT_H

#include "../internal.h"

#include <netdb.h>
#include <stdatomic.h>
#include <sys/socket.h>

struct rt_netaddr {
  socklen_t len;
  struct sockaddr_storage ss;
};

struct rt_addrlist {
  rt__refcount refs;
  size_t count;
  struct rt_netaddr addrs[];
};

/* A new list with room for COUNT addresses (none filled), one reference. */
RT_HIDDEN rt_addrlist *rt__addrlist_new(size_t count);

/* One more reference to L (which may be NULL); returns L. */
RT_HIDDEN rt_addrlist *rt__addrlist_ref(rt_addrlist *l);

/* Copy getaddrinfo's answer RES into *OUT: 0, or EAI_NODATA if nothing
 * usable (IPv4 and IPv6 only), EAI_MEMORY. */
RT_HIDDEN int rt__addrlist_from_addrinfo(const struct addrinfo *res,
                                         rt_addrlist **out);

#endif /* RT_NET_INT_H */
