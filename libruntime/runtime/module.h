/*
 * runtime/module.h — loading plugins, reading their manifests, the registry.
 *
 * A plugin is a shared object built with RT_PLUGIN (runtime/plugin.h) and
 * linked against libruntime.so.1.  rt_module_open() checks it in this
 * order, each failure with its own code and a message naming the file, what
 * differs and how to fix it:
 *
 *   file exists, is a regular file             RT_ENOENT RT_EISDIR RT_ELOOP RT_EINVAL
 *   trust: file and directory not group- or    RT_EUNTRUSTED
 *     world-writable, owned by root or the
 *     running user; ancestors world-writable
 *     only with the sticky bit
 *   ELF header: class, byte order, machine,     RT_EELF
 *     ET_DYN, not truncated
 *   manifest note present and well-formed,      RT_EMANIFEST, RT_ESIG
 *     every signature parses
 *   ABI: major equal, minor <= this runtime's   RT_EABI
 *   same runtime, from the file: this process   RT_ENOTSUP, RT_EDUPRUNTIME
 *     uses the shared libruntime.so.1; the
 *     plugin does not define rt_* symbols, and
 *     its DT_NEEDED has libruntime.so.1
 *   the path's file is the one a loaded plugin  RT_EEXIST
 *     came from (not replaced by a rename)
 *   name not taken by another loaded plugin     RT_EEXIST
 *   dlopen(RTLD_NOW | RTLD_LOCAL)               RT_EDLOPEN (dlerror text)
 *   descriptor present, matches the manifest    RT_EDESCRIPTOR
 *   same runtime: the plugin's runtime          RT_EDUPRUNTIME
 *     reference is this process's libruntime
 *   init hook (a plugin still initialising      RT_EINIT (its message),
 *     cannot be loaded again)                   RT_EBUSY
 *
 * A plugin that fails any check is dlclosed, not registered, and nothing of
 * it stays mapped; opening it again fails the same way.
 *
 * Messages read well after a "<file or name>: " prefix, as rthost prints
 * them.  Every function is thread-safe, and every one that succeeds
 * leaves no error behind (rt_last_error_code() is 0 afterwards).
 */
#ifndef RUNTIME_MODULE_H
#define RUNTIME_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <runtime/defs.h>
#include <runtime/call.h>
#include <runtime/plugin.h>

RT_BEGIN_DECLS

/* A loaded plugin.  Opaque; reference counted by open/load/find/close. */
typedef struct rt_module rt_module;

/* Flags for rt_module_open(), rt_module_check(), rt_module_scan(),
 * rt_manifest_read(). */
enum {
  /* Skip the trust checks (ownership and write permissions).  For tests and
   * for files the caller has vetted itself. */
  RT_MODULE_TRUST_ANY = 1u << 0,
  /* DANGEROUS, for tests only: skip the same-runtime check and accept a
   * plugin that carries its own copy of libruntime.  Such a plugin has a
   * second heap and a second IO layer: memory it allocates must never be
   * freed by the host, its buffered output is not ordered with the host's.
   * Exists so a test can show exactly that. */
  RT_MODULE_UNSAFE_ALLOW_PRIVATE_RUNTIME = 1u << 1,
  /* rt_module_load_flags() by name only: a candidate file that exists but
   * is refused is passed over and the search goes on (the refusal is in
   * the error chain if no later candidate loads).  Without it the first
   * file found decides. */
  RT_MODULE_SKIP_REFUSED = 1u << 2,
};

/*
 * rt_module_open: load the plugin file PATH after the checks above, run
 * its init hook, register it and store it in *OUT with one reference.
 * The same file (device and inode) opened again gives the same module with
 * one more reference; its checks and init are not repeated.  FLAGS: 0 or
 * RT_MODULE_* above.  Errors: as listed above; RT_EEXIST if another file
 * with the same plugin name is loaded; RT_EINVAL for NULL arguments;
 * RT_ENOMEM.  *OUT is NULL on failure.
 */
RT_API RT_WARN_UNUSED int rt_module_open(const char *path, unsigned flags, rt_module **out);

/*
 * rt_module_load: load a plugin by NAME ("mathx", looked up as mathx.so)
 * or by path (a value containing '/' or ending in ".so" is a path, opened
 * as rt_module_open(value, 0, out)).  A plugin already loaded under NAME
 * is returned with one more reference.  Otherwise NAME is searched in
 * order in the directories added with rt_module_path_add(), then those of
 * the RT_PLUGIN_PATH environment variable (colon-separated), then the
 * plugin directory (rt_module_plugindir()).  The first candidate file
 * that exists decides: it is loaded, or the load fails with its refusal
 * and the message names the later candidates that exist but were not
 * tried (see RT_MODULE_SKIP_REFUSED to go on instead).  The file NAME.so
 * must hold the plugin named NAME, else RT_EMANIFEST.  RT_ENOTFOUND, with
 * every directory tried, if no candidate exists.
 */
