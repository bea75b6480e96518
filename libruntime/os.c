/* os.c — clocks, whole files, atomic replace, directories, environment. */
#define _GNU_SOURCE 1 /* mkostemp */
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000ull

static uint64_t clock_ns(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t rt_clock_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

uint64_t rt_clock_wall_ns(void) { return clock_ns(CLOCK_REALTIME); }

int rt_sleep_ns(uint64_t ns)
{
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  /* Sleeping to an absolute deadline makes resuming after a signal exact;
   * a deadline beyond what time_t holds is clamped (centuries away). */
  uint64_t nsec = (uint64_t)until.tv_nsec + ns % NS_PER_S;
  uint64_t secs = (uint64_t)until.tv_sec + ns / NS_PER_S + nsec / NS_PER_S;
  time_t max = (time_t)((1ull << (sizeof(time_t) * 8 - 2)) - 1);
  until.tv_sec = secs > (uint64_t)max ? max : (time_t)secs;
  until.tv_nsec = (long)(nsec % NS_PER_S);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
         EINTR)
    continue;
  return 0;
}

/* ---- whole files ------------------------------------------------------ */

/* slurp: append everything readable from FD to B. */
static int slurp(int fd, rt_buf *b, const char *path)
{
  for (;;) {
    if (b->cap - b->len < 4096 + 1 && rt_buf_reserve(b, 65536) < 0)
      return rt__error_context("read '%s'", path);
    ssize_t r = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (r == 0)
      return 0;
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return rt__syserror(errno, "read '%s'", path);
    b->len += (size_t)r;
    b->data[b->len] = '\0';
  }
}

int rt_file_read_all(const char *path, rt_buf *out)
{
  if (path == NULL || out == NULL)
    return rt__error(RT_EINVAL, "rt_file_read_all: PATH and OUT must not be "
                     "NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return rt__syserror(errno, "open '%s' for reading", path);
  rt_buf b = RT_BUF_INIT;
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    rc = rt_buf_reserve(&b, (size_t)st.st_size + 4096);
  rc = rc < 0 ? rt__error_context("read '%s'", path) : slurp(fd, &b, path);
  close(fd);
  if (rc < 0) {
    rt_buf_free(&b);
    return rc;
  }
  if (b.data == NULL && rt_buf_reserve(&b, 0) < 0)
    return rt__error_context("read '%s'", path);
  rt_buf_free(out);
  *out = b;
  return 0;
}

/* ---- atomic replace --------------------------------------------------- */

static int write_fd_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -errno;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* fsync_dir: make a rename in DIR durable. */
static int fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return rt__syserror(errno, "open directory '%s' to sync it", dir);
  int rc = fsync(fd) == 0 ? 0 : rt__syserror(errno, "fsync '%s'", dir);
  close(fd);
  return rc;
}

/* fill_temp: give the new temporary file at TMP (open as FD) its mode and
 * contents, durably, and close it. */
static int fill_temp(int fd, const char *tmp, const void *data, size_t len,
                     unsigned mode)
{
  int err = fchmod(fd, mode) == 0 ? 0 : -errno;
  if (err == 0)
    err = write_fd_all(fd, data, len);
  if (err == 0 && fsync(fd) != 0)
    err = -errno;
  if (close(fd) != 0 && err == 0 && errno != EINTR)
    err = -errno;
  if (err < 0)
    return rt__syserror(-err, "write temporary file '%s'", tmp);
  return 0;
}

/* replace_via: the steps of rt_file_replace once the names are known. */
static int replace_via(const char *path, const char *dir, char *tmp,
                       const void *data, size_t len, unsigned mode)
{
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0)
    return rt__syserror(errno, "create a temporary file in '%s' to replace "
                        "'%s'", dir, path);
  int rc = fill_temp(fd, tmp, data, len, mode);
  if (rc == 0 && rename(tmp, path) != 0)
    rc = rt__syserror(errno, "rename '%s' to '%s'", tmp, path);
  if (rc < 0) {
    unlink(tmp);
    return rc;
  }
  return fsync_dir(dir);
}

