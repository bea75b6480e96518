/*
 * runtime/net.h — name resolution with one process-wide cache, address
 * formatting.
 *
 * rt_resolve() is getaddrinfo() behind one cache that lives in
 * libruntime.so and so is shared by the host and every plugin: a lookup made
 * by a plugin fills the cache the host reads.  The cache is bounded (least
 * recently used entries are evicted), entries expire after a TTL, and
 * concurrent misses for the same name are merged into one getaddrinfo()
 * call.  getaddrinfo() does not report DNS TTLs, so the cache's TTL is a
 * policy set with rt_resolve_cache_configure(), not the record's TTL.
 *
 * rt_tcp_connect() and rt_tcp_accept() return ordinary rt_streams (see
 * runtime/io.h), so network IO goes through the one IO layer: buffered,
 * thread-safe, flushed at exit.  See rt_net(3).
 */
#ifndef RUNTIME_NET_H
#define RUNTIME_NET_H

#include <sys/socket.h>
#include <runtime/defs.h>
#include <runtime/io.h>

RT_BEGIN_DECLS

/* Flags for rt_resolve(); combine with |. */
enum {
  /* Only IPv4 (RT_RESOLVE_IPV4) or only IPv6 (RT_RESOLVE_IPV6) addresses;
   * neither or both means either family. */
  RT_RESOLVE_IPV4 = 1u << 0,
  RT_RESOLVE_IPV6 = 1u << 1,
  /* HOST must be a numeric address and SERVICE a port number: no lookup is
   * ever made (getaddrinfo's AI_NUMERICHOST | AI_NUMERICSERV). */
  RT_RESOLVE_NUMERIC = 1u << 2,
  /* Neither read nor fill the cache: always call getaddrinfo(). */
  RT_RESOLVE_NOCACHE = 1u << 3,
  /* Addresses to bind(), not connect() to (AI_PASSIVE): a NULL HOST then
   * means the wildcard address. */
  RT_RESOLVE_PASSIVE = 1u << 4,
};

/* Longest text rt_addr_format() writes, NUL included:
 * "[ffff:...:255.255.255.255%<interface>]:65535". */
#define RT_ADDR_STRLEN 80

/* Longest host name rt_resolve() accepts (RFC 1035), not counting one
 * trailing dot; each dot-separated label may have at most 63 bytes. */
#define RT_HOST_NAME_MAX 253

/* The result of a lookup: an immutable, ordered list of socket addresses
 * (stream sockets, in getaddrinfo()'s order of preference).  Opaque. */
typedef struct rt_addrlist rt_addrlist;

/*
 * rt_resolve: look up HOST (a name, or a numeric IPv4/IPv6 address) and
 * SERVICE (a port number or a name from /etc/services; NULL means port 0)
 * for TCP, answering from the process-wide cache when it can.  FLAGS is a
 * combination of RT_RESOLVE_* (0 for the defaults).  On success *OUT is a
 * list with at least one address; the caller owns it and releases it with
 * rt_addrlist_free().
 *
 * Errors (the detail message names HOST and, for lookup failures, carries
 * getaddrinfo's gai_strerror() text, e.g. "resolving 'nosuch.invalid': Name
 * or service not known"):
 *   RT_EINVAL     OUT NULL, HOST NULL (without RT_RESOLVE_PASSIVE) or empty,
 *                 longer than RT_HOST_NAME_MAX, a label longer than 63 bytes
 *                 or empty, spaces or control characters, unknown flags.
 *                 Checked before any lookup.
 *   RT_ERESOLVE   the name or service does not exist, has no address of the
 *                 family asked for, is not numeric under RT_RESOLVE_NUMERIC,
 *                 or the name server failed for good.  Names under the
 *                 reserved top-level domain "invalid" fail at once, without
 *                 a lookup (RFC 6761).
 *   RT_EAGAIN     temporary failure of the name server; try again later.
 *   RT_ENOMEM     out of memory.
 *   other -errno  a system error inside getaddrinfo().
 */
