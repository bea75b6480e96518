/*
 * search.c — finding plugins: loading by name along the search path,
 * and listing a directory's plugins from their manifests without loading
 * any of them.
 */
#include "module_int.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RT_PLUGINDIR
#error "RT_PLUGINDIR must be defined (mk/module.am passes $(plugindir))"
#endif

/* Directories added with rt_module_path_add(), in order. */
static pthread_mutex_t path_lock = PTHREAD_MUTEX_INITIALIZER;
static char **path_dirs;
static size_t path_count;

/* RT_PLUGIN_DIR in the environment replaces the compiled-in directory:
 * a test suite run from the build tree must not find installed plugins. */
const char *rt_module_plugindir(void)
{
  const char *env = rt_getenv("RT_PLUGIN_DIR");
  return env && env[0] ? env : RT_PLUGINDIR;
}

void rt__search_fork(enum rt__fork_stage st) { rt__fork_mutex(&path_lock, st); }

int rt_module_path_add(const char *dir)
{
  if (dir == NULL || *dir == '\0')
    return rt__error(RT_EINVAL, "rt_module_path_add: empty directory name");
  char *copy = rt_strdup(dir);
  if (copy == NULL)
    return rt__error_context("adding '%s' to the plugin path", dir);
  pthread_mutex_lock(&path_lock);
  char **v = rt_realloc(path_dirs, (path_count + 1) * sizeof *v);
  if (v) {
    v[path_count++] = copy;
    path_dirs = v;
  }
  pthread_mutex_unlock(&path_lock);
  if (v == NULL) {
    rt_free(copy);
    return rt__error_context("adding '%s' to the plugin path", dir);
  }
  rt_clear_error();
  return 0;
}

void rt_module_path_clear(void)
{
  pthread_mutex_lock(&path_lock);
  for (size_t i = 0; i < path_count; i++)
    rt_free(path_dirs[i]);
  rt_free(path_dirs);
  path_dirs = NULL;
  path_count = 0;
  pthread_mutex_unlock(&path_lock);
}

/* ---- loading by name ---- */

/*
 * The candidates for a name, in search order: DIR/NAME.so for each
 * directory added with rt_module_path_add, of RT_PLUGIN_PATH (empty
 * entries skipped), and the plugin directory.
 */
struct cands {
  char **v;
  size_t n;
};

static int cand_add(struct cands *c, const char *dir, size_t dlen,
                    const char *name)
{
  if (dlen == 0)
    return 0;
  char **v = rt_realloc(c->v, (c->n + 1) * sizeof *v);
  if (v == NULL)
    return rt__error_context("searching for plugin '%s'", name);
  c->v = v;
  if (rt_asprintf(&c->v[c->n], "%.*s/%s.so", (int)dlen, dir, name) < 0)
    return rt_last_error_code();
  c->n++;
  return 0;
}

static void cands_free(struct cands *c)
{
  for (size_t i = 0; i < c->n; i++)
    rt_free(c->v[i]);
  rt_free(c->v);
}

static int cands_added(struct cands *c, const char *name)
{
  int rc = 0;
  pthread_mutex_lock(&path_lock);
  for (size_t i = 0; i < path_count && rc == 0; i++)
    rc = cand_add(c, path_dirs[i], strlen(path_dirs[i]), name);
  pthread_mutex_unlock(&path_lock);
  return rc;
}

static int cands_make(struct cands *c, const char *name)
{
  int rc = cands_added(c, name);
  for (const char *list = rt_getenv("RT_PLUGIN_PATH"); list && rc == 0;) {
    const char *colon = strchr(list, ':');
    size_t len = colon ? (size_t)(colon - list) : strlen(list);
    rc = cand_add(c, list, len, name);
    list = colon ? colon + 1 : NULL;
  }
  const char *home = rt_module_plugindir();
  return rc < 0 ? rc : cand_add(c, home, strlen(home), name);
}

/* What one search met: the candidates' failures, joined. */
struct search {
  const char *name;
  unsigned flags;
  rt_buf tried;
  int refused; /* code of the first candidate that exists but failed */
};

