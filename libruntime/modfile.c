/*
 * modfile.c — the loader's checks on a plugin file before anything is
 * loaded: existence, trust (ownership and write permissions, as sudo
 * checks its files), then the ELF and manifest reader.
 */
#include "module_int.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_error(const char *path, int err)
{
  struct stat lst;
  if (err == ENOENT && lstat(path, &lst) == 0)
    return rt__error(RT_ENOENT, "'%s' is a symbolic link to a file that "
                     "does not exist; fix or remove the link", path);
  if (err == ENOENT)
    return rt__error(RT_ENOENT, "no such file '%s'", path);
  if (err == ELOOP)
    return rt__error(RT_ELOOP, "'%s' is a symbolic link loop (too many "
                     "levels of links); fix or remove the link", path);
  return rt__syserror(err, "cannot open '%s'", path);
}

/* Open PATH and check it is a regular file.  Opening first and asking the
 * descriptor saves a stat and pins the file the later checks look at;
 * O_NONBLOCK keeps a FIFO named like a plugin from blocking the open. */
static int open_plugin(const char *path, struct stat *st, int *fd)
{
  *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (*fd < 0)
    return open_error(path, errno);
  int rc = 0;
  if (fstat(*fd, st) < 0)
    rc = rt__syserror(errno, "cannot stat '%s'", path);
  else if (S_ISDIR(st->st_mode))
    rc = rt__error(RT_EISDIR, "'%s' is a directory, not a plugin file; a "
                   "plugin named x is the shared object x.so", path);
  else if (!S_ISREG(st->st_mode))
    rc = rt__error(RT_EINVAL, "'%s' is not a regular file (a device, FIFO "
                   "or socket); a plugin is a shared object file", path);
  if (rc < 0) {
    close(*fd);
    *fd = -1;
  }
  return rc;
}

/* A file or the plugin's own directory: owned by root or the running user,
 * writable by nobody else. */
static int trust_node(const char *what, const char *node, const char *plugin,
                      const struct stat *st)
{
  uid_t me = geteuid();
  unsigned mode = st->st_mode & 07777;
  if (st->st_uid != 0 && st->st_uid != me)
    return rt__error(RT_EUNTRUSTED, "%s '%s' is owned by uid %u, not by root "
                     "or you (uid %u), so someone else could replace '%s'; "
                     "chown it", what, node, (unsigned)st->st_uid,
                     (unsigned)me, plugin);
  if (mode & S_IWOTH)
    return rt__error(RT_EUNTRUSTED, "%s '%s' is world-writable (mode %04o), "
                     "so anyone could replace the code of '%s'; chmod o-w "
                     "'%s'", what, node, mode, plugin, node);
  if (mode & S_IWGRP)
    return rt__error(RT_EUNTRUSTED, "%s '%s' is group-writable (mode %04o), "
                     "so the group could replace the code of '%s'; chmod g-w "
                     "'%s'", what, node, mode, plugin, node);
  return 0;
}

static int stat_dir(const char *dir, struct stat *st)
{
  if (stat(dir, st) < 0)
    return rt__syserror(errno, "cannot stat directory '%s'", dir);
  return 0;
}

/* Ancestors may be world-writable only with the sticky bit (as /tmp is):
 * otherwise anyone could rename the plugin's directory away. */
static int trust_ancestors(char *dir, const char *plugin)
{
  for (char *slash = strrchr(dir, '/'); slash; slash = strrchr(dir, '/')) {
    if (slash == dir)
      slash[1] = '\0';
    else
      *slash = '\0';
    struct stat st;
    int rc = stat_dir(dir, &st);
    if (rc < 0)
      return rc;
    if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
      return rt__error(RT_EUNTRUSTED, "directory '%s' above '%s' is "
                       "world-writable without the sticky bit (mode %04o), "
                       "so anyone could swap the plugin's directory; chmod "
                       "o-w or chmod +t '%s'", dir, plugin,
                       (unsigned)(st.st_mode & 07777), dir);
    if (slash == dir)
      break;
  }
  return 0;
}

/*
 * The last directory whose ancestors passed, with its identity: loading
 * many plugins from one directory walks its ancestors once.  The plugin's
 * own directory is still checked every time.
 */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen_dir[PATH_MAX];
static struct stat seen_st;

