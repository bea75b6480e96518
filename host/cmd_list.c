/*
 * cmd_list.c — `rthost list` and `rthost info`: what plugins there are,
 * read from the manifest note of each file.  No plugin is loaded and none
 * of its code runs.
 */
#include "rthost.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Text output shows plugin metadata with its control characters escaped
 * (rthost_esc): a manifest is untrusted input and must not drive the
 * terminal. */
static size_t width_of(const rt_manifest *m, bool sig)
{
  size_t w = 0;
  for (size_t i = 0; i < m->nexports; i++) {
    size_t n = strlen(rthost_esc(sig ? m->exports[i].sig : m->exports[i].name));
    w = n > w ? n : w;
  }
  return w;
}

static void print_exports(const rt_manifest *m)
{
  int wn = (int)width_of(m, false), ws = (int)width_of(m, true);
  for (size_t i = 0; i < m->nexports; i++) {
    const rt_manifest_export *e = &m->exports[i];
    rthost_print("    %-*s %-*s  %s\n", wn, rthost_esc(e->name), ws,
                 rthost_esc(e->sig), rthost_esc(e->doc));
  }
}

static void print_manifest(const rt_manifest *m)
{
  rthost_print("%s %s (ABI %u.%u)  %s\n    %s\n", rthost_esc(m->name),
               rthost_esc(m->version), m->abi_major, m->abi_minor,
               rthost_esc(m->path), rthost_esc(m->description));
  print_exports(m);
}

static void print_entry(const rt_manifest_entry *e)
{
  if (e->manifest != NULL)
    print_manifest(e->manifest);
  if (e->status != 0)
    rthost_print("%s%s: refused (%s): %s\n", e->manifest ? "    " : "",
                 rthost_esc(e->path), rt_err_name(e->status),
                 rthost_esc(e->reason));
}

/* list --names: each plugin name, then each PLUGIN.FUNCTION, one a line
 * (for completion). */
static void print_names(const rt_manifest_entry *e)
{
  const rt_manifest *m = e->manifest;
  if (e->status != 0 || m == NULL)
    return;
  rthost_print("%s\n", rthost_esc(m->name));
  for (size_t i = 0; i < m->nexports; i++)
    rthost_print("%s.%s\n", rthost_esc(m->name),
                 rthost_esc(m->exports[i].name));
}

static void json_manifest(rthost_json *j, const rt_manifest *m)
{
  char abi[24];
  snprintf(abi, sizeof abi, "%u.%u", m->abi_major, m->abi_minor);
  rthost_json_key(j, "name");
  rthost_json_string(j, m->name);
  rthost_json_key(j, "version");
  rthost_json_string(j, m->version);
  rthost_json_key(j, "abi");
  rthost_json_string(j, abi);
  rthost_json_key(j, "description");
  rthost_json_string(j, m->description);
  rthost_json_key(j, "exports");
  rthost_json_array(j);
  for (size_t i = 0; i < m->nexports; i++) {
    rthost_json_object(j);
    rthost_json_key(j, "name");
    rthost_json_string(j, m->exports[i].name);
    rthost_json_key(j, "signature");
    rthost_json_string(j, m->exports[i].sig);
    rthost_json_key(j, "doc");
    rthost_json_string(j, m->exports[i].doc);
    rthost_json_end_object(j);
  }
  rthost_json_end_array(j);
}

/* One plugin file as a JSON object: "ok", the manifest if it could be
 * read, the error's name and reason if it was refused. */
void rthost_json_plugin(rthost_json *j, const char *path, int status,
                        const char *reason, const rt_manifest *m)
{
  rthost_json_object(j);
  if (j->depth == 1) {
    rthost_json_key(j, "schema");
    rthost_json_int(j, RTHOST_JSON_SCHEMA);
  }
  rthost_json_key(j, "path");
  rthost_json_string(j, path);
  rthost_json_key(j, "ok");
  rthost_json_bool(j, status == 0);
  if (m != NULL)
    json_manifest(j, m);
  if (status != 0) {
    rthost_json_key(j, "error");
    rthost_json_string(j, rt_err_name(status));
    rthost_json_key(j, "reason");
    rthost_json_string(j, reason);
  }
  rthost_json_end_object(j);
}

/* List directory DIR.  A directory named on the command line must exist;
 * one of the default search path may be missing. */
static int list_dir(rthost *h, rthost_json *j, const char *dir, bool named,
                    size_t *found)
{
  rt_manifest_list *list;
  int rc = rt_module_scan(dir, 0, &list);
  if (rc != 0) {
    if (!named && (rc == RT_ENOENT || rc == RT_ENOTDIR))
      return RTHOST_OK;
    return rthost_error_rt(dir, RTHOST_EUSAGE);
  }
  int status = RTHOST_OK;
  for (size_t i = 0; i < list->count; i++) {
    const rt_manifest_entry *e = &list->entries[i];
    /* A file that could not be read for want of descriptors or memory
     * is not refused: the listing failed (exit 1), said on stderr (and
     * in the JSON document's entry, with its code). */
    if (e->status != 0 && e->manifest == NULL &&
        (rthost_is_sysfail(e->status) || e->status == RT_ENOMEM)) {
      rthost_error(rthost_esc(e->path), "%s", rthost_esc(e->reason));
      status = RTHOST_EFAIL;
      if (j == NULL)
        continue;
    }
    if (j != NULL)
      rthost_json_plugin(j, e->path, e->status, e->reason, e->manifest);
    else if (h->names)
      print_names(e);
    else
      print_entry(e);
  }
  *found += list->count;
  rt_manifest_list_free(list);
  return status;
}

/* Nothing found is no error, but is said on stderr (stdout stays empty,
 * or the JSON document's list). */