static int note_failure(struct search *s)
{
  int rc = rt_buf_printf(&s->tried, "%s%s", s->tried.len ? "; " : "",
                         rt_last_error());
  return rc < 0 ? rt_last_error_code() : 0;
}

/* The candidates after the refused one that exist: not tried. */
static int note_untried(struct search *s, const struct cands *c, size_t i)
{
  size_t n = 0;
  for (; i < c->n; i++) {
    struct stat st;
    if (stat(c->v[i], &st) < 0)
      continue;
    if (rt_buf_printf(&s->tried, "%s'%s'", n++ ? ", " : "; not tried: ",
                      c->v[i]) < 0)
      return rt_last_error_code();
  }
  if (n && rt_buf_printf(&s->tried, " (the first file found decides; "
                         "remove or fix the refused one)") < 0)
    return rt_last_error_code();
  return 0;
}

static int search_failed(struct search *s, size_t ncands)
{
  if (ncands == 0)
    return rt__error(RT_ENOTFOUND, "plugin '%s' not found: the plugin path "
                     "is empty; add a directory with rt_module_path_add or "
                     "RT_PLUGIN_PATH", s->name);
  if (s->refused)
    return rt__error(s->refused, "plugin '%s' was refused: %s", s->name,
                     rt_buf_cstr(&s->tried));
  return rt__error(RT_ENOTFOUND, "plugin '%s' not found (%s); put %s.so in "
                   "one of these directories or add its directory to the "
                   "plugin path (RT_PLUGIN_PATH)", s->name,
                   rt_buf_cstr(&s->tried), s->name);
}

/* The first candidate that exists decides, unless RT_MODULE_SKIP_REFUSED
 * lets a refused one be passed over. */
static int search_cands(struct search *s, const struct cands *c,
                        rt_module **out)
{
  unsigned open_flags = s->flags & ~(unsigned)RT_MODULE_SKIP_REFUSED;
  for (size_t i = 0; i < c->n; i++) {
    int rc = rt__module_open_named(c->v[i], s->name, open_flags, out);
    if (rc == 0)
      return 0;
    if (rc != RT_ENOENT && s->refused == 0)
      s->refused = rc;
    if ((rc = note_failure(s)) < 0)
      return rc;
    if (s->refused && !(s->flags & RT_MODULE_SKIP_REFUSED)) {
      if ((rc = note_untried(s, c, i + 1)) < 0)
        return rc;
      break;
    }
  }
  return search_failed(s, c->n);
}

static int search(const char *name, unsigned flags, rt_module **out)
{
  struct cands c = {NULL, 0};
  struct search s = {name, flags, RT_BUF_INIT, 0};
  int rc = cands_make(&c, name);
  if (rc == 0)
    rc = search_cands(&s, &c, out);
  rt_buf_free(&s.tried);
  cands_free(&c);
  return rc;
}

static bool is_path(const char *s)
{
  return strchr(s, '/') != NULL || rt_str_has_suffix(s, ".so");
}

int rt_module_load_flags(const char *name_or_path, unsigned flags,
                         rt_module **out)
{
  if (out == NULL || name_or_path == NULL || *name_or_path == '\0')
    return rt__error(RT_EINVAL, "rt_module_load: no plugin name given");
  *out = NULL;
  if (is_path(name_or_path))
    return rt_module_open(name_or_path,
                          flags & ~(unsigned)RT_MODULE_SKIP_REFUSED, out);
  if (rt_module_find(name_or_path, out) == 0)
    return 0;
  return rt__ok_or(search(name_or_path, flags, out));
}

int rt_module_load(const char *name_or_path, rt_module **out)
{
  return rt_module_load_flags(name_or_path, 0, out);
}

/* ---- manifests without loading ---- */

int rt_manifest_read(const char *path, unsigned flags, rt_manifest **out)
{
  if (out == NULL || path == NULL)
    return rt__error(RT_EINVAL, "rt_manifest_read: %s is NULL",
                     out == NULL ? "OUT" : "PATH");
  *out = NULL;
  struct rt__plugin_file f;
  int rc = rt__plugin_precheck(path, flags, NULL, false, &f);
  if (rc < 0)
    return rc;
  *out = f.mf;
  f.mf = NULL;
  rt__plugin_file_free(&f);
  rt_clear_error();
  return 0;
}

