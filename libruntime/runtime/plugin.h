/*
 * runtime/plugin.h — writing a libruntime plugin.
 *
 *   #include <runtime.h>
 *   static int32_t add(int32_t a, int32_t b) { return a + b; }
 *   RT_PLUGIN("mathx", "1.0.0", "Arithmetic helpers",
 *       RT_EXPORT(add, "(i32, i32) -> i32", "sum of two integers"));
 *
 * Build: cc -shared -fPIC mathx.c -o mathx.so $(pkg-config --cflags --libs runtime)
 * The plugin named "mathx" must live in "mathx.so".
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
  RT__PLUGIN_DESCRIPTOR(RT_API, rt_plugin_descriptor, rt__plugin, name,       \
                        version, description, RT_ABI_MAJOR, RT_ABI_MINOR,     \
                        __VA_ARGS__)

/* RT_PLUGIN_HOOKS(init, fini, flags): see above.  Once per plugin. */
#define RT_PLUGIN_HOOKS(init_fn, fini_fn, hook_flags)                         \
  static const struct rt_plugin_hooks rt__plugin_hooks = {init_fn, fini_fn,   \
                                                          hook_flags}

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
  static const struct rt_plugin_hooks var##_hooks = {init_fn, fini_fn,        \
                                                     hook_flags}

/* ---- implementation of the macros; nothing below is API ---- */

/* The descriptor and its export table.  The hooks object is declared as a
 * tentative definition, so RT_PLUGIN_HOOKS may come before or after and
 * leaving it out gives all-zero hooks. */
#define RT__PLUGIN_DESCRIPTOR(linkage, var, id, name, version, description,  \
                              abi_major, abi_minor, ...)                      \
  RT__FOR_EACH(RT__PLUGIN_CHECK_EXPORT, id, __VA_ARGS__)                      \
  static const struct rt_plugin_hooks id##_hooks;                             \
  static const struct rt_plugin_export id##_exports[] = {                     \
      RT__FOR_EACH(RT__PLUGIN_EXPORT_ENTRY, id, __VA_ARGS__)};                \
  linkage const struct rt_plugin_descriptor var                               \
      __attribute__((used)) = {                                               \
          RT_PLUGIN_MAGIC,                                                    \
          (abi_major),                                                        \
          (abi_minor),                                                        \
          sizeof(struct rt_plugin_descriptor),                                \
          RT__PP_NARG(__VA_ARGS__),                                           \
          "" name,                                                            \
          "" version,                                                         \
          "" description,                                                     \
          &id##_hooks,                                                        \
          id##_exports,                                                       \
          rt_abi_version}

/* Only a function designator decays to the same type as its address:
 * an object, array or function pointer does not (and still compiles, so
 * the assertion's message is what the author sees). */
