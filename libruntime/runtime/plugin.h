/*
 * runtime/plugin.h — writing a libruntime plugin.
 *
 *   #include <runtime.h>
 *   static int32_t add(int32_t a, int32_t b) { return a + b; }
 *   RT_PLUGIN("mathx", "1.0.0", "Arithmetic helpers",
 *       RT_EXPORT(add, "(i32, i32) -> i32", "sum of two integers"));
 *
 * Build: cc -shared -fPIC mathx.c -o mathx.so $(pkg-config --cflags --libs runtime)
 * The plugin named "mathx" must live in "mathx.so" (rt_module_load by name
 * refuses any other file).  Language: C11 or later (gnu99 also works), or
 * C++11 or later; the header alone compiles as C99 too.
 *
 * RT_PLUGIN emits two things (see rt_plugin(3)):
 *  - the descriptor: the one exported data symbol `rt_plugin_descriptor`,
 *    read by the loader after dlopen (magic, ABI, names, hooks, the export
 *    table with function pointers, and a same-runtime reference);
 *  - the manifest: an ELF note (owner "libruntime", type 1) in the allocated
 *    section .note.rt.plugin, so it lands in a PT_NOTE segment.  It holds the
 *    same metadata as relocation-free plain data (offsets into its own string
 *    area), so rt_module_scan() and `rthost list` read it from the file
 *    without loading the plugin or running any of its code.
 *
 * Optional hooks, placed before or after RT_PLUGIN in the same file:
 *   static int setup(void) { ... return 0; }   // or rt_set_error(RT_E..., "why")
 *   static void teardown(void) { ... }
 *   RT_PLUGIN_HOOKS(setup, teardown, RT_PLUGIN_UNLOAD_SAFE);
 * Either hook may be NULL; the flags are 0 or RT_PLUGIN_UNLOAD_SAFE.
 *
 * In C++ the exported functions may be static or in a namespace; their
 * parameter and result types must be C types.  RT_PLUGIN_HOOKS sets the
 * hooks from a static initialiser there, so it may still come before or
 * after RT_PLUGIN.
 *
 * Checked at build time: every RT_EXPORT names a function (not a variable
 * or a function pointer), its signature and doc are string literals, and a
 * plugin has 1..64 exports.  C cannot count a function's parameters, so the
 * arity of the function against its signature text is NOT checked by the
 * compiler.  Checked at load time, always: every signature is parsed with
 * rt_sig_parse() and a malformed one refuses the plugin (RT_ESIG); the
 * descriptor must match the manifest field by field.
 */
#ifndef RUNTIME_PLUGIN_H
#define RUNTIME_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <runtime/defs.h>
#include <runtime/version.h>

RT_BEGIN_DECLS

/* "RTPG": first word of the descriptor and of the manifest. */
#define RT_PLUGIN_MAGIC 0x52545047u
/* The descriptor's symbol name, looked up with dlsym(). */
#define RT_PLUGIN_DESCRIPTOR_SYMBOL "rt_plugin_descriptor"
/* The manifest note: owner name, type, and the section it lives in. */
#define RT_PLUGIN_NOTE_OWNER "libruntime"
#define RT_PLUGIN_NOTE_TYPE 1u
#define RT_PLUGIN_NOTE_SECTION ".note.rt.plugin"
/* Most exports one plugin may declare (the limit of RT__FOR_EACH). */
#define RT_PLUGIN_MAX_EXPORTS 64

/* Hook flags. */
enum {
  /* fini() may run and the plugin's code may be unmapped when the last
   * reference is closed.  Without it a plugin stays resident until exit. */
  RT_PLUGIN_UNLOAD_SAFE = 1u << 0,
};

/* One exported function.  `fn` is the function cast to a generic function
 * pointer; `sig` its signature text, e.g. "(i32, i32) -> i32". */
struct rt_plugin_export {
  const char *name;
  const char *sig;
  const char *doc;
  void (*fn)(void);
};

