/* bench.c — the plugin bench_module loads a thousand times; the bench
 * patches the name (12 characters) to make each copy distinct. */
#include <runtime.h>

static int32_t add(int32_t a, int32_t b) { return a + b; }

RT_PLUGIN_HOOKS(NULL, NULL, RT_PLUGIN_UNLOAD_SAFE);
RT_PLUGIN("rtbench00000", "1.0", "Benchmark plugin",
          RT_EXPORT(add, "(i32, i32) -> i32", "sum"));
