/* error.c — status codes, messages, and the per-thread last error. */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define RT_ERRMSG_MAX 1024

/*
 * The thread's last message lives in a buffer of its own, mapped at the
 * thread's first error and unmapped at its exit, with only a pointer to
 * it in thread-local storage.  The library's TLS is static (initial-exec:
 * rt__last_code, the heap's and the call cache's words), and a library
 * loaded with dlopen() (a Python extension, a JNI library, a plugin of a
 * program that does not link libruntime) takes all of its TLS from a
 * surplus of about 1.6 KiB that glibc keeps for every such library of
 * the process: with the 1 KiB message there, dlopen() of libruntime.so
 * failed ("cannot allocate memory in static TLS block") once another
 * library held 600 bytes of it.  Mapped, not taken from the heap: the
 * heap's own failures are reported here, and fault injection counts
 * heap calls.  Without a buffer (no memory for it) the message is the
 * code's rt_strerror().
 */
static _Thread_local char *last_msg;
static pthread_key_t msg_key;
static pthread_once_t msg_once = PTHREAD_ONCE_INIT;
static bool msg_key_ok;
#define MSG_MAP 4096 /* one page; RT_ERRMSG_MAX of it is used */

_Static_assert(RT_ERRMSG_MAX <= MSG_MAP, "the message fits its mapping");

/* At thread exit (a destructor that runs later and sets an error maps a
 * new buffer and sets the key again, so it is released in the next
 * round). */
static void msg_release(void *m)
{
  last_msg = NULL;
  munmap(m, MSG_MAP);
}

static void msg_key_init(void)
{
  msg_key_ok = pthread_key_create(&msg_key, msg_release) == 0;
}

/* The thread's message buffer, mapped at its first use; NULL if that
 * fails.  errno is kept: it is often what the message reports. */
static char *msg_buf(void)
{
  char *m = last_msg;
  if (m)
    return m;
  int saved = errno;
  pthread_once(&msg_once, msg_key_init);
  if (msg_key_ok) {
    m = mmap(NULL, MSG_MAP, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
      m = NULL;
    else if (pthread_setspecific(msg_key, m) != 0) {
      munmap(m, MSG_MAP);
      m = NULL;
    }
  }
  last_msg = m;
  errno = saved;
  return m;
}

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
const char *rt_last_error(void)
{
  if (!rt__last_code)
    return "";
  return last_msg ? last_msg : rt_strerror(rt__last_code);
}

int rt_last_error_code(void) { return rt__last_code; }

void rt_clear_error(void)
{
  rt__last_code = 0;
  if (last_msg)
    last_msg[0] = '\0';
}

RT_PRINTF(2, 0) static int set_errorv(int code, const char *fmt, va_list ap)
{
  rt__last_code = code;
  char *m = msg_buf();
  if (m && vsnprintf(m, RT_ERRMSG_MAX, fmt, ap) < 0)
    snprintf(m, RT_ERRMSG_MAX, "%s", rt_strerror(code));
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
  if (last_msg) {
    size_t n = strlen(last_msg);
    snprintf(last_msg + n, RT_ERRMSG_MAX - n, ": %s", strerror(err));
  }
  return -err;
}

int rt__error_context(const char *fmt, ...)
{
  char prefix[RT_ERRMSG_MAX / 2], old[RT_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  snprintf(old, sizeof old, "%s", rt_last_error());
  char *m = msg_buf();
  if (m == NULL)
    return rt__last_code;
  size_t n = strlen(prefix);
  memcpy(m, prefix, n);
  snprintf(m + n, RT_ERRMSG_MAX - n, ": %s", old);
  return rt__last_code;
}