/* Status and reason of one scanned file; its manifest is kept even when
 * only the ABI is wrong, so a listing can show what it needs. */
static int scan_file(const char *path, unsigned flags,
                     const struct rt__in_dir *in, rt_manifest_entry *e)
{
  struct rt__plugin_file f;
  int rc = rt__plugin_precheck(path, flags, in, false, &f);
  if (rc == 0) {
    e->manifest = f.mf;
    f.mf = NULL;
    rt__plugin_file_free(&f);
    rc = rt__abi_check(e->manifest->name, path, e->manifest->abi_major,
                       e->manifest->abi_minor);
  }
  e->status = rc;
  if (rc < 0 && (e->reason = rt_strdup(rt_last_error())) == NULL)
    return rt__error_context("scanning '%s'", path);
  return 0;
}

/* Entries of a directory that is itself untrusted are judged one by one
 * by path, as rt_module_open would: each reason names its file. */
static int scan_entry(const char *dir, struct rt__in_dir *in, unsigned flags,
                      int dir_rc, rt_manifest_entry *e)
{
  char *path;
  if (rt_asprintf(&path, "%s/%s", dir, in->name) < 0)
    return rt__error_context("scanning '%s'", dir);
  e->path = path;
  return scan_file(path, flags, dir_rc == 0 ? in : NULL, e);
}

static int scan_names(const char *dir, unsigned flags, char **names,
                      size_t count, rt_manifest_list *list)
{
  char rdir[PATH_MAX];
  if (realpath(dir, rdir) == NULL)
    return rt__syserror(errno, "cannot resolve the directory '%s'", dir);
  struct rt__uid me = {false, 0};
  int dir_rc =
      flags & RT_MODULE_TRUST_ANY ? 0 : rt__dir_trust(rdir, dir, &me);
  /* Entries are opened relative to the resolved directory: no path walk
   * and no readlink per file.  If it cannot be opened (no read or search
   * permission), each entry is opened by its path as before. */
  struct rt__in_dir in = {rdir, -1, NULL};
  if (dir_rc == 0)
    in.fd = open(rdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = 0;
  for (size_t i = 0; i < count && rc == 0; i++) {
    if (!rt_str_has_suffix(names[i], ".so"))
      continue;
    rt_manifest_entry *e = &list->entries[list->count++];
    in.name = names[i];
    rc = scan_entry(dir, &in, flags, dir_rc, e);
  }
  if (in.fd >= 0)
    close(in.fd);
  return rc;
}

int rt_module_scan(const char *dir, unsigned flags, rt_manifest_list **out)
{
  if (dir == NULL || out == NULL)
    return rt__error(RT_EINVAL, "rt_module_scan: %s is NULL",
                     dir == NULL ? "DIR" : "OUT");
  *out = NULL;
  char **names;
  size_t count;
  int rc = rt_dir_list(dir, &names, &count);
  if (rc < 0)
    return rt__error_context("listing plugins in '%s'", dir);
  rt_manifest_list *list = rt_calloc(1, sizeof *list);
  if (list)
    list->entries = rt_calloc(count ? count : 1, sizeof *list->entries);
  if (list == NULL || list->entries == NULL)
    rc = rt__error_context("listing plugins in '%s'", dir);
  else
    rc = scan_names(dir, flags, names, count, list);
  rt_dir_list_free(names, count);
  if (rc < 0) {
    rt_manifest_list_free(list);
    return rc;
  }
  *out = list;
  rt_clear_error();
  return 0;
}

void rt_manifest_list_free(rt_manifest_list *list)
{
  if (list == NULL)
    return;
  for (size_t i = 0; list->entries && i < list->count; i++) {
    rt_free((char *)list->entries[i].path);
    rt_free((char *)list->entries[i].reason);
    rt_manifest_free(list->entries[i].manifest);
  }
  rt_free(list->entries);
  rt_free(list);
}
