/*
 * cmd_check.c — `rthost check FILE...`: every check the loader makes
 * (trust, ELF, manifest, ABI, dlopen with unresolved symbols, descriptor,
 * same runtime), without running the plugin's init hook or keeping it.
 */
#include "rthost.h"
#include "json.h"

/* Check PATH; on success also read its manifest, for the report.  Returns
 * 0 or the refusal's code, with the reason as the last error. */
static int check_one(const char *path, rt_manifest **m)
{
  *m = NULL;
  int rc = rt_module_check(path, 0);
  if (rc == 0)
    rc = rt_manifest_read(path, 0, m);
  return rc;
}

static void report_text(const char *path, int rc, const rt_manifest *m)
{
  if (rc == 0)
    rthost_print("%s: ok: %s %s, %zu export%s\n", path, m->name, m->version,
                 m->nexports, m->nexports == 1 ? "" : "s");
}

int rthost_cmd_check(rthost *h, char **args, size_t nargs)
{
  if (nargs == 0) {
    rthost_error("check", "expected one or more plugin FILEs");
    return RTHOST_EUSAGE;
  }
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_init_list(&j, &doc);
  int status = RTHOST_OK;
  for (size_t i = 0; i < nargs; i++) {
    rt_manifest *m;
    rt_buf why = RT_BUF_INIT;
    int rc = check_one(args[i], &m);
    if (rc != 0) {
      (void)rt_buf_append_str(&why, rt_last_error());
      rthost_error(args[i], "%s", rt_buf_cstr(&why));
      status =
          rthost_max(status, rc == RT_ENOMEM ? RTHOST_EFAIL : RTHOST_ELOAD);
    }
    if (h->json)
      rthost_json_plugin(&j, args[i], rc, rt_buf_cstr(&why), m);
    else
      report_text(args[i], rc, m);
    rt_manifest_free(m);
    rt_buf_free(&why);
  }
  rthost_json_end_array(&j);
  rthost_json_end_object(&j);
  if (h->json)
    status = rthost_max(status, rthost_emit_json(&j, &doc));
  rt_buf_free(&doc);
  return status;
}
