/*
 * registry.c — the registry of loaded plugins: its lock and fork hooks,
 * its hash indexes by name and by file, references and closing, and
 * what a loaded module answers (functions, calls, accessors, lookups).
 *
 * One recursive lock guards the registry and serialises loading and
 * unloading: dlopen takes the dynamic loader's own lock anyway, and the
 * recursion lets a plugin's init or fini hook load or find other plugins.
 * Calls into plugins take no lock; rt_module_call() counts them so a close
 * cannot unload a plugin under a running call.
 */
#define _GNU_SOURCE 1 /* dladdr, dladdr1, dlinfo */
#include "module_int.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t reg_lock;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static rt_module *reg_head, *reg_tail;
static size_t reg_count;

/*
 * Hash indexes by name and by file (dev/inode), rebuilt at twice the size
 * when the registry outgrows them: each load looks up both, and with a
 * thousand plugins loaded a list walk cost several microseconds (and
 * touched every plugin's descriptor).  Without an index (nothing loaded
 * yet, or no memory to grow it) lookups walk the list.
 */
static rt_module **by_name, **by_file;
static size_t reg_buckets; /* a power of two, or 0 */

static void reg_init(void)
{
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&reg_lock, &a);
  pthread_mutexattr_destroy(&a);
}

void rt__reg_lock(void)
{
  pthread_once(&reg_once, reg_init);
  pthread_mutex_lock(&reg_lock);
}

void rt__reg_unlock(void) { pthread_mutex_unlock(&reg_lock); }

/* Fork (init.c): the registry's lock, then the search path's and the file
 * checks' (taken under it while loading), so no load is half done in the
 * child.  The child makes the locks anew: the recursive registry lock
 * names its owner by thread id, which the child's thread does not have. */
void rt__module_fork_prepare(void)
{
  rt__reg_lock();
  rt__search_fork(RT__FORK_PREPARE);
  rt__file_fork(RT__FORK_PREPARE);
}

void rt__module_fork_parent(void)
{
  rt__file_fork(RT__FORK_PARENT);
  rt__search_fork(RT__FORK_PARENT);
  rt__reg_unlock();
}

void rt__module_fork_child(void)
{
  rt__file_fork(RT__FORK_CHILD);
  rt__search_fork(RT__FORK_CHILD);
  reg_init();
}

static size_t hash_name(const char *s)
{
  uint64_t h = rt__hash_bytes(s, strlen(s), 0);
  return (size_t)(h ^ (h >> 32));
}

static size_t hash_file(dev_t dev, ino_t ino)
{
  uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15u) ^ (uint64_t)ino;
  h *= 0xff51afd7ed558ccdu;
  return (size_t)(h ^ (h >> 29));
}

static void index_add(rt_module *m)
{
  size_t i = hash_name(m->name) & (reg_buckets - 1);
  m->name_next = by_name[i];
  by_name[i] = m;
  if (m->handle == NULL)
    return;
  i = hash_file(m->dev, m->ino) & (reg_buckets - 1);
  m->file_next = by_file[i];
  by_file[i] = m;
}

/* Grow the indexes to hold N modules; on failure keep what there is. */
static void reg_index(size_t n)
{
  if (n <= reg_buckets)
    return;
  size_t nb = reg_buckets ? reg_buckets * 2 : 64;
  while (nb < n)
    nb *= 2;
  rt_module **a = rt_calloc(nb, sizeof *a), **b = rt_calloc(nb, sizeof *b);
  if (a == NULL || b == NULL) {
    rt_free(a);
    rt_free(b);
    return;
  }
  rt_free(by_name);
  rt_free(by_file);
  by_name = a;
  by_file = b;
  reg_buckets = nb;
  for (rt_module *m = reg_head; m; m = m->next)
    index_add(m);
}

void rt__reg_append(rt_module *m)
{
  m->next = NULL;
  if (reg_tail)
    reg_tail->next = m;
  else
    reg_head = m;
  reg_tail = m;
  reg_count++;
  size_t had = reg_buckets;
  reg_index(reg_count);
  if (reg_buckets && reg_buckets == had)
    index_add(m);
}

static void unchain(rt_module **p, rt_module *m, bool by_name_chain)
{
  for (; *p; p = by_name_chain ? &(*p)->name_next : &(*p)->file_next)
    if (*p == m) {
      *p = by_name_chain ? m->name_next : m->file_next;
      return;
    }
}

void rt__reg_remove(rt_module *m)
{
  rt_module *prev = NULL;
  for (rt_module **p = &reg_head; *p; prev = *p, p = &(*p)->next)
    if (*p == m) {
      *p = m->next;
      if (reg_tail == m)
        reg_tail = prev;
      reg_count--;
      break;
    }
  if (reg_buckets == 0)
    return;
  unchain(&by_name[hash_name(m->name) & (reg_buckets - 1)], m, true);
  if (m->handle)
    unchain(&by_file[hash_file(m->dev, m->ino) & (reg_buckets - 1)], m,
            false);
}

rt_module *rt__reg_by_file(dev_t dev, ino_t ino)
{
  if (reg_buckets == 0) {
    for (rt_module *m = reg_head; m; m = m->next)
      if (m->handle && m->dev == dev && m->ino == ino)
        return m;
    return NULL;
  }
  for (rt_module *m = by_file[hash_file(dev, ino) & (reg_buckets - 1)]; m;
       m = m->file_next)
    if (m->dev == dev && m->ino == ino)
      return m;
  return NULL;
}

