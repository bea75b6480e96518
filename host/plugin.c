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
  rthost_trace_search(h, plugin);
  if (rt_module_load(plugin, &mod) != 0)
    return rthost_load_error(h, plugin);
  if (h->verbose)
    rt_printf(rt_stderr(), "rthost: search: %s: loaded from %s\n",
              rthost_esc(plugin), rthost_esc(rt_module_path(mod)));
  size_t len = strlen(plugin);
  p = rt_alloc(sizeof *p + len + 1);
  if (p == NULL) {
    rthost_oom(plugin);
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

int rthost_load_error(const rthost *h, const char *plugin)
{
  int code = rt_last_error_code();
  rt_buf hint = RT_BUF_INIT, names = RT_BUF_INIT, why = RT_BUF_INIT;
  /* rthost_plugin_names leaves errors of its own: keep the load's. */
  (void)rt_buf_append_str(&why, rt_last_error());
  if (code == RT_ENOTFOUND && !rthost_is_path(plugin) &&
      rthost_plugin_names(h, false, &names) == 0) {
    size_t n = 0;
    const char *list[256];
    for (const char *p = names.data; p != NULL && p < names.data + names.len &&
                                     n < 256;
         p += strlen(p) + 1)
      list[n++] = p;
    rthost_did_you_mean(plugin, list, n, &hint);
  }
  rt_set_error(code, "%s", rt_buf_cstr(&why));
  rt_buf_free(&why);
  int status = rthost_error_rt_hint(plugin, RTHOST_ELOAD, rt_buf_cstr(&hint));
  rt_buf_free(&hint);
  rt_buf_free(&names);
  return status;
}

/* One candidate of the search, for -v; true if it answers to the name. */
static bool trace_candidate(const char *plugin, const char *file)
{
  rt_manifest *m = NULL;
  int rc = rt_manifest_read(file, 0, &m);
  if (rc == RT_ENOENT)
    rt_printf(rt_stderr(), "rthost: search: %s: %s: not there\n",
              rthost_esc(plugin), rthost_esc(file));
  else if (rc != 0)
    rt_printf(rt_stderr(), "rthost: search: %s: %s: refused (%s): %s\n",
              rthost_esc(plugin), rthost_esc(file), rt_err_name(rc),
              rthost_esc(rt_last_error()));
  else
    rt_printf(rt_stderr(),
              "rthost: search: %s: %s: answers (%s %s, ABI %u.%u); taken\n",
              rthost_esc(plugin), rthost_esc(file), rthost_esc(m->name),
              rthost_esc(m->version), m->abi_major, m->abi_minor);
  rt_manifest_free(m);
  return rc == 0;
}

void rthost_trace_search(const rthost *h, const char *plugin)
{
  if (!h->verbose)
    return;
  if (rthost_is_path(plugin)) {
    rt_printf(rt_stderr(), "rthost: search: %s: a path, opened as it is\n",
              rthost_esc(plugin));
    (void)trace_candidate(plugin, plugin);
    return;
  }
  rt_buf dirs = RT_BUF_INIT, file = RT_BUF_INIT;
  (void)rthost_search_dirs(h, &dirs);
  bool taken = false;
  for (const char *d = dirs.data; d != NULL && d < dirs.data + dirs.len;
       d += strlen(d) + 1) {
    rt_buf_clear(&file);
    if (rt_buf_printf(&file, "%s/%s.so", d, plugin) < 0)
      continue;
    if (taken)
      rt_printf(rt_stderr(), "rthost: search: %s: %s: not looked at (found "
                             "earlier)\n",
                rthost_esc(plugin), rthost_esc(rt_buf_cstr(&file)));
    else
      taken = trace_candidate(plugin, rt_buf_cstr(&file));
  }
  rt_buf_free(&dirs);
  rt_buf_free(&file);
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
