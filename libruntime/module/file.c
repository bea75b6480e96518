/*
 * file.c — the loader's checks on a plugin file before anything is
 * loaded: existence, trust (ownership and write permissions, as sudo
 * checks its files), then the ELF and manifest reader.
 */
#define _GNU_SOURCE /* ST_NOEXEC */
#include "module_int.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
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
  if (err == EMFILE || err == ENFILE)
    return rt__error(-err, "cannot open '%s': %s; close descriptors or "
                     "raise the limit (ulimit -n)", path, strerror(err));
  return rt__syserror(err, "cannot open '%s'", path);
}

/* Most plugins and their directories belong to root: the effective uid
 * (a system call) is asked for only when an owner is someone else. */
static uid_t euid(struct rt__uid *me)
{
  if (!me->known) {
    me->uid = geteuid();
    me->known = true;
  }
  return me->uid;
}

/* A file or the plugin's own directory: owned by root or the running user,
 * writable by nobody else. */
static int trust_node(const char *what, const char *node, const char *plugin,
                      const struct stat *st, struct rt__uid *me)
{
  unsigned mode = st->st_mode & 07777;
  if (st->st_uid != 0 && st->st_uid != euid(me))
    return rt__error(RT_EUNTRUSTED, "%s '%s' is owned by uid %u, not by root "
                     "or you (uid %u), so someone else could replace '%s'; "
                     "chown it", what, node, (unsigned)st->st_uid,
                     (unsigned)euid(me), plugin);
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

static bool same_dir(const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_mode == b->st_mode && a->st_uid == b->st_uid;
}

void rt__file_fork(enum rt__fork_stage st) { rt__fork_mutex(&seen_lock, st); }

static bool seen_before(const char *dir, const struct stat *st)
{
  pthread_mutex_lock(&seen_lock);
  bool same = strcmp(seen_dir, dir) == 0 && same_dir(&seen_st, st);
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

/* Directory DIR, whose stat is ST, as the directory of PLUGIN. */
static int dir_trust_st(const char *dir, const char *plugin,
                        const struct stat *st, struct rt__uid *me)
{
  int rc = trust_node("directory", dir, plugin, st, me);
  if (rc < 0 || strcmp(dir, "/") == 0 || seen_before(dir, st))
    return rc;
  char *copy = rt_strdup(dir);
  if (copy == NULL)
    return rt__error_context("checking '%s'", plugin);
  rc = trust_ancestors(copy, plugin);
  rt_free(copy);
  if (rc == 0)
    remember(dir, st);
  return rc;
}

int rt__dir_trust(const char *dir, const char *plugin, struct rt__uid *me)
{
  struct stat st;
  int rc = stat_dir(dir, &st);
  return rc < 0 ? rc : dir_trust_st(dir, plugin, &st, me);
}

/* The file and its directory; *DST gets the directory's stat when it was
 * taken (else its st_nlink stays 0). */
static int file_trust(const char *resolved, const struct stat *st,
                      const char *trusted_dir, struct stat *dst)
{
  struct rt__uid me = {false, 0};
  int rc = trust_node("plugin file", resolved, resolved, st, &me);
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
  rc = stat_dir(dir, dst);
  if (rc == 0)
    rc = dir_trust_st(dir, resolved, dst, &me);
  rt_free(dir);
  return rc;
}

/*
 * A guess at PATH's resolved path that saves the readlink (the costliest
 * of the checks' system calls): PATH itself, if it is absolute with no
 * empty, "." or ".." component and its directory is the one last found
 * to be its own resolved path (canon_dir).  The guess is used only if the
 * final component is no symlink (opened with O_NOFOLLOW) and the
 * directory is still the same (device, inode, mode, owner, and ctime, so
 * a rename of it is noticed); else readlink decides.  What it cannot
 * notice: an ancestor renamed and replaced by a symlink to its new place
 * (the path given still names the file, through that link).
 */
static char canon_dir[PATH_MAX]; /* under seen_lock */
static struct stat canon_st;

struct guess {
  bool on;
  char dir[PATH_MAX];
  struct stat seen;
};

static bool canonical_form(const char *path)
{
  if (path[0] != '/')
    return false;
  for (const char *c = path + 1;;) {
    const char *end = strchr(c, '/');
    size_t n = end ? (size_t)(end - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') ||
        (n == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    if (end == NULL)
      return true;
    c = end + 1;
  }
}

/* G->dir gets PATH's directory; false if PATH is not in canonical form. */
static bool path_dir(const char *path, struct guess *g)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL || slash == path || !canonical_form(path) ||
      (size_t)(slash - path) >= sizeof g->dir)
    return false;
  memcpy(g->dir, path, (size_t)(slash - path));
  g->dir[slash - path] = '\0';
  return true;
}

static void guess_init(const char *path, struct guess *g)
{
  g->on = false;
  if (!path_dir(path, g))
    return;
  pthread_mutex_lock(&seen_lock);
  g->on = strcmp(canon_dir, g->dir) == 0;
  g->seen = canon_st;
  pthread_mutex_unlock(&seen_lock);
}

static bool same_ctime(const struct stat *a, const struct stat *b)
{
  return a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
         a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Confirm the guess: PATH's directory is still the one seen (its stat in
 * *ST).  Errors are not reported here: an unconfirmed guess falls back to
 * readlink and the plain checks. */
static bool known_dir(const struct guess *g, struct stat *st)
{
  return g->on && stat(g->dir, st) == 0 && same_dir(st, &g->seen) &&
         same_ctime(st, &g->seen);
}

/* After the plain checks passed: PATH was its own resolved path, so its
 * directory (stat DST) may be guessed next time. */
static void canon_remember(const char *path, const char *resolved,
                           const struct stat *dst)
{
  struct guess g;
  if (dst->st_nlink == 0 || strcmp(path, resolved) != 0 ||
      !path_dir(path, &g))
    return;
  pthread_mutex_lock(&seen_lock);
  strcpy(canon_dir, g.dir);
  canon_st = *dst;
  pthread_mutex_unlock(&seen_lock);
}

/* The file's real path, from the open descriptor (one readlink instead of
 * realpath's lstat per component), or, for an entry opened inside a
 * scanned directory, that directory's resolved path and the entry's name. */
static int resolve(const char *path, int fd, const struct rt__in_dir *in,
                   char **out)
{
  char link[64], buf[PATH_MAX];
  if (in) {
    int n = snprintf(buf, sizeof buf, "%s/%s",
                     strcmp(in->rdir, "/") == 0 ? "" : in->rdir, in->name);
    if (n < 0 || (size_t)n >= sizeof buf)
      return rt__syserror(ENAMETOOLONG, "cannot resolve the path '%s'", path);
  } else {
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n > 0 && buf[0] == '/')
      buf[n] = '\0';
    else if (realpath(path, buf) == NULL)
      return rt__syserror(errno, "cannot resolve the path '%s'", path);
  }
  *out = rt_strdup(buf);
  return *out ? 0 : rt__error_context("resolving '%s'", path);
}

/* The bytes are read into F->image, kept for the checks after dlopen: the
 * whole of a small file when loading it, else (listing: headers and notes
 * are all it needs, and copying the rest made a scan slower) its head. */
static int read_elf(const char *path, int fd, struct rt__plugin_file *f,
                    bool want_info)
{
  size_t size = (size_t)f->st.st_size;
  size_t len = want_info && size <= RT__ELF_IMAGE_MAX ? size
               : size < RT__ELF_HEAD                  ? size
                                                      : RT__ELF_HEAD;
  if (len > 0 && (f->image = rt_alloc(len)) == NULL)
    return rt__error_context("reading '%s'", path);
  f->image_len = len;
  struct rt__elf_src src = {fd, NULL, size, path, f->image, len};
  return rt__elf_read(&src, path, &f->mf, want_info ? &f->info : NULL);
}

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* Open PATH and check it is a regular file.  Opening first and asking the
 * descriptor saves a stat and pins the file the later checks look at;
 * O_NONBLOCK keeps a FIFO named like a plugin from blocking the open.  An
 * entry of a scanned directory is opened relative to it, without following
 * a final symlink: then its resolved path is known (*IN_DIR set) and needs
 * no readlink.  So is a guessed path (see struct guess).  Any failure
 * there (a symlink, a vanished file) retries by PATH, which gives the
 * plain open's result and message. */
/* A file system mounted noexec lets nobody map code from its files:
 * dlopen would fail with "failed to map segment from shared object",
 * the very words it uses when memory runs out.  Said before, plainly. */
static int exec_allowed(const char *path, int fd)
{
  struct statvfs sv;
  if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_NOEXEC))
    return rt__error(RT_EACCES, "'%s' is on a file system mounted noexec, "
                     "where no program may map code from its files; put "
                     "the plugin on another file system or remount this "
                     "one without noexec", path);
  return 0;
}

