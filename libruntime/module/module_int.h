/*
 * module_int.h — what the loader's source files (load.c, registry.c, file.c,
 * search.c, note.c) share.  Private to libruntime.
 */
#ifndef RT_MODULE_INT_H
#define RT_MODULE_INT_H

#include "note.h"

#include <sys/stat.h>

/* What the checks before dlopen produce for one plugin file. */
struct rt__plugin_file {
  struct stat st;
  char *resolved;   /* realpath of the file, runtime heap */
  rt_manifest *mf;  /* its manifest */
  struct rt__elf_info info;
  unsigned char *image; /* the file's first IMAGE_LEN bytes (all of a */
  size_t image_len;     /* file up to RT__ELF_IMAGE_MAX), runtime heap */
};

/* The effective uid, asked for at most once per check, and only when a
 * file or directory is not owned by root. */
struct rt__uid {
  bool known;
  uid_t uid;
};

/* A directory being scanned: its resolved path RDIR (already found
 * trusted, or trust is off), an open descriptor FD on it, and the name of
 * the entry in it. */
struct rt__in_dir {
  const char *rdir;
  int fd;
  const char *name;
};

/*
 * rt__plugin_precheck: the checks rt_module_open() runs before dlopen, in
 * order: file exists and is regular, trust (unless RT_MODULE_TRUST_ANY in
 * FLAGS), ELF, manifest (and DT_NEEDED and the parsed signatures if
 * WANT_INFO).  PATH names the file; IN, if not NULL, says it is the entry
 * IN->name of a scanned directory.  The ABI is not checked here.  On
 * failure F holds nothing.
 */
RT_HIDDEN int rt__plugin_precheck(const char *path, unsigned flags,
                                  const struct rt__in_dir *in,
                                  bool want_info, struct rt__plugin_file *f);

/* rt__plugin_file_free: release what rt__plugin_precheck filled in. */
RT_HIDDEN void rt__plugin_file_free(struct rt__plugin_file *f);

/*
 * rt__dir_trust: check directory DIR (resolved, absolute) and its
 * ancestors as the directory of plugin PLUGIN.  RT_EUNTRUSTED.
 */
RT_HIDDEN int rt__dir_trust(const char *dir, const char *plugin,
                            struct rt__uid *me);

/* rt__abi_check: the ABI rule for a plugin named NAME at PATH built for
 * MAJOR.MINOR.  RT_EABI. */
RT_HIDDEN int rt__abi_check(const char *name, const char *path,
                            unsigned major, unsigned minor);

/* The rule of every rt_module_* and rt_manifest_* function: one that
 * succeeds leaves no error behind (a load by name may have met refusals
 * on the way).  Returns RC. */
static inline int rt__ok_or(int rc)
{
  if (rc == 0)
    rt_clear_error();
  return rc;
}

/* rt__module_open_named: rt_module_open of PATH, a candidate found when
 * searching for plugin NAME, which it must hold (RT_EMANIFEST if not). */
RT_HIDDEN int rt__module_open_named(const char *path, const char *name,
                                    unsigned flags, rt_module **out);

/* Fork stages of the search path's lock (search.c) and of the file
 * checks' directory memo (file.c); registry.c calls them under the
 * registry lock. */
RT_HIDDEN void rt__search_fork(enum rt__fork_stage st);
RT_HIDDEN void rt__file_fork(enum rt__fork_stage st);

/* A loaded plugin (load.c makes it, registry.c keeps it). */
struct rt_module {
  struct rt_module *next;      /* load order */
  struct rt_module *name_next; /* hash chains, see reg_index */
  struct rt_module *file_next;
  const char *name; /* the manifest's copy (in the heap), or the static
                     * descriptor's: lookups touch no plugin page */
  char *path; /* resolved path, or "(static)" */
  dev_t dev;
  ino_t ino;
  void *handle; /* NULL for a static plugin */
  const struct rt_plugin_descriptor *desc;
  rt_manifest *mf; /* NULL for a static plugin */
  rt_fn **fns;
  unsigned long refs;
  atomic_long inflight;
  bool unload_safe;
  struct rt_plugin_hooks hooks; /* a copy: see read_hooks */
};

/* The registry (registry.c).  Its one recursive lock guards every
 * function below; loading holds it throughout (load.c). */
RT_HIDDEN void rt__reg_lock(void);
RT_HIDDEN void rt__reg_unlock(void);
RT_HIDDEN void rt__reg_append(rt_module *m);
RT_HIDDEN void rt__reg_remove(rt_module *m);
RT_HIDDEN rt_module *rt__reg_by_file(dev_t dev, ino_t ino);
RT_HIDDEN rt_module *rt__reg_by_name(const char *name);
RT_HIDDEN rt_module *rt__reg_by_path(const char *path);
RT_HIDDEN rt_module *rt__reg_by_desc(const struct rt_plugin_descriptor *d);

/* Free M and unmap its code (load.c); M is out of the registry. */
RT_HIDDEN void rt__module_free(rt_module *m);

#endif /* RT_MODULE_INT_H */