static void say_nothing_found(size_t nargs)
{
  (void)rt_flush(rt_stdout());
  (void)rt_puts(rt_stderr(),
                nargs > 0 ? "rthost: list: no plugin files (*.so) in the "
                            "directories given\n"
                          : "rthost: list: no plugins on the search path; "
                            "add a directory with --plugin-path DIR or "
                            "RT_PLUGIN_PATH (rthost -v list shows the "
                            "path)\n");
}

static int list_dirs(rthost *h, rthost_json *j, char **args, size_t nargs)
{
  int status = RTHOST_OK;
  size_t found = 0;
  for (size_t i = 0; i < nargs; i++)
    status = rthost_max(status, list_dir(h, j, args[i], true, &found));
  rt_buf dirs = RT_BUF_INIT;
  if (nargs == 0 && rthost_search_dirs(h, &dirs) != 0) {
    rthost_oom("list");
    return RTHOST_EFAIL;
  }
  /* The --plugin-path directories come first; like the DIR arguments
   * they must exist. */
  size_t i = 0;
  for (const char *d = dirs.data; d != NULL && d < dirs.data + dirs.len;
       d += strlen(d) + 1) {
    if (h->verbose)
      rt_printf(rt_stderr(), "rthost: search: directory %s\n", rthost_esc(d));
    status = rthost_max(status, list_dir(h, j, d, i++ < h->ndirs, &found));
  }
  rt_buf_free(&dirs);
  if (found == 0 && status == RTHOST_OK)
    say_nothing_found(nargs);
  return status;
}

/* `list --names` is list's own option, not a global one. */
static size_t take_names_option(rthost *h, char **args, size_t nargs)
{
  size_t n = 0;
  h->names = false;
  for (size_t i = 0; i < nargs; i++) {
    if (strcmp(args[i], "--names") == 0)
      h->names = true;
    else
      args[n++] = args[i];
  }
  return n;
}

int rthost_cmd_list(rthost *h, char **args, size_t nargs)
{
  /* With --json the document has the names already: --names is moot. */
  nargs = take_names_option(h, args, nargs);
  if (!h->json)
    return list_dirs(h, NULL, args, nargs);
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init_list(&j, &doc);
  int status = list_dirs(h, &j, args, nargs);
  rthost_json_end_array(&j);
  rthost_json_end_object(&j);
  return rthost_max(status, rthost_emit_json(&j, &doc));
}

/* Find PLUGIN's manifest the way rt_module_load() finds the plugin: a path
 * as given, a name as NAME.so in each search directory, the first that
 * exists decides (as for loading).  On failure its refusal is reported,
 * or that none exists. */
static int find_manifest(rthost *h, const char *plugin, rt_manifest **out)
{
  if (rthost_is_path(plugin))
    return rt_manifest_read(plugin, 0, out);
  *out = NULL;
  rt_buf dirs = RT_BUF_INIT, file = RT_BUF_INIT, why = RT_BUF_INIT;
  int first = 0;
  if (rthost_search_dirs(h, &dirs) != 0)
    return RT_ENOMEM;
  for (const char *d = dirs.data;
       d < dirs.data + dirs.len && *out == NULL && first == 0;
       d += strlen(d) + 1) {
    rt_buf_clear(&file);
    (void)rt_buf_printf(&file, "%s/%s.so", d, plugin);
    int rc = rt_manifest_read(rt_buf_cstr(&file), 0, out);
    if (rc != 0 && rc != RT_ENOENT && first == 0) {
      first = rc;
      (void)rt_buf_append_str(&why, rt_last_error());
    }
  }
  int rc = *out != NULL ? 0 : first;
  if (rc != 0)
    rt_set_error(rc, "%s", rt_buf_cstr(&why));
  else if (*out == NULL)
    rc = rt_set_error(RT_ENOTFOUND,
                      "no plugin '%s' (%s.so) on the search "
                      "path; add its directory with --plugin-path DIR or "
                      "RT_PLUGIN_PATH",
                      plugin, plugin);
  rt_buf_free(&dirs);
  rt_buf_free(&file);
  rt_buf_free(&why);
  return rc;
}

static void print_info(const rt_manifest *m, const char *path)
{
  unsigned abi = rt_abi_version();
  bool fits = m->abi_major == abi >> 16 && m->abi_minor <= (abi & 0xffff);
  rthost_print("name:        %s\nversion:     %s\ndescription: %s\n"
               "path:        %s\nABI:         %u.%u (%s this runtime's "
               "%u.%u)\nexports:     %zu\n",
               rthost_esc(m->name), rthost_esc(m->version),
               rthost_esc(m->description), rthost_esc(path), m->abi_major,
               m->abi_minor, fits ? "fits" : "does NOT fit", abi >> 16,
               abi & 0xffff, m->nexports);
  print_exports(m);
}

int rthost_cmd_info(rthost *h, char **args, size_t nargs)
{
  if (nargs != 1) {
    rthost_error("info", "expected one PLUGIN (a name or a path to a .so)");
    return RTHOST_EUSAGE;
  }
  rt_manifest *m = NULL;
  rthost_trace_search(h, args[0]);
  if (find_manifest(h, args[0], &m) != 0)
    return rthost_load_error(h, args[0]);
  /* The absolute path, as `load` shows it. */
  char *abs = realpath(m->path, NULL);
  const char *path = abs != NULL ? abs : m->path;
  int status = RTHOST_OK;
  if (h->json) {
    rt_buf doc = RT_BUF_INIT;
    rthost_json j;
    rthost_json_init(&j, &doc);
    rthost_json_plugin(&j, path, 0, NULL, m);
    status = rthost_emit_json(&j, &doc);
  } else {
    print_info(m, path);
  }
  free(abs);
  rt_manifest_free(m);
  return status;
}