static int open_plugin(const char *path, const struct rt__in_dir *in,
                       struct guess *g, struct stat *st, int *fd,
                       bool *in_dir)
{
  *fd = in && in->fd >= 0
            ? openat(in->fd, in->name, OPEN_FLAGS | O_NOFOLLOW)
            : -1;
  *in_dir = *fd >= 0;
  if (*fd < 0 && g->on && (*fd = open(path, OPEN_FLAGS | O_NOFOLLOW)) < 0)
    g->on = false; /* a symlink, or no file: the plain open says which */
  if (*fd < 0)
    *fd = open(path, OPEN_FLAGS);
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
  else
    rc = exec_allowed(path, *fd);
  if (rc < 0) {
    close(*fd);
    *fd = -1;
  }
  return rc;
}

/*
 * PATH as given is a symbolic link (IS_LINK) to RESOLVED: the directory
 * the link lives in is judged as a plugin's directory too, for whoever
 * can write there can point the link at other code.  So a file is
 * trusted or not whichever way it is reached (rt_module_open, _check,
 * rt_manifest_read, and rt_module_scan of either directory).
 */
static int link_trust(const char *path, const char *resolved)
{
  struct stat lst;
  if (lstat(path, &lst) < 0 || !S_ISLNK(lst.st_mode))
    return 0;
  const char *slash = strrchr(path, '/');
  char *given = slash ? rt_strndup(path, slash == path ? 1
                                                      : (size_t)(slash - path))
                      : rt_strdup(".");
  char ldir[PATH_MAX];
  int rc = 0;
  if (given == NULL)
    return rt__error_context("checking '%s'", path);
  if (realpath(given, ldir) == NULL)
    rc = rt__syserror(errno, "cannot resolve the directory '%s'", given);
  rt_free(given);
  const char *rslash = strrchr(resolved, '/');
  size_t rlen = rslash == resolved ? 1 : (size_t)(rslash - resolved);
  if (rc < 0 || (strlen(ldir) == rlen && memcmp(ldir, resolved, rlen) == 0))
    return rc;
  struct rt__uid me = {false, 0};
  return rt__dir_trust(ldir, path, &me);
}

