/*
 * plugin.c — the plugins this rthost process has loaded, and the plugin
 * search path as rthost shows it.
 *
 * The loader keeps its own registry; rthost keeps a short list of what it
 * asked for by which word, so that the shell's thousandth
 * `call mathx.add ...` does not walk the search path again.
 */
#include "rthost.h"

#include <string.h>

struct rthost_plugin {
  rthost_plugin *next;
  rt_module *mod;
  char key[]; /* the PLUGIN word it was loaded by: a name or a path */
};

static rthost_plugin *lookup(rthost *h, const char *key)
{
  for (rthost_plugin *p = h->plugins; p != NULL; p = p->next)
    if (strcmp(p->key, key) == 0)
      return p;
  return NULL;
}

int rthost_plugin_get(rthost *h, const char *plugin, rt_module **out)
{
  rthost_plugin *p = lookup(h, plugin);
  if (p != NULL) {
    *out = p->mod;
    return RTHOST_OK;
  }
  rt_module *mod;
  if (rt_module_load(plugin, &mod) != 0) {
    rthost_error(plugin, "%s", rt_last_error());
    return RTHOST_ELOAD;
  }
  size_t len = strlen(plugin);
  p = rt_alloc(sizeof *p + len + 1);
  if (p == NULL) {
    rthost_error(plugin, "%s", rt_last_error());
    (void)rt_module_close(mod);
    return RTHOST_EFAIL;
  }
  memcpy(p->key, plugin, len + 1);
  p->mod = mod;
  p->next = h->plugins;
  h->plugins = p;
  *out = mod;
  return RTHOST_OK;
}

void rthost_unload_all(rthost *h)
{
  while (h->plugins != NULL) {
    rthost_plugin *p = h->plugins;
    h->plugins = p->next;
    /* A module is only busy while a call is in flight; none is now. */
    (void)rt_module_close(p->mod);
    rt_free(p);
  }
}

/* Append DIR (N bytes) to DIRS unless it is there already. */
static int add_dir(rt_buf *dirs, const char *dir, size_t n)
{
  for (const char *d = dirs->data; d != NULL && d < dirs->data + dirs->len;
       d += strlen(d) + 1)
    if (strlen(d) == n && memcmp(d, dir, n) == 0)
      return 0;
  if (rt_buf_append(dirs, dir, n) != 0 || rt_buf_append_char(dirs, '\0') != 0)
    return RT_ENOMEM;
  return 0;
}

/* Append the colon-separated directories of LIST, skipping empty ones. */
static int add_path_list(rt_buf *dirs, const char *list)
{
  while (list != NULL && *list != '\0') {
    size_t n = strcspn(list, ":");
    if (n > 0 && add_dir(dirs, list, n) != 0)
      return RT_ENOMEM;
    list += n + (list[n] == ':');
  }
  return 0;
}

int rthost_search_dirs(const rthost *h, rt_buf *dirs)
{
  for (size_t i = 0; i < h->ndirs; i++)
    if (add_dir(dirs, h->dirs[i], strlen(h->dirs[i])) != 0)
      return RT_ENOMEM;
  if (add_path_list(dirs, rt_getenv("RT_PLUGIN_PATH")) != 0)
    return RT_ENOMEM;
  const char *installed = rt_module_plugindir();
  return add_dir(dirs, installed, strlen(installed));
}

bool rthost_is_path(const char *plugin)
{
  return strchr(plugin, '/') != NULL || rt_str_has_suffix(plugin, ".so");
}
