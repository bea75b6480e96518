/*
 * module_int.h — what the loader's source files (module.c, modfile.c,
 * modsearch.c) share.  Private to libruntime.
 */
#ifndef RT_MODULE_INT_H
#define RT_MODULE_INT_H

#include "elfnote.h"

#include <sys/stat.h>

/* What the checks before dlopen produce for one plugin file. */
struct rt__plugin_file {
  struct stat st;
  char *resolved;   /* realpath of the file, runtime heap */
  rt_manifest *mf;  /* its manifest */
  struct rt__elf_info info;
};

/*
 * rt__plugin_precheck: the checks rt_module_open() runs before dlopen, in
 * order: file exists and is regular, trust (unless RT_MODULE_TRUST_ANY in
 * FLAGS; TRUSTED_DIR, if not NULL, is a directory already found trusted),
 * ELF, manifest (and DT_NEEDED and the parsed signatures if WANT_INFO).
 * The ABI is not checked here.  On failure F holds nothing.
 */
RT_HIDDEN int rt__plugin_precheck(const char *path, unsigned flags,
                                  const char *trusted_dir, bool want_info,
                                  struct rt__plugin_file *f);

/* rt__plugin_file_free: release what rt__plugin_precheck filled in. */
RT_HIDDEN void rt__plugin_file_free(struct rt__plugin_file *f);

/*
 * rt__dir_trust: check directory DIR (resolved, absolute) and its
 * ancestors as the directory of plugin PLUGIN.  RT_EUNTRUSTED.
 */
RT_HIDDEN int rt__dir_trust(const char *dir, const char *plugin);

/* rt__abi_check: the ABI rule for a plugin named NAME at PATH built for
 * MAJOR.MINOR.  RT_EABI. */
RT_HIDDEN int rt__abi_check(const char *name, const char *path,
                            unsigned major, unsigned minor);

#endif /* RT_MODULE_INT_H */
