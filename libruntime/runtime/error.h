/*
 * runtime/error.h — status codes and per-thread error details.
 *
 * Every libruntime function that can fail returns an int: 0 on success, a
 * negative RT_E... code on failure.  Codes for system errors are -errno, so
 * RT_ENOENT == -ENOENT on every platform.  A failing call also leaves a
 * detail message for the calling thread (rt_last_error()) saying what
 * failed, on which input, and how to fix it.
 */
#ifndef RUNTIME_ERROR_H
#define RUNTIME_ERROR_H

#include <errno.h>
#include <runtime/defs.h>

RT_BEGIN_DECLS

/*
 * The one list of error codes: X(NAME, value, "message").  The enum,
 * rt_strerror() and rt_err_name() are all generated from it.  New codes are
 * appended; existing values never change (they are part of the ABI).
 *
 * Reserved: RT_ECLOSED and RT_EFAULT are in the ABI but no function of
 * libruntime.so.1 returns them.  A closed stream is freed, so there is no
 * state left to report it from; an injected allocation failure
 * (rt_heap_fail_after) reports RT_ENOMEM, exactly as a real one, so that
 * it exercises the callers' real out-of-memory paths.  Applications and
 * plugins may pass them to rt_set_error.
 */
#define RT_ERRNO_MAP(X)                                                       \
  X(EPERM, -EPERM, "operation not permitted")                                 \
  X(ENOENT, -ENOENT, "no such file or directory")                             \
  X(EINTR, -EINTR, "interrupted system call")                                 \
  X(EIO, -EIO, "input/output error")                                          \
  X(EBADF, -EBADF, "bad file descriptor")                                     \
  X(EAGAIN, -EAGAIN, "resource temporarily unavailable")                      \
  X(ENOMEM, -ENOMEM, "out of memory")                                         \
  X(EACCES, -EACCES, "permission denied")                                     \
  X(EBUSY, -EBUSY, "resource busy")                                           \
  X(EEXIST, -EEXIST, "file exists")                                           \
  X(ENOTDIR, -ENOTDIR, "not a directory")                                     \
  X(EISDIR, -EISDIR, "is a directory")                                        \
  X(EINVAL, -EINVAL, "invalid argument")                                      \
  X(EMFILE, -EMFILE, "too many open files")                                   \
  X(EFBIG, -EFBIG, "file too large")                                          \
  X(ENOSPC, -ENOSPC, "no space left on device")                               \
  X(EPIPE, -EPIPE, "broken pipe")                                             \
  X(ERANGE, -ERANGE, "result out of range")                                   \
  X(ENAMETOOLONG, -ENAMETOOLONG, "name too long")                             \
  X(ENOSYS, -ENOSYS, "function not implemented")                              \
  X(ELOOP, -ELOOP, "too many levels of symbolic links")                       \
  X(EOVERFLOW, -EOVERFLOW, "value too large for defined data type")           \
  X(ENOTSUP, -ENOTSUP, "operation not supported")                             \
  X(EAFNOSUPPORT, -EAFNOSUPPORT, "address family not supported")              \
  X(EADDRINUSE, -EADDRINUSE, "address already in use")                        \
  X(EADDRNOTAVAIL, -EADDRNOTAVAIL, "address not available")                   \
  X(ENETUNREACH, -ENETUNREACH, "network is unreachable")                      \
  X(ECONNRESET, -ECONNRESET, "connection reset by peer")                      \
  X(ENOTCONN, -ENOTCONN, "socket is not connected")                           \
  X(ETIMEDOUT, -ETIMEDOUT, "operation timed out")                             \
  X(ECONNREFUSED, -ECONNREFUSED, "connection refused")                        \
  X(EHOSTUNREACH, -EHOSTUNREACH, "host is unreachable")                       \
  X(EOF, -4001, "end of file")                                                \
  X(ESIG, -4002, "malformed call signature")                                  \
  X(ETYPE, -4003, "value does not match the expected type")                   \
  X(ENOTFOUND, -4004, "not found")                                            \
  X(ERESOLVE, -4005, "name resolution failed")                                \
  X(EELF, -4006, "not a loadable ELF shared object for this machine")         \
  X(EMANIFEST, -4007, "plugin manifest missing or malformed")                 \
  X(EABI, -4008, "plugin ABI not supported by this runtime")                  \
  X(EUNTRUSTED, -4009, "file or directory not trusted")                       \
  X(EDLOPEN, -4010, "dynamic loader refused the plugin")                      \
  X(EDESCRIPTOR, -4011, "plugin descriptor missing or does not match")        \
  X(EDUPRUNTIME, -4012, "plugin carries its own copy of libruntime")          \
  X(EINIT, -4013, "plugin initialisation failed")                             \
  X(ECLOSED, -4014, "stream is closed")                                       \
  X(EFAULT, -4015, "injected allocation failure")

/* Status codes: 0 is success, every error is negative. */
typedef enum rt_status {
  RT_OK = 0,
#define RT__ERR_ENUM(name, value, msg) RT_##name = (value),
  RT_ERRNO_MAP(RT__ERR_ENUM)
#undef RT__ERR_ENUM
} rt_status;

/*
 * rt_strerror: the generic message for CODE ("no such file or directory").
 * Never NULL; unknown codes give "unknown error".  The string is static.
 */
RT_API const char *rt_strerror(int code);

/*
 * rt_err_name: the code's name without the RT_ prefix ("ENOENT", "OK").
 * Never NULL; unknown codes give "UNKNOWN".  The string is static.
 */
RT_API const char *rt_err_name(int code);

/*
 * rt_last_error: the detail message left by the most recent failing
 * libruntime call in the calling thread, e.g. "open '/x/y': no such file or
 * directory; check the path".  Empty string if no call has failed yet.
 * Valid until the next libruntime call in the same thread; copy it to keep.
 */
RT_API const char *rt_last_error(void);

/* rt_last_error_code: the status of that failure (0 if none). */
RT_API int rt_last_error_code(void);

/* rt_clear_error: forget the calling thread's last error. */
RT_API void rt_clear_error(void);

/*
 * rt_set_error: record CODE with a printf-style detail message as the
 * calling thread's last error and return CODE, so a plugin or application
 * can report through the same channel: `return rt_set_error(RT_EINVAL,
 * "width %d out of range", w);`.
 */
RT_API int rt_set_error(int code, const char *fmt, ...) RT_PRINTF(2, 3);

RT_END_DECLS

#endif /* RUNTIME_ERROR_H */