RT_API RT_WARN_UNUSED int rt_module_load(const char *name_or_path, rt_module **out);

/*
 * rt_module_load_flags: rt_module_load with FLAGS (RT_MODULE_TRUST_ANY,
 * RT_MODULE_SKIP_REFUSED; the other RT_MODULE_* flags as for
 * rt_module_open), applied to every candidate.  Since RUNTIME_1.1.
 */
RT_API RT_WARN_UNUSED int rt_module_load_flags(const char *name_or_path, unsigned flags,
                                rt_module **out);

/*
 * rt_module_path_add: append DIR to the directories searched by
 * rt_module_load() (before RT_PLUGIN_PATH).  DIR is copied.
 * Errors: RT_EINVAL (NULL or empty), RT_ENOMEM.
 */
RT_API int rt_module_path_add(const char *dir);

/* rt_module_path_clear: forget the directories added with
 * rt_module_path_add(). */
RT_API void rt_module_path_clear(void);

/* rt_module_plugindir: the plugin directory searched last: the value of
 * the environment variable RT_PLUGIN_DIR if it is set and not empty, else
 * the installed one, $(pkglibdir)/plugins.  Not to be freed. */
RT_API const char *rt_module_plugindir(void);

/*
 * rt_module_close: drop one reference to M.  When the last reference goes
 * and the plugin declared RT_PLUGIN_UNLOAD_SAFE, its fini hook runs, it is
 * removed from the registry and dlclosed.  Otherwise it stays loaded and
 * registered (resident) and a later open finds it again.  Errors:
 * RT_EBUSY if this would unload M while rt_module_call() calls into it are
 * in flight (the reference is then kept: close again later).  NULL is
 * ignored (returns 0).
 */
RT_API int rt_module_close(rt_module *m);

/*
 * rt_module_ref: add a reference to M (released with rt_module_close) and
 * return M.
 */
RT_API rt_module *rt_module_ref(rt_module *m);

/*
 * rt_module_fn: the export NAME of M as a callable function with its parsed
 * signature, in *OUT.  Prepared once when M is loaded and owned by M:
 * valid while M is loaded (see rt_module_close), never freed by the caller.
 * Errors: RT_ENOTFOUND ("plugin 'mathx' has no function 'sub'; it exports:
 * add, mul"), RT_EINVAL.
 */
RT_API RT_WARN_UNUSED int rt_module_fn(rt_module *m, const char *name, const rt_fn **out);

/*
 * rt_module_call: call export NAME of M (rt_module_fn + rt_call) while
 * counting the call as in flight, so that rt_module_close() cannot unload
 * M under it.  ARGS, NARGS and RET as for rt_call() in runtime/call.h.
 * Errors: those of rt_module_fn() and rt_call().
 */
RT_API RT_WARN_UNUSED int rt_module_call(rt_module *m, const char *name,
                          const rt_value *args, size_t nargs, rt_value *ret);

/* Accessors.  Strings are owned by M and valid while M is loaded.
 * rt_module_path is the resolved file path, "(static)" for a plugin
 * registered with rt_module_register_static(). */
RT_API const char *rt_module_name(const rt_module *m);
RT_API const char *rt_module_version(const rt_module *m);
RT_API const char *rt_module_description(const rt_module *m);
RT_API const char *rt_module_path(const rt_module *m);

/* rt_module_nexports: the number of functions M exports. */
RT_API size_t rt_module_nexports(const rt_module *m);

/*
 * rt_module_export: name, signature text and doc string of export I of M
 * (0 <= I < rt_module_nexports), in declaration order; any out pointer may
 * be NULL.  Errors: RT_ERANGE if I is out of range, RT_EINVAL.
 */
RT_API RT_WARN_UNUSED int rt_module_export(const rt_module *m, size_t i, const char **name,
                            const char **sig, const char **doc);

/*
 * rt_module_find: the loaded plugin named NAME, with one more reference
 * (close it).  Errors: RT_ENOTFOUND, RT_EINVAL.
 */
RT_API RT_WARN_UNUSED int rt_module_find(const char *name, rt_module **out);

