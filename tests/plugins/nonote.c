/* nonote.c — a test plugin with a descriptor but no manifest note. */
#include <runtime.h>

static int32_t one(void) { return 1; }

RT__PLUGIN_DESCRIPTOR(RT_API, rt_plugin_descriptor, rt__plugin, "nonote",
                      "1.0", "No manifest", RT_ABI_MAJOR, RT_ABI_MINOR,
                      RT_EXPORT(one, "() -> i32", "1"));