static bool seen_before(const char *dir, const struct stat *st)
{
  pthread_mutex_lock(&seen_lock);
  bool same = strcmp(seen_dir, dir) == 0 && seen_st.st_dev == st->st_dev &&
              seen_st.st_ino == st->st_ino && seen_st.st_mode == st->st_mode &&
              seen_st.st_uid == st->st_uid;
  pthread_mutex_unlock(&seen_lock);
  return same;
}

static void remember(const char *dir, const struct stat *st)
{
  if (strlen(dir) >= sizeof seen_dir)
    return;
  pthread_mutex_lock(&seen_lock);
  strcpy(seen_dir, dir);
  seen_st = *st;
  pthread_mutex_unlock(&seen_lock);
}

int rt__dir_trust(const char *dir, const char *plugin)
{
  struct stat st;
  int rc = stat_dir(dir, &st);
  if (rc == 0)
    rc = trust_node("directory", dir, plugin, &st);
  if (rc < 0 || strcmp(dir, "/") == 0 || seen_before(dir, &st))
    return rc;
  char *copy = rt_strdup(dir);
  if (copy == NULL)
    return rt__error_context("checking '%s'", plugin);
  rc = trust_ancestors(copy, plugin);
  rt_free(copy);
  if (rc == 0)
    remember(dir, &st);
  return rc;
}

static int file_trust(const char *resolved, const struct stat *st,
                      const char *trusted_dir)
{
  int rc = trust_node("plugin file", resolved, resolved, st);
  if (rc < 0)
    return rc;
  const char *slash = strrchr(resolved, '/');
  size_t dlen = slash == resolved ? 1 : (size_t)(slash - resolved);
  if (trusted_dir && strlen(trusted_dir) == dlen &&
      memcmp(trusted_dir, resolved, dlen) == 0)
    return 0;
  char *dir = rt_strndup(resolved, dlen);
  if (dir == NULL)
    return rt__error_context("checking '%s'", resolved);
  rc = rt__dir_trust(dir, resolved);
  rt_free(dir);
  return rc;
}

/* The file's real path, from the open descriptor (one readlink instead of
 * realpath's lstat per component). */
static int resolve(const char *path, int fd, char **out)
{
  char link[64], buf[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, buf, sizeof buf - 1);
  if (n > 0 && buf[0] == '/') {
    buf[n] = '\0';
  } else if (realpath(path, buf) == NULL) {
    return rt__syserror(errno, "cannot resolve the path '%s'", path);
  }
  *out = rt_strdup(buf);
  return *out ? 0 : rt__error_context("resolving '%s'", path);
}

static int read_elf(const char *path, int fd, struct rt__plugin_file *f,
                    bool want_info)
{
  struct rt__elf_src src = {fd, NULL, (size_t)f->st.st_size, path};
  return rt__elf_read(&src, path, &f->mf, want_info ? &f->info : NULL);
}

int rt__plugin_precheck(const char *path, unsigned flags,
                        const char *trusted_dir, bool want_info,
                        struct rt__plugin_file *f)
{
  memset(f, 0, sizeof *f);
  int fd = -1;
  int rc = open_plugin(path, &f->st, &fd);
  if (rc == 0)
    rc = resolve(path, fd, &f->resolved);
  if (rc == 0 && !(flags & RT_MODULE_TRUST_ANY))
    rc = file_trust(f->resolved, &f->st, trusted_dir);
  if (rc == 0)
    rc = read_elf(path, fd, f, want_info);
  if (fd >= 0)
    close(fd);
  if (rc < 0)
    rt__plugin_file_free(f);
  return rc;
}

void rt__plugin_file_free(struct rt__plugin_file *f)
{
  rt__elf_info_free(&f->info);
  rt_manifest_free(f->mf);
  rt_free(f->resolved);
  memset(f, 0, sizeof *f);
}

int rt__abi_check(const char *name, const char *path, unsigned major,
                  unsigned minor)
{
  if (major != RT_ABI_MAJOR)
    return rt__error(RT_EABI, "plugin '%s' (%s) was built for libruntime ABI "
                     "%u.%u, this is %u.%u and the major versions must be "
                     "equal; rebuild it against this libruntime", name, path,
                     major, minor, RT_ABI_MAJOR, RT_ABI_MINOR);
  if (minor > RT_ABI_MINOR)
    return rt__error(RT_EABI, "plugin '%s' (%s) needs libruntime ABI %u.%u, "
                     "this is %u.%u; rebuild it against this libruntime or "
                     "upgrade libruntime", name, path, major, minor,
                     RT_ABI_MAJOR, RT_ABI_MINOR);
  return 0;
}
