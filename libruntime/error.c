/* error.c — status codes, messages, and the per-thread last error. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define RT_ERRMSG_MAX 1024

static _Thread_local struct {
  char msg[RT_ERRMSG_MAX];
} last;

/* The code apart from the message, in the static TLS block: rt_call reads
 * and clears it around every call (see call/call_int.h), where a
 * __tls_get_addr call would cost as much as the call itself. */
RT_HIDDEN extern _Thread_local int rt__last_code
    __attribute__((tls_model("initial-exec")));
_Thread_local int rt__last_code __attribute__((tls_model("initial-exec")));

/* Pull init.o into static links (see rt__init_linked in internal.h). */
__attribute__((used)) static const char *const init_anchor = &rt__init_linked;

const char *rt_strerror(int code)
{
  switch (code) {
  case RT_OK:
    return "success";
#define RT__ERR_MSG(name, value, msg)                                         \
  case RT_##name:                                                             \
    return msg;
    RT_ERRNO_MAP(RT__ERR_MSG)
#undef RT__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *rt_err_name(int code)
{
  switch (code) {
  case RT_OK:
    return "OK";
#define RT__ERR_NAME(name, value, msg)                                        \
  case RT_##name:                                                             \
    return #name;
    RT_ERRNO_MAP(RT__ERR_NAME)
#undef RT__ERR_NAME
  default:
    return "UNKNOWN";
  }
}

/* With no error code there is no error: a message left by
 * rt_set_error(0, ...) does not count. */
const char *rt_last_error(void) { return rt__last_code ? last.msg : ""; }

int rt_last_error_code(void) { return rt__last_code; }

void rt_clear_error(void)
{
  rt__last_code = 0;
  last.msg[0] = '\0';
}

RT_PRINTF(2, 0) static int set_errorv(int code, const char *fmt, va_list ap)
{
  rt__last_code = code;
  if (vsnprintf(last.msg, sizeof last.msg, fmt, ap) < 0)
    snprintf(last.msg, sizeof last.msg, "%s", rt_strerror(code));
  return code;
}

int rt_set_error(int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  set_errorv(code, fmt, ap);
  va_end(ap);
  return code;
}

/* The library's own name for rt_set_error: the same function, bound
 * inside the library without the PLT (an alias, not a copy). */
extern __typeof__(rt_set_error) rt__error __attribute__((alias("rt_set_error")));

int rt__syserror(int err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  set_errorv(-err, fmt, ap);
  va_end(ap);
  size_t n = strlen(last.msg);
  snprintf(last.msg + n, sizeof last.msg - n, ": %s", strerror(err));
  return -err;
}

int rt__error_context(const char *fmt, ...)
{
  char prefix[RT_ERRMSG_MAX / 2], old[RT_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, last.msg, sizeof old);
  size_t n = strlen(prefix);
  memcpy(last.msg, prefix, n);
  snprintf(last.msg + n, sizeof last.msg - n, ": %s", old);
  return rt__last_code;
}