/*
 * init() runs once after every check passed; it returns 0, or a negative
 * RT_E code after rt_set_error(code, "why") — the loader then refuses the
 * plugin with RT_EINIT and that message.  fini() runs when an unload-safe
 * plugin's last reference is closed.
 */
struct rt_plugin_hooks {
  int (*init)(void);
  void (*fini)(void);
  uint32_t flags;
};

/* What RT_PLUGIN emits as `rt_plugin_descriptor`.  Fields are only ever
 * appended; `size` is sizeof this struct as the plugin was compiled. */
struct rt_plugin_descriptor {
  uint32_t magic;
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t size;
  uint32_t nexports;
  const char *name;
  const char *version;
  const char *description;
  const struct rt_plugin_hooks *hooks;
  const struct rt_plugin_export *exports;
  /* &rt_abi_version as the plugin's own linker bound it: equal to the
   * loader's only if the plugin's runtime calls reach this libruntime. */
  unsigned (*runtime_ref)(void);
};

/*
 * The manifest note's descriptor data (all integers in the file's byte
 * order, offsets relative to the start of this header, strings
 * NUL-terminated inside the note):
 *   u32 magic  u16 abi_major  u16 abi_minor  u32 nexports  u32 flags
 *   u32 name  u32 version  u32 description
 *   nexports x { u32 name  u32 sig  u32 doc }
 *   string area
 */
struct rt_plugin_note_header {
  uint32_t magic;
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t nexports;
  uint32_t flags;
  uint32_t name;
  uint32_t version;
  uint32_t description;
};
struct rt_plugin_note_export {
  uint32_t name;
  uint32_t sig;
  uint32_t doc;
};

/* RT_EXPORT(function, "signature", "doc"): one entry of RT_PLUGIN. */
#define RT_EXPORT(fn, sig, doc) (fn, sig, doc)

/* RT_PLUGIN(name, version, description, RT_EXPORT(...), ...). */
#define RT_PLUGIN(name, version, description, ...)                            \
  RT__PLUGIN_MANIFEST(rt__plugin, name, version, description, RT_ABI_MAJOR,   \
                      RT_ABI_MINOR, __VA_ARGS__)                              \
  RT__PLUGIN_DESCRIPTOR(RT__PLUGIN_EXPORTED, rt_plugin_descriptor,            \
                        rt__plugin, name,                                     \
                        version, description, RT_ABI_MAJOR, RT_ABI_MINOR,     \
                        __VA_ARGS__)

/* RT_PLUGIN_HOOKS(init, fini, flags): see above.  Once per plugin. */
#define RT_PLUGIN_HOOKS(init_fn, fini_fn, hook_flags)                         \
  RT__PLUGIN_HOOKS_DEF(rt__plugin, init_fn, fini_fn, hook_flags)

/*
 * RT_PLUGIN_STATIC(var, name, version, description, RT_EXPORT(...), ...):
 * a descriptor named VAR for a plugin linked into the program itself, to be
 * passed to rt_module_register_static().  No manifest note, no exported
 * symbol; several may live in one file.  Hooks: RT_PLUGIN_STATIC_HOOKS(var,
 * init, fini, flags) before it.
 */
#define RT_PLUGIN_STATIC(var, name, version, description, ...)                \
  RT__PLUGIN_DESCRIPTOR(static, var, var, name, version, description,         \
                        RT_ABI_MAJOR, RT_ABI_MINOR, __VA_ARGS__)
#define RT_PLUGIN_STATIC_HOOKS(var, init_fn, fini_fn, hook_flags)             \
  RT__PLUGIN_HOOKS_DEF(var, init_fn, fini_fn, hook_flags)

RT_END_DECLS

/* How the macros above do it: nothing in there is API. */
#include <runtime/plugin_impl.h>

#endif /* RUNTIME_PLUGIN_H */
