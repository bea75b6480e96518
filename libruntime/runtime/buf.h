/*
 * runtime/buf.h — growable byte buffers and string helpers.
 *
 * An rt_buf owns DATA on the runtime heap.  DATA is always NUL-terminated
 * once anything has been appended, so it can be used as a C string when the
 * contents are text.  The struct is public (like GString); only LEN and DATA
 * are meant to be read directly.
 */
#ifndef RUNTIME_BUF_H
#define RUNTIME_BUF_H

#include <stdarg.h>
#include <runtime/defs.h>

RT_BEGIN_DECLS

typedef struct rt_buf {
  char *data; /* contents, NUL-terminated; NULL until first growth */
  size_t len; /* bytes used, not counting the terminating NUL */
  size_t cap; /* bytes allocated */
} rt_buf;

#define RT_BUF_INIT {NULL, 0, 0}

/* rt_buf_init: make B empty without allocating. */
RT_API void rt_buf_init(rt_buf *b);

/* rt_buf_free: release B's memory and make it empty again.  NULL ok. */
RT_API void rt_buf_free(rt_buf *b);

/* rt_buf_reserve: make room for EXTRA more bytes (plus the NUL).
 * RT_ENOMEM (B unchanged) or RT_EOVERFLOW if the size would overflow. */
RT_API RT_WARN_UNUSED int rt_buf_reserve(rt_buf *b, size_t extra);

/* Appending; each returns 0 or RT_ENOMEM, leaving B unchanged on failure. */
RT_API int rt_buf_append(rt_buf *b, const void *data, size_t n);
RT_API int rt_buf_append_str(rt_buf *b, const char *s);
RT_API int rt_buf_append_char(rt_buf *b, char c);
RT_API int rt_buf_printf(rt_buf *b, const char *fmt, ...) RT_PRINTF(2, 3);
RT_API int rt_buf_vprintf(rt_buf *b, const char *fmt, va_list ap)
    RT_PRINTF(2, 0);

/* rt_buf_clear: set LEN to 0, keeping the allocation. */
RT_API void rt_buf_clear(rt_buf *b);

/* rt_buf_truncate: shorten to LEN bytes (no-op if already shorter). */
RT_API void rt_buf_truncate(rt_buf *b, size_t len);

/* rt_buf_consume: drop the first N bytes (all if N >= LEN). */
RT_API void rt_buf_consume(rt_buf *b, size_t n);

/* rt_buf_cstr: the contents as a C string; "" for an empty buffer. */
RT_API const char *rt_buf_cstr(const rt_buf *b);

/* rt_buf_detach: hand the contents to the caller as a NUL-terminated string
 * on the runtime heap (free with rt_free) and leave B empty.  An empty
 * buffer yields a freshly allocated "".  NULL with RT_ENOMEM on failure, B
 * unchanged. */
RT_API char *rt_buf_detach(rt_buf *b);

/* rt_asprintf: format into a new string on the runtime heap stored in *OUT
 * (free with rt_free).  Returns the length, or RT_ENOMEM / RT_EINVAL. */
RT_API RT_WARN_UNUSED int rt_asprintf(char **out, const char *fmt, ...) RT_PRINTF(2, 3);

/* String predicates; NULL arguments give false. */
RT_API bool rt_str_has_prefix(const char *s, const char *prefix);
RT_API bool rt_str_has_suffix(const char *s, const char *suffix);

RT_END_DECLS

#endif /* RUNTIME_BUF_H */
