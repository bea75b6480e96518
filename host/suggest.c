/*
 * suggest.c — the names rthost knows, for "did you mean" hints and for
 * completion: commands, plugins on the search path, their functions.
 * Plugin names come from the manifests (rt_module_scan), so no plugin is
 * loaded to suggest or complete its name.
 */
#include "rthost.h"

#include <string.h>

/* Edit distance (insert, delete, substitute, swap of neighbours) between
 * A and B, stopping early above LIMIT. */
static size_t distance(const char *a, const char *b, size_t limit)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64)
    return limit + 1;
  size_t d[65][65];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = i;
  for (size_t k = 0; k <= lb; k++)
    d[0][k] = k;
  for (size_t i = 1; i <= la; i++)
    for (size_t k = 1; k <= lb; k++) {
      size_t best = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
      if (d[i - 1][k] + 1 < best)
        best = d[i - 1][k] + 1;
      if (d[i][k - 1] + 1 < best)
        best = d[i][k - 1] + 1;
      if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] &&
          d[i - 2][k - 2] + 1 < best)
        best = d[i - 2][k - 2] + 1;
      d[i][k] = best;
    }
  return d[la][lb];
}

void rthost_did_you_mean(const char *word, const char *const *cands, size_t n,
                         rt_buf *out)
{
  /* Near enough: a third of the word's length, at least one edit. */
  size_t limit = strlen(word) / 3 > 1 ? strlen(word) / 3 : 1;
  const char *best = NULL;
  size_t best_d = limit + 1;
  for (size_t i = 0; i < n; i++) {
    size_t d = distance(word, cands[i], limit);
    if (d < best_d && strcmp(word, cands[i]) != 0) {
      best = cands[i];
      best_d = d;
    }
  }
  if (best != NULL)
    (void)rt_buf_printf(out, "; did you mean '%s'?", best);
}

/* Append NAME (and with FUNCTIONS, NAME.F for each export) unless NAME is
 * there already: the first directory on the path decides, as for
 * loading. */
static int add_manifest(rt_buf *out, const rt_manifest *m, bool functions)
{
  for (const char *p = out->data; p != NULL && p < out->data + out->len;
       p += strlen(p) + 1)
    if (strcmp(p, m->name) == 0)
      return 0;
  int rc = rt_buf_append(out, m->name, strlen(m->name) + 1);
  for (size_t i = 0; rc == 0 && functions && i < m->nexports; i++) {
    rc = rt_buf_printf(out, "%s.%s", m->name, m->exports[i].name);
    if (rc >= 0)
      rc = rt_buf_append_char(out, '\0');
  }
  return rc < 0 ? rc : 0;
}

int rthost_plugin_names(const rthost *h, bool functions, rt_buf *out)
{
  rt_buf dirs = RT_BUF_INIT;
  int rc = rthost_search_dirs(h, &dirs);
  for (const char *d = dirs.data; rc == 0 && d != NULL &&
                                  d < dirs.data + dirs.len;
       d += strlen(d) + 1) {
    rt_manifest_list *list;
    if (rt_module_scan(d, 0, &list) != 0)
      continue;
    for (size_t i = 0; rc == 0 && i < list->count; i++)
      if (list->entries[i].status == 0)
        rc = add_manifest(out, list->entries[i].manifest, functions);
    rt_manifest_list_free(list);
  }
  rt_buf_free(&dirs);
  return rc;
}