/* rt_module_count: the number of plugins in the registry. */
RT_API size_t rt_module_count(void);

/*
 * rt_module_foreach: call FN(module, CTX) for each registered plugin in
 * load order, under the registry lock: FN may use the accessors and
 * rt_module_fn but must not open or close modules from another thread it
 * waits for.  A non-zero return from FN stops the walk and is returned.
 */
RT_API int rt_module_foreach(int (*fn)(rt_module *m, void *ctx), void *ctx);

/*
 * rt_module_check: run every check rt_module_open() runs on PATH — trust,
 * ELF, manifest, ABI, dlopen (so unresolved symbols are found), descriptor
 * against manifest, same runtime — but not the init hook, then dlclose it:
 * nothing is registered, nothing stays mapped (unless the plugin was
 * already loaded, which it leaves as it was).  Note that dlopen runs the
 * plugin's ELF constructors, if it has any.  Returns 0 or the error
 * rt_module_open() would give (except RT_EINIT and the name check's
 * RT_EEXIST).
 */
RT_API RT_WARN_UNUSED int rt_module_check(const char *path, unsigned flags);

/*
 * rt_module_register_static: register a plugin linked into the program
 * (see RT_PLUGIN_STATIC): checks the descriptor (magic, ABI, signatures,
 * same runtime), runs init, and registers it under its name with path
 * "(static)", resident.  Find it with rt_module_find().  Registering the
 * same descriptor again is a no-op.  Errors: RT_EDESCRIPTOR, RT_EABI,
 * RT_ESIG, RT_EDUPRUNTIME, RT_EINIT, RT_EEXIST (name taken), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_module_register_static(const struct rt_plugin_descriptor *d);

/* ---- Manifests: metadata read from the file, nothing loaded ---- */

typedef struct rt_manifest_export {
  const char *name;
  const char *sig;
  const char *doc;
} rt_manifest_export;

/* One plugin's manifest.  All strings live in the same allocation. */
typedef struct rt_manifest {
  const char *path; /* the file as given */
  const char *name;
  const char *version;
  const char *description;
  unsigned abi_major;
  unsigned abi_minor;
  size_t nexports;
  const rt_manifest_export *exports;
} rt_manifest;

/*
 * rt_manifest_read: read the manifest note of plugin file PATH without
 * loading it: file, trust (unless FLAGS has RT_MODULE_TRUST_ANY), ELF and
 * manifest checks as rt_module_open() does them, including parsing every
 * signature.  The ABI is reported, not checked.  *OUT is freed with
 * rt_manifest_free().  Errors: as the first four checks of rt_module_open.
 */
RT_API RT_WARN_UNUSED int rt_manifest_read(const char *path, unsigned flags,
                            rt_manifest **out);

/*
 * rt_manifest_parse: the same for an ELF image already in memory (DATA,
 * LEN), e.g. for fuzzing; LABEL names it in messages.  Every offset is
 * bounds-checked against LEN.
 */
RT_API RT_WARN_UNUSED int rt_manifest_parse(const void *data, size_t len, const char *label,
                             rt_manifest **out);

/* rt_manifest_free: free a manifest.  NULL is ignored. */
RT_API void rt_manifest_free(rt_manifest *m);

/* One file of a scanned directory: either MANIFEST, or STATUS < 0 and
 * REASON.  MANIFEST is also set when only the ABI check failed. */
typedef struct rt_manifest_entry {
  const char *path;
  int status;          /* 0, or the RT_E code rt_module_open would give */
  const char *reason;  /* NULL if status is 0 */
  rt_manifest *manifest;
} rt_manifest_entry;

typedef struct rt_manifest_list {
  size_t count;
  rt_manifest_entry *entries; /* sorted by file name */
} rt_manifest_list;

/*
 * rt_module_scan: the manifest of every "*.so" file in directory DIR, read
 * from the ELF notes only (no plugin is loaded, no plugin code runs).  Each
 * entry gets the status of the checks rt_module_open() runs before dlopen
 * (file, trust, ELF, manifest, ABI).  FLAGS: 0 or RT_MODULE_TRUST_ANY.
 * Free *OUT with rt_manifest_list_free().  Errors (for DIR itself):
 * RT_ENOENT, RT_ENOTDIR, RT_EACCES, RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_module_scan(const char *dir, unsigned flags,
                          rt_manifest_list **out);

/* rt_manifest_list_free: free a scan result.  NULL is ignored. */
RT_API void rt_manifest_list_free(rt_manifest_list *list);

RT_END_DECLS

#endif /* RUNTIME_MODULE_H */
