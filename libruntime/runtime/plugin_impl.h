/*
 * runtime/plugin_impl.h — how RT_PLUGIN, RT_EXPORT and RT_PLUGIN_HOOKS
 * (runtime/plugin.h) expand.  Nothing here is API: names may change in
 * any release.  Included by runtime/plugin.h; do not include it directly.
 */
#ifndef RUNTIME_PLUGIN_IMPL_H
#define RUNTIME_PLUGIN_IMPL_H

#ifndef RUNTIME_PLUGIN_H
#error "include <runtime.h>, not <runtime/plugin_impl.h>"
#endif

#ifdef __cplusplus
#include <type_traits>
#endif

/* ---- what differs between C and C++ ---- */

#ifndef __cplusplus

/* The hooks object of plugin ID is a tentative definition, so
 * RT_PLUGIN_HOOKS may come before or after and leaving it out gives
 * all-zero hooks. */
#define RT__PLUGIN_EXPORTED RT_API
#define RT__PLUGIN_HOOKS_DECL(id)                                             \
  static const struct rt_plugin_hooks id##_hooks;
#define RT__PLUGIN_HOOKS_DEF(id, init_fn, fini_fn, hook_flags)                \
  static const struct rt_plugin_hooks id##_hooks = {init_fn, fini_fn,         \
                                                    hook_flags}
#define RT__PLUGIN_HOOKS_REF(id) (&id##_hooks)

/* Only a function designator decays to the same type as its address:
 * an object, array or function pointer does not (and still compiles, so
 * the assertion's message is what the author sees). */
#define RT__PLUGIN_CHECK_EXPORT(id, fn, sig, doc)                             \
  _Static_assert(__builtin_types_compatible_p(__typeof__(0 ? (fn) : (fn)),    \
                                              __typeof__(&(fn))),             \
                 "RT_EXPORT(" #fn ", ...): " #fn " is not a function");

#else /* C++ */

/* C++ has no tentative definitions: the hooks of plugin ID live in a
 * zero-initialised slot, one per tag type, that RT_PLUGIN_HOOKS fills in
 * from a static initialiser (run by dlopen before the loader reads them).
 * The anonymous namespace keeps the slot out of the plugin's exports. */
namespace {
template <class Tag> struct rt__plugin_hooks_slot {
  static struct rt_plugin_hooks value;
};
template <class Tag>
struct rt_plugin_hooks rt__plugin_hooks_slot<Tag>::value = {0, 0, 0};
} /* namespace */

#define RT__PLUGIN_EXPORTED extern "C" RT_API
#define RT__PLUGIN_HOOKS_DECL(id) struct id##_hooks_tag;
#define RT__PLUGIN_HOOKS_DEF(id, init_fn, fini_fn, hook_flags)                \
  struct id##_hooks_tag;                                                      \
  static const bool id##_hooks_set __attribute__((used)) =                   \
      (rt__plugin_hooks_slot<id##_hooks_tag>::value =                         \
           rt_plugin_hooks{init_fn, fini_fn, (uint32_t)(hook_flags)},         \
       true)
#define RT__PLUGIN_HOOKS_REF(id) (&rt__plugin_hooks_slot<id##_hooks_tag>::value)

#define RT__PLUGIN_CHECK_EXPORT(id, fn, sig, doc)                             \
  static_assert(std::is_function<decltype(fn)>::value,                      \
                "RT_EXPORT(" #fn ", ...): " #fn " is not a function");

#endif /* __cplusplus */

/* ---- the descriptor and its export table ---- */

#define RT__PLUGIN_DESCRIPTOR(linkage, var, id, name, version, description,  \
                              abi_major, abi_minor, ...)                      \
  RT__FOR_EACH(RT__PLUGIN_CHECK_EXPORT, id, __VA_ARGS__)                      \
  RT__PLUGIN_HOOKS_DECL(id)                                                   \
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
          RT__PLUGIN_HOOKS_REF(id),                                           \
          id##_exports,                                                       \
          rt_abi_version}

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

#endif /* RUNTIME_PLUGIN_IMPL_H */