#define RT__PLUGIN_CHECK_EXPORT(id, fn, sig, doc)                             \
  _Static_assert(__builtin_types_compatible_p(__typeof__(0 ? (fn) : (fn)),    \
                                              __typeof__(&(fn))),             \
                 "RT_EXPORT(" #fn ", ...): " #fn " is not a function");
#define RT__PLUGIN_EXPORT_ENTRY(id, fn, sig, doc)                             \
  {#fn, "" sig, "" doc, (void (*)(void))(fn)},

/* The manifest note: a struct type laid out exactly as the note, whose
 * string members are sized by the literals, so every offset is an
 * offsetof() constant and the data needs no relocation. */
#define RT__PLUGIN_MANIFEST(id, name, version, description, abi_major,        \
                            abi_minor, ...)                                   \
  struct id##_note {                                                          \
    uint32_t namesz, descsz, type;                                            \
    char owner[12];                                                           \
    struct rt_plugin_note_header h;                                           \
    RT__FOR_EACH(RT__PLUGIN_NOTE_ENTRY_DECL, id, __VA_ARGS__)                 \
    char s_name[sizeof(name)];                                                \
    char s_version[sizeof(version)];                                          \
    char s_description[sizeof(description)];                                  \
    RT__FOR_EACH(RT__PLUGIN_NOTE_STR_DECL, id, __VA_ARGS__)                   \
  };                                                                          \
  static const struct id##_note id##_note_data                                \
      __attribute__((section(RT_PLUGIN_NOTE_SECTION), used, aligned(4))) = {  \
          sizeof(RT_PLUGIN_NOTE_OWNER),                                       \
          sizeof(struct id##_note) - offsetof(struct id##_note, h),           \
          RT_PLUGIN_NOTE_TYPE,                                                \
          RT_PLUGIN_NOTE_OWNER,                                               \
          {RT_PLUGIN_MAGIC, (abi_major), (abi_minor),                         \
           RT__PP_NARG(__VA_ARGS__), 0, RT__NOTE_OFF(id, s_name),             \
           RT__NOTE_OFF(id, s_version), RT__NOTE_OFF(id, s_description)},     \
          RT__FOR_EACH(RT__PLUGIN_NOTE_ENTRY_INIT, id, __VA_ARGS__) name,     \
          version,                                                            \
          description,                                                        \
          RT__FOR_EACH(RT__PLUGIN_NOTE_STR_INIT, id, __VA_ARGS__)};

#define RT__NOTE_OFF(id, member)                                              \
  (uint32_t)(offsetof(struct id##_note, member) -                             \
             offsetof(struct id##_note, h))
#define RT__PLUGIN_NOTE_ENTRY_DECL(id, fn, sig, doc)                          \
  struct rt_plugin_note_export e_##fn;
#define RT__PLUGIN_NOTE_STR_DECL(id, fn, sig, doc)                            \
  char n_##fn[sizeof(#fn)];                                                   \
  char g_##fn[sizeof(sig)];                                                   \
  char d_##fn[sizeof(doc)];
#define RT__PLUGIN_NOTE_ENTRY_INIT(id, fn, sig, doc)                          \
  {RT__NOTE_OFF(id, n_##fn), RT__NOTE_OFF(id, g_##fn),                        \
   RT__NOTE_OFF(id, d_##fn)},
#define RT__PLUGIN_NOTE_STR_INIT(id, fn, sig, doc) #fn, sig, doc,

/* RT__FOR_EACH(m, c, (a, b, c), ...): m(c, a, b, c) for each tuple. */
#define RT__PP_NARG(...) RT__PP_NARG_(__VA_ARGS__, RT__PP_RSEQ)
#define RT__PP_NARG_(...) RT__PP_ARG_N(__VA_ARGS__)
#define RT__PP_ARG_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32, _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47, _48, _49, _50, _51, _52, _53, _54, _55, _56, _57, _58, _59, _60, _61, _62, _63, _64, N, ...) N
#define RT__PP_RSEQ 64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
#define RT__PP_CAT(a, b) RT__PP_CAT_(a, b)
#define RT__PP_CAT_(a, b) a##b
#define RT__PP_UNPAREN(...) __VA_ARGS__
#define RT__PP_APPLY(m, c, t) RT__PP_APPLY_(m, c, RT__PP_UNPAREN t)
#define RT__PP_APPLY_(m, ...) m(__VA_ARGS__)
#define RT__FOR_EACH(m, c, ...) \
  RT__PP_CAT(RT__FE_, RT__PP_NARG(__VA_ARGS__))(m, c, __VA_ARGS__)
#define RT__FE_1(m, c, x) RT__PP_APPLY(m, c, x)
#define RT__FE_2(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_1(m, c, __VA_ARGS__)
#define RT__FE_3(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_2(m, c, __VA_ARGS__)
#define RT__FE_4(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_3(m, c, __VA_ARGS__)
#define RT__FE_5(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_4(m, c, __VA_ARGS__)
#define RT__FE_6(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_5(m, c, __VA_ARGS__)
#define RT__FE_7(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_6(m, c, __VA_ARGS__)
#define RT__FE_8(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_7(m, c, __VA_ARGS__)
#define RT__FE_9(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_8(m, c, __VA_ARGS__)
#define RT__FE_10(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_9(m, c, __VA_ARGS__)
#define RT__FE_11(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_10(m, c, __VA_ARGS__)
#define RT__FE_12(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_11(m, c, __VA_ARGS__)
#define RT__FE_13(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_12(m, c, __VA_ARGS__)
#define RT__FE_14(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_13(m, c, __VA_ARGS__)
#define RT__FE_15(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_14(m, c, __VA_ARGS__)
#define RT__FE_16(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_15(m, c, __VA_ARGS__)
#define RT__FE_17(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_16(m, c, __VA_ARGS__)
#define RT__FE_18(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_17(m, c, __VA_ARGS__)
#define RT__FE_19(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_18(m, c, __VA_ARGS__)
#define RT__FE_20(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_19(m, c, __VA_ARGS__)
#define RT__FE_21(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_20(m, c, __VA_ARGS__)
#define RT__FE_22(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_21(m, c, __VA_ARGS__)
#define RT__FE_23(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_22(m, c, __VA_ARGS__)
#define RT__FE_24(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_23(m, c, __VA_ARGS__)
#define RT__FE_25(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_24(m, c, __VA_ARGS__)
#define RT__FE_26(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_25(m, c, __VA_ARGS__)
#define RT__FE_27(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_26(m, c, __VA_ARGS__)
#define RT__FE_28(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_27(m, c, __VA_ARGS__)
#define RT__FE_29(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_28(m, c, __VA_ARGS__)
#define RT__FE_30(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_29(m, c, __VA_ARGS__)
#define RT__FE_31(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_30(m, c, __VA_ARGS__)
#define RT__FE_32(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_31(m, c, __VA_ARGS__)
#define RT__FE_33(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_32(m, c, __VA_ARGS__)
#define RT__FE_34(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_33(m, c, __VA_ARGS__)
#define RT__FE_35(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_34(m, c, __VA_ARGS__)
#define RT__FE_36(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_35(m, c, __VA_ARGS__)
#define RT__FE_37(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_36(m, c, __VA_ARGS__)
#define RT__FE_38(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_37(m, c, __VA_ARGS__)
#define RT__FE_39(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_38(m, c, __VA_ARGS__)
#define RT__FE_40(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_39(m, c, __VA_ARGS__)
#define RT__FE_41(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_40(m, c, __VA_ARGS__)
#define RT__FE_42(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_41(m, c, __VA_ARGS__)
#define RT__FE_43(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_42(m, c, __VA_ARGS__)
#define RT__FE_44(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_43(m, c, __VA_ARGS__)
#define RT__FE_45(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_44(m, c, __VA_ARGS__)
#define RT__FE_46(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_45(m, c, __VA_ARGS__)
#define RT__FE_47(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_46(m, c, __VA_ARGS__)
#define RT__FE_48(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_47(m, c, __VA_ARGS__)
#define RT__FE_49(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_48(m, c, __VA_ARGS__)
#define RT__FE_50(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_49(m, c, __VA_ARGS__)
#define RT__FE_51(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_50(m, c, __VA_ARGS__)
#define RT__FE_52(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_51(m, c, __VA_ARGS__)
#define RT__FE_53(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_52(m, c, __VA_ARGS__)
#define RT__FE_54(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_53(m, c, __VA_ARGS__)
#define RT__FE_55(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_54(m, c, __VA_ARGS__)
#define RT__FE_56(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_55(m, c, __VA_ARGS__)
#define RT__FE_57(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_56(m, c, __VA_ARGS__)
#define RT__FE_58(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_57(m, c, __VA_ARGS__)
#define RT__FE_59(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_58(m, c, __VA_ARGS__)
#define RT__FE_60(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_59(m, c, __VA_ARGS__)
#define RT__FE_61(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_60(m, c, __VA_ARGS__)
#define RT__FE_62(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_61(m, c, __VA_ARGS__)
#define RT__FE_63(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_62(m, c, __VA_ARGS__)
#define RT__FE_64(m, c, x, ...) RT__PP_APPLY(m, c, x) RT__FE_63(m, c, __VA_ARGS__)

RT_END_DECLS

#endif /* RUNTIME_PLUGIN_H */
