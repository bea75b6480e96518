/* nodesc.c — a test plugin with a manifest but no descriptor. */
#include <runtime.h>

int32_t nodesc_one(void);
int32_t nodesc_one(void) { return 1; }

RT__PLUGIN_MANIFEST(rt__plugin, "nodesc", "1.0", "No descriptor",
                    RT_ABI_MAJOR, RT_ABI_MINOR,
                    RT_EXPORT(nodesc_one, "() -> i32", "1"))