RT_API RT_WARN_UNUSED int rt_resolve(const char *host, const char *service, unsigned flags,
                      rt_addrlist **out) RT_WARN_UNUSED;

/* rt_addrlist_count: number of addresses in LIST (0 for NULL). */
RT_API size_t rt_addrlist_count(const rt_addrlist *list);

/*
 * rt_addrlist_get: the I-th address of LIST (0-based) as a socket address
 * ready for connect() or bind(); its size is stored in *LEN when LEN is not
 * NULL.  NULL if LIST is NULL or I is out of range.  The address belongs to
 * LIST and lives as long as it does.
 */
RT_API const struct sockaddr *rt_addrlist_get(const rt_addrlist *list,
                                              size_t i, socklen_t *len);

/* rt_addrlist_free: release LIST (which may be shared with the cache, so
 * this only drops the caller's reference).  NULL is ignored. */
RT_API void rt_addrlist_free(rt_addrlist *list);

/*
 * rt_addr_format: write SA (LEN bytes, an IPv4 or IPv6 socket address) as
 * "127.0.0.1:80" or "[::1]:80" (with "%scope" for scoped IPv6 addresses)
 * into BUF of SIZE bytes, NUL-terminated.  RT_ADDR_STRLEN bytes are always
 * enough.  Returns 0; RT_EINVAL if SA or BUF is NULL, LEN is too small for
 * the address, or the family is neither AF_INET nor AF_INET6 (BUF is then
 * ""); RT_ERANGE if SIZE is too small (BUF then holds as much as fits).
 */
RT_API int rt_addr_format(const struct sockaddr *sa, socklen_t len,
                          char *buf, size_t size);

/* Statistics and settings of the process-wide resolver cache. */
struct rt_net_stats {
  uint64_t hits;        /* lookups answered from the cache */
  uint64_t misses;      /* cacheable lookups that called getaddrinfo() */
  uint64_t coalesced;   /* lookups that waited for another thread's
                           getaddrinfo() of the same name instead of
                           calling it again */
  uint64_t uncached;    /* lookups made with RT_RESOLVE_NOCACHE */
  uint64_t evictions;   /* entries dropped to make room (least recently
                           used first) */
  uint64_t expirations; /* entries dropped because their TTL had passed */
  uint64_t failures;    /* getaddrinfo() calls that failed */
  size_t entries;       /* entries held now */
  size_t capacity;      /* most entries held at once */
  uint32_t ttl_ms;      /* lifetime of a successful lookup */
  uint32_t negative_ttl_ms; /* lifetime of a "no such name" answer */
  uint64_t reserved[8]; /* room to grow within the ABI; zero */
};

/* Defaults of the cache settings. */
#define RT_RESOLVE_CACHE_CAPACITY 256
#define RT_RESOLVE_CACHE_TTL_MS 60000u
#define RT_RESOLVE_CACHE_NEGATIVE_TTL_MS 2000u

/* rt_net_stats: fill OUT with the cache's counters (since the process
 * started) and settings.  RT_EINVAL if OUT is NULL. */
RT_API int rt_net_stats(struct rt_net_stats *out);

/*
 * rt_resolve_cache_configure: set the cache to hold at most CAPACITY
 * entries (0 switches caching off; lookups still merge concurrent misses),
 * keep successful answers for TTL_MS and "no such name" answers for
 * NEGATIVE_TTL_MS milliseconds (0: never cache them).  Shrinking evicts the
 * least recently used entries at once; new TTLs apply to entries already
 * held.  Returns 0, or RT_EINVAL if CAPACITY exceeds 1048576.
 */
RT_API int rt_resolve_cache_configure(size_t capacity, uint32_t ttl_ms,
                                      uint32_t negative_ttl_ms);

/* rt_resolve_cache_flush: drop every cached answer (lists already handed
 * out stay valid).  The counters are kept. */