rt_module *rt__reg_by_name(const char *name)
{
  if (reg_buckets == 0) {
    for (rt_module *m = reg_head; m; m = m->next)
      if (strcmp(m->name, name) == 0)
        return m;
    return NULL;
  }
  for (rt_module *m = by_name[hash_name(name) & (reg_buckets - 1)]; m;
       m = m->name_next)
    if (strcmp(m->name, name) == 0)
      return m;
  return NULL;
}

/* A module loaded from the file now at PATH, whatever file is there now. */
rt_module *rt__reg_by_path(const char *path)
{
  for (rt_module *m = reg_head; m; m = m->next)
    if (m->handle && strcmp(m->path, path) == 0)
      return m;
  return NULL;
}

rt_module *rt__reg_by_desc(const struct rt_plugin_descriptor *d)
{
  for (rt_module *m = reg_head; m; m = m->next)
    if (m->desc == d)
      return m;
  return NULL;
}

/* ---- references ---- */

rt_module *rt_module_ref(rt_module *m)
{
  rt__reg_lock();
  RT_ASSERT(m->refs > 0); /* a closed module cannot be referenced again */
  m->refs++;
  rt__reg_unlock();
  return m;
}

static int close_locked(rt_module *m)
{
  RT_ASSERT(m->refs > 0 || m->handle == NULL);
  bool unload = m->refs == 1 && m->unload_safe && m->handle;
  if (unload && atomic_load(&m->inflight) > 0)
    return rt__error(RT_EBUSY, "plugin '%s' (%s) cannot be unloaded while "
                     "%ld call(s) into it are running; close it again when "
                     "they return", m->desc->name, m->path,
                     (long)atomic_load(&m->inflight));
  if (m->refs > 0)
    m->refs--;
  if (!unload)
    return 0;
  rt__reg_remove(m);
  if (m->hooks.fini)
    m->hooks.fini();
  rt__module_free(m);
  return 0;
}

int rt_module_close(rt_module *m)
{
  if (m == NULL)
    return 0;
  rt__reg_lock();
  int rc = close_locked(m);
  rt__reg_unlock();
  return rt__ok_or(rc);
}

/* ---- functions ---- */

static int no_such_fn(const rt_module *m, const char *name)
{
  char list[512];
  size_t off = 0;
  list[0] = '\0';
  for (size_t i = 0; i < m->desc->nexports && off < sizeof list; i++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
                            i ? ", " : "", m->desc->exports[i].name);
  return rt__error(RT_ENOTFOUND, "plugin '%s' has no function '%s'; it "
                   "exports: %s", m->desc->name, name, list);
}

int rt_module_fn(rt_module *m, const char *name, const rt_fn **out)
{
  if (m == NULL || name == NULL || out == NULL)
    return rt__error(RT_EINVAL, "rt_module_fn: %s is NULL",
                     m == NULL ? "M" : name == NULL ? "NAME" : "OUT");
  *out = NULL;
  for (size_t i = 0; i < m->desc->nexports; i++)
    if (strcmp(m->desc->exports[i].name, name) == 0) {
      *out = m->fns[i];
      rt_clear_error();
      return 0;
    }
  return no_such_fn(m, name);
}

int rt_module_call(rt_module *m, const char *name, const rt_value *args,
                   size_t nargs, rt_value *ret)
{
  const rt_fn *fn;
  int rc = rt_module_fn(m, name, &fn);
  if (rc < 0)
    return rc;
  atomic_fetch_add(&m->inflight, 1);
  rc = rt_call(fn, args, nargs, ret);
  atomic_fetch_sub(&m->inflight, 1);
  return rt__ok_or(rc);
}

/* ---- accessors ---- */

const char *rt_module_name(const rt_module *m) { return m->desc->name; }
const char *rt_module_version(const rt_module *m) { return m->desc->version; }
const char *rt_module_path(const rt_module *m) { return m->path; }

const char *rt_module_description(const rt_module *m)
{
  return m->desc->description;
}

size_t rt_module_nexports(const rt_module *m) { return m->desc->nexports; }

int rt_module_export(const rt_module *m, size_t i, const char **name,
                     const char **sig, const char **doc)
{
  if (m == NULL)
    return rt__error(RT_EINVAL, "rt_module_export: M is NULL");
  if (i >= m->desc->nexports)
    return rt__error(RT_ERANGE, "plugin '%s' has %u exports, there is no "
                     "export %zu", m->desc->name, m->desc->nexports, i);
  const struct rt_plugin_export *e = &m->desc->exports[i];
  if (name)
    *name = e->name;
  if (sig)
    *sig = e->sig;
  if (doc)
    *doc = e->doc;
  rt_clear_error();
  return 0;
}

/* ---- registry ---- */

int rt_module_find(const char *name, rt_module **out)
{
  if (name == NULL || out == NULL)
    return rt__error(RT_EINVAL, "rt_module_find: %s is NULL",
                     name == NULL ? "NAME" : "OUT");
  rt__reg_lock();
  rt_module *m = rt__reg_by_name(name);
  if (m)
    m->refs++;
  rt__reg_unlock();
  *out = m;
  if (m == NULL)
    return rt__error(RT_ENOTFOUND, "no plugin named '%s' is loaded", name);
  rt_clear_error();
  return 0;
}

size_t rt_module_count(void)
{
  rt__reg_lock();
  size_t n = reg_count;
  rt__reg_unlock();
  return n;
}

int rt_module_foreach(int (*fn)(rt_module *m, void *ctx), void *ctx)
{
  if (fn == NULL)
    return rt__error(RT_EINVAL, "rt_module_foreach: FN is NULL");
  int rc = 0;
  rt__reg_lock();
  for (rt_module *m = reg_head; m && rc == 0; m = m->next)
    rc = fn(m, ctx);
  rt__reg_unlock();
  return rc;
}

