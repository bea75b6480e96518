/* mismatch.c — a test plugin whose descriptor and manifest disagree on the
 * version, as a file patched after the build would. */
#include <runtime.h>

static int32_t one(void) { return 1; }

RT__PLUGIN_MANIFEST(rt__plugin, "mismatch", "1.0.0", "Mismatched",
                    RT_ABI_MAJOR, RT_ABI_MINOR,
                    RT_EXPORT(one, "() -> i32", "1"))
RT__PLUGIN_DESCRIPTOR(RT_API, rt_plugin_descriptor, rt__plugin, "mismatch",
                      "1.0.1", "Mismatched", RT_ABI_MAJOR, RT_ABI_MINOR,
                      RT_EXPORT(one, "() -> i32", "1"));