int rt_file_replace(const char *path, const void *data, size_t len,
                    unsigned mode)
{
  if (path == NULL || *path == '\0' || (data == NULL && len > 0))
    return rt__error(RT_EINVAL, "rt_file_replace: PATH must be a file name "
                     "and DATA must not be NULL");
  if (mode & ~07777u)
    return rt__error(RT_EINVAL, "rt_file_replace '%s': mode %#o has bits "
                     "beyond 07777", path, mode);
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir = slash == path ? rt_strdup("/")
              : slash       ? rt_strndup(path, (size_t)(slash - path))
                            : rt_strdup(".");
  char *tmp = NULL;
  if (dir == NULL || rt_asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
    rt_free(dir);
    return rt__error_context("rt_file_replace '%s'", path);
  }
  int rc = replace_via(path, dir, tmp, data, len, mode);
  rt_free(tmp);
  rt_free(dir);
  return rc;
}

/* ---- directories ------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void rt_dir_list_free(char **names, size_t count)
{
  if (names == NULL)
    return;
  for (size_t i = 0; i < count; i++)
    rt_free(names[i]);
  rt_free(names);
}

/* add_name: append a copy of NAME to the NULL-terminated array *V of *N. */
static int add_name(char ***v, size_t *n, size_t *cap, const char *name)
{
  if (*n + 1 >= *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    char **nv = rt_realloc(*v, ncap * sizeof *nv);
    if (nv == NULL)
      return RT_ENOMEM;
    *v = nv;
    *cap = ncap;
  }
  if (((*v)[*n] = rt_strdup(name)) == NULL)
    return RT_ENOMEM;
  (*v)[++*n] = NULL;
  return 0;
}

static int read_entries(DIR *d, const char *path, char ***v, size_t *n)
{
  size_t cap = 16;
  if ((*v = rt_calloc(cap, sizeof **v)) == NULL)
    return rt__error_context("list directory '%s'", path);
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (e == NULL)
      return errno ? rt__syserror(errno, "read directory '%s'", path) : 0;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (add_name(v, n, &cap, e->d_name) < 0)
      return rt__error_context("list directory '%s'", path);
  }
}

int rt_dir_list(const char *path, char ***names, size_t *count)
{
  if (path == NULL || names == NULL || count == NULL)
    return rt__error(RT_EINVAL, "rt_dir_list: PATH, NAMES and COUNT must not "
                     "be NULL");
  *names = NULL;
  *count = 0;
  DIR *d = opendir(path);
  if (d == NULL)
    return rt__syserror(errno, "open directory '%s'", path);
  char **v = NULL;
  size_t n = 0;
  int rc = read_entries(d, path, &v, &n);
  closedir(d);
  if (rc < 0) {
    rt_dir_list_free(v, n);
    return rc;
  }
  qsort(v, n, sizeof *v, cmp_names);
  *names = v;
  *count = n;
  return 0;
}

/* ---- environment ------------------------------------------------------ */

/* getenv() and setenv() race in the C library; every libruntime access to
 * the environment goes through this lock. */
static pthread_rwlock_t env_lock = PTHREAD_RWLOCK_INITIALIZER;

static bool env_name_ok(const char *name)
{
  return name && *name && strchr(name, '=') == NULL;
}

const char *rt_getenv(const char *name)
{
  if (!env_name_ok(name)) {
    rt__error(RT_EINVAL, "rt_getenv: the name '%s' is not a variable name",
              name ? name : "(null)");
    return NULL;
  }
  pthread_rwlock_rdlock(&env_lock);
  const char *v = getenv(name);
  pthread_rwlock_unlock(&env_lock);
  return v;
}

int rt_setenv(const char *name, const char *value)
{
  if (!env_name_ok(name))
    return rt__error(RT_EINVAL, "rt_setenv: the name '%s' is not a variable "
                     "name (empty, or contains '=')", name ? name : "(null)");
  pthread_rwlock_wrlock(&env_lock);
  int rc = value ? setenv(name, value, 1) : unsetenv(name);
  int err = errno;
  pthread_rwlock_unlock(&env_lock);
  if (rc != 0)
    return rt__syserror(err, "set environment variable '%s'", name);
  return 0;
}
