/* abi.c — a test plugin claiming ABI PLUGIN_ABI_MAJOR.PLUGIN_ABI_MINOR,
 * built twice: a wrong major and a minor newer than this runtime's. */
#include <runtime.h>

static int32_t one(void) { return 1; }

RT__PLUGIN_MANIFEST(rt__plugin, PLUGIN_NAME, "1.0", "Wrong ABI",
                    PLUGIN_ABI_MAJOR, PLUGIN_ABI_MINOR,
                    RT_EXPORT(one, "() -> i32", "1"))
RT__PLUGIN_DESCRIPTOR(RT_API, rt_plugin_descriptor, rt__plugin, PLUGIN_NAME,
                      "1.0", "Wrong ABI", PLUGIN_ABI_MAJOR, PLUGIN_ABI_MINOR,
                      RT_EXPORT(one, "() -> i32", "1"));
