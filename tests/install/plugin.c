/* An out-of-tree plugin, built by tests/host/install_plugin.sh against the
 * installed libruntime with nothing but pkg-config's flags. */
#include <runtime.h>

#include <string.h>

static int64_t triple(int64_t x)
{
  return 3 * x;
}

static char *shout(const char *s)
{
  size_t n = strlen(s);
  char *out = rt_alloc(n + 2);
  if (out == NULL)
    return NULL;
  memcpy(out, s, n);
  memcpy(out + n, "!", 2);
  return out;
}

RT_PLUGIN("outoftree", "0.1.0", "Built outside the source tree",
          RT_EXPORT(triple, "(i64) -> i64", "three times x"),
          RT_EXPORT(shout, "(str) -> str", "the text with a '!'"));