RT_API void rt_resolve_cache_flush(void);

/* ---- TCP ---------------------------------------------------------------- */

/* A listening TCP socket; opaque.  Made by rt_tcp_listen(), released by
 * rt_tcp_listener_close(). */
typedef struct rt_listener rt_listener;

/*
 * rt_tcp_connect: connect to HOST (a name or numeric address, resolved with
 * rt_resolve() and so through the cache) at PORT (1-65535), trying each of
 * its addresses in turn, within TIMEOUT_MS milliseconds in all (negative:
 * no limit; 0: only a connection that completes at once; time spent
 * resolving counts, though getaddrinfo() itself cannot be cut short).
 * On success *OUT is a new stream opened "r+" over the connected socket
 * (TCP_NODELAY set: the stream does the buffering, so call rt_flush() when
 * a message is complete); the caller closes it with rt_stream_close().
 *
 * Errors (the message names HOST:PORT and the address tried):
 *   RT_EINVAL        HOST or OUT NULL, PORT out of range, or a bad name
 *                    (see rt_resolve());
 *   RT_ERESOLVE, RT_EAGAIN  the name did not resolve (see rt_resolve());
 *   RT_ETIMEDOUT     no address answered within TIMEOUT_MS;
 *   RT_ECONNREFUSED  nothing listens there;
 *   RT_ENETUNREACH, RT_EHOSTUNREACH, other -errno from socket()/connect();
 *   RT_ENOMEM.
 * When several addresses fail, the error of the last one is returned.
 */
RT_API RT_WARN_UNUSED int rt_tcp_connect(const char *host, int port, int timeout_ms,
                          rt_stream **out) RT_WARN_UNUSED;

/*
 * rt_tcp_listen: listen for TCP connections on HOST (a local name or
 * address; NULL for the wildcard address of either family) at PORT
 * (0-65535; 0 picks a free ephemeral port, see rt_tcp_listener_port()),
 * with a queue of BACKLOG pending connections (negative: the system's
 * maximum).  The first of HOST's addresses that can be bound is used;
 * SO_REUSEADDR is set.  On success *OUT is a new listener.
 * Errors: RT_EINVAL (OUT NULL, PORT out of range, bad name), the
 * rt_resolve() errors, RT_EADDRINUSE, RT_EADDRNOTAVAIL, RT_EACCES (a
 * privileged port), other -errno from socket()/bind()/listen(), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_tcp_listen(const char *host, int port, int backlog,
                         rt_listener **out) RT_WARN_UNUSED;

/* rt_tcp_listener_port: the port L is bound to (the one chosen by the
 * system when rt_tcp_listen() was given port 0); -1 if L is NULL. */
RT_API RT_WARN_UNUSED int rt_tcp_listener_port(const rt_listener *l);

/* rt_tcp_listener_fd: L's listening descriptor, for poll(2) or
 * epoll(7); it stays owned by L.  -1 if L is NULL. */
RT_API int rt_tcp_listener_fd(const rt_listener *l);

/*
 * rt_tcp_accept: wait up to TIMEOUT_MS milliseconds (negative: no limit;
 * 0: only a connection already queued) for a connection on L and return it
 * as a new stream opened "r+" in *OUT (TCP_NODELAY set; close with
 * rt_stream_close()).  Several threads may accept on one listener at once.
 * Errors: RT_EINVAL (L or OUT NULL), RT_ETIMEDOUT (nobody connected in
 * time), RT_EMFILE, other -errno from accept(), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_tcp_accept(rt_listener *l, int timeout_ms,
                         rt_stream **out) RT_WARN_UNUSED;

/* rt_tcp_listener_close: stop listening and free L.  No other thread may
 * be accepting on L.  Returns 0, or the error of close(2).  NULL gives 0. */
RT_API int rt_tcp_listener_close(rt_listener *l);

RT_END_DECLS

#endif /* RUNTIME_NET_H */
