/*
 * runtime/os.h — clocks, whole files, directories, environment.
 *
 * Include <runtime.h> rather than this header.  Everything allocated here
 * is on the runtime heap.
 */
#ifndef RUNTIME_OS_H
#define RUNTIME_OS_H

#include <runtime/defs.h>
#include <runtime/buf.h>

RT_BEGIN_DECLS

/* rt_clock_mono_ns: nanoseconds of CLOCK_MONOTONIC (never goes back; only
 * differences mean anything). */
RT_API uint64_t rt_clock_mono_ns(void);

/* rt_clock_wall_ns: nanoseconds since the Unix epoch (CLOCK_REALTIME; may
 * jump when the system clock is set). */
RT_API uint64_t rt_clock_wall_ns(void);

/*
 * rt_sleep_ns: sleep at least NS nanoseconds on the monotonic clock,
 * resuming after signals (to the original deadline).  Returns 0: it cannot
 * fail (an int for symmetry with the rest of the API).
 */
RT_API int rt_sleep_ns(uint64_t ns);

/*
 * rt_file_read_all: replace OUT's contents with the whole of the file at
 * PATH (regular files, pipes, /proc files alike; NUL-terminated as every
 * rt_buf).  On failure OUT is unchanged.  Errors: RT_EINVAL (NULL
 * argument), -errno from open/read (RT_ENOENT, RT_EACCES, RT_EISDIR, ...),
 * RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_file_read_all(const char *path, rt_buf *out);

/*
 * rt_file_replace: atomically give PATH the contents DATA[0..LEN) and the
 * permission bits MODE (applied exactly, e.g. 0644; the umask does not
 * apply).  Writes a temporary file `.NAME.XXXXXX` in the same directory,
 * fsyncs it, renames it over PATH and fsyncs the directory, so after a
 * crash at any point PATH has either its old or its new contents, never a
 * mix.  A crash can leave the temporary file behind; on an ordinary failure
 * it is removed.  Errors: RT_EINVAL (NULL argument, bad MODE), -errno of
 * the failing step (RT_ENOENT for a missing directory, RT_EACCES, RT_ENOSPC,
 * RT_EISDIR when PATH is a directory, ...), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_file_replace(const char *path, const void *data, size_t len,
                           unsigned mode);

/*
 * rt_dir_list: the names of the entries of directory PATH, except "." and
 * "..", sorted bytewise (strcmp).  *NAMES is an array of *COUNT strings
 * followed by a NULL, all on the runtime heap; free it with
 * rt_dir_list_free().  On failure *NAMES is NULL and *COUNT 0.
 * Errors: RT_EINVAL, RT_ENOENT, RT_ENOTDIR, RT_EACCES, RT_ENOMEM, ...
 */
RT_API RT_WARN_UNUSED int rt_dir_list(const char *path, char ***names, size_t *count);

/* rt_dir_list_free: free what rt_dir_list() returned.  NULL is ignored. */
RT_API void rt_dir_list_free(char **names, size_t count);

/*
 * rt_getenv: the value of environment variable NAME, or NULL if it is not
 * set (or NAME is NULL, empty or contains '=', leaving RT_EINVAL as the
 * last error).  Safe against concurrent rt_setenv(); the string stays valid
 * until NAME is changed through rt_setenv() (glibc keeps old values alive,
 * so in practice for the life of the process).  Do not modify it.
 */
RT_API const char *rt_getenv(const char *name);

/*
 * rt_setenv: set NAME to VALUE (overwriting), or remove NAME if VALUE is
 * NULL.  Serialised with rt_getenv().  Errors: RT_EINVAL (bad NAME),
 * RT_ENOMEM.
 */
RT_API int rt_setenv(const char *name, const char *value);

RT_END_DECLS

#endif /* RUNTIME_OS_H */
