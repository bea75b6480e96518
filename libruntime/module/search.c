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

const char *rt_module_plugindir(void) { return RT_PLUGINDIR; }

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

/* What one search tried: the candidates' failures, joined. */
struct search {
  const char *name;
  rt_buf tried;
  int refused; /* code of the first candidate that exists but failed */
  int ntried;
};

static bool is_path(const char *s)
{
  return strchr(s, '/') != NULL || rt_str_has_suffix(s, ".so");
}

/* Try DIR/NAME.so; 1 if loaded, 0 to go on, < 0 on a hard error. */
static int try_dir(struct search *s, const char *dir, size_t dlen,
                   rt_module **out)
{
  char *cand;
  if (dlen == 0)
    return 0;
  if (rt_asprintf(&cand, "%.*s/%s.so", (int)dlen, dir, s->name) < 0)
    return rt_last_error_code();
  int rc = rt_module_open(cand, 0, out);
  rt_free(cand);
  if (rc == 0)
    return 1;
  if (rc != RT_ENOENT && s->refused == 0)
    s->refused = rc;
  s->ntried++;
  if (rt_buf_printf(&s->tried, "%s%s", s->tried.len ? "; " : "",
                    rt_last_error()) < 0)
    return rt_last_error_code();
  return 0;
}

/* Each directory of a colon-separated LIST; empty entries are skipped. */
static int try_list(struct search *s, const char *list, rt_module **out)
{
  int rc = 0;
  while (list && rc == 0) {
    const char *colon = strchr(list, ':');
    size_t len = colon ? (size_t)(colon - list) : strlen(list);
    rc = try_dir(s, list, len, out);
    list = colon ? colon + 1 : NULL;
  }
  return rc;
}

static int try_added(struct search *s, rt_module **out)
{
  char **dirs = NULL;
  size_t n = 0, i;
  int rc = 0;
  pthread_mutex_lock(&path_lock);
  dirs = rt_calloc(path_count ? path_count : 1, sizeof *dirs);
  for (i = 0; dirs && i < path_count; i++)
    dirs[n++] = rt_strdup(path_dirs[i]);
  pthread_mutex_unlock(&path_lock);
  if (dirs == NULL)
    return rt__error_context("searching for plugin '%s'", s->name);
  for (i = 0; i < n && rc == 0; i++)
    rc = dirs[i] ? try_dir(s, dirs[i], strlen(dirs[i]), out)
                 : rt__error(RT_ENOMEM, "searching for plugin '%s': out of "
                             "memory", s->name);
  for (i = 0; i < n; i++)
    rt_free(dirs[i]);
  rt_free(dirs);
  return rc;
}

static int search_failed(struct search *s)
{
  if (s->ntried == 0)
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

static int search(const char *name, rt_module **out)
{
  struct search s = {name, RT_BUF_INIT, 0, 0};
  int rc = try_added(&s, out);
  if (rc == 0)
    rc = try_list(&s, rt_getenv("RT_PLUGIN_PATH"), out);
  if (rc == 0)
    rc = try_dir(&s, RT_PLUGINDIR, strlen(RT_PLUGINDIR), out);
  if (rc == 0)
    rc = search_failed(&s);
  rt_buf_free(&s.tried);
  return rc == 1 ? 0 : rc;
}

int rt_module_load(const char *name_or_path, rt_module **out)
{
  if (out == NULL || name_or_path == NULL || *name_or_path == '\0')
    return rt__error(RT_EINVAL, "rt_module_load: no plugin name given");
  *out = NULL;
  if (is_path(name_or_path))
    return rt_module_open(name_or_path, 0, out);
  if (rt_module_find(name_or_path, out) == 0)
    return 0;
  return search(name_or_path, out);
}

/* ---- manifests without loading ---- */

int rt_manifest_read(const char *path, unsigned flags, rt_manifest **out)
{
  if (out == NULL || path == NULL)
    return rt__error(RT_EINVAL, "rt_manifest_read: NULL argument");
  *out = NULL;
  struct rt__plugin_file f;
  int rc = rt__plugin_precheck(path, flags, NULL, false, &f);
  if (rc < 0)
    return rc;
  *out = f.mf;
  f.mf = NULL;
  rt__plugin_file_free(&f);
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

static int scan_entry(const char *dir, struct rt__in_dir *in, unsigned flags,
                      int dir_rc, rt_manifest_entry *e)
{
  char *path;
  if (rt_asprintf(&path, "%s/%s", dir, in->name) < 0)
    return rt__error_context("scanning '%s'", dir);
  e->path = path;
  if (dir_rc == 0)
    return scan_file(path, flags, in, e);
  e->status = dir_rc;
  e->reason = rt_strdup(rt_last_error());
  return e->reason ? 0 : rt__error_context("scanning '%s'", dir);
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
  char dir_msg[1024];
  snprintf(dir_msg, sizeof dir_msg, "%s", dir_rc ? rt_last_error() : "");
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
    if (dir_rc)
      rt__error(dir_rc, "%s", dir_msg);
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
    return rt__error(RT_EINVAL, "rt_module_scan: NULL argument");
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