/* Trust of a file whose path was guessed right: the same checks in the
 * same order as file_trust, on the directory stat that confirmed it. */
static int guessed_trust(const char *resolved, const struct stat *st,
                         const struct guess *g, const struct stat *dst)
{
  struct rt__uid me = {false, 0};
  int rc = trust_node("plugin file", resolved, resolved, st, &me);
  return rc < 0 ? rc : dir_trust_st(g->dir, resolved, dst, &me);
}

int rt__plugin_precheck(const char *path, unsigned flags,
                        const struct rt__in_dir *in, bool want_info,
                        struct rt__plugin_file *f)
{
  memset(f, 0, sizeof *f);
  int fd = -1;
  bool in_dir = false;
  bool trust = !(flags & RT_MODULE_TRUST_ANY);
  struct guess g;
  struct stat dst;
  g.on = false;
  dst.st_nlink = 0;
  if (in == NULL && trust)
    guess_init(path, &g);
  int rc = open_plugin(path, in, &g, &f->st, &fd, &in_dir);
  if (rc == 0 && known_dir(&g, &dst)) {
    if ((f->resolved = rt_strdup(path)) == NULL)
      rc = rt__error_context("resolving '%s'", path);
    if (rc == 0)
      rc = guessed_trust(f->resolved, &f->st, &g, &dst);
  } else {
    dst.st_nlink = 0;
    if (rc == 0)
      rc = resolve(path, fd, in_dir ? in : NULL, &f->resolved);
    if (rc == 0 && trust)
      rc = file_trust(f->resolved, &f->st, in ? in->rdir : NULL, &dst);
    if (rc == 0 && trust && !in_dir)
      rc = link_trust(path, f->resolved);
    if (rc == 0 && in == NULL && trust)
      canon_remember(path, f->resolved, &dst);
  }
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
  rt_free(f->image);
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
