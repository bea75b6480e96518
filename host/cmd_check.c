/*
 * cmd_check.c — `rthost check FILE...`: every check the loader makes
 * (trust, ELF, manifest, ABI, dlopen with unresolved symbols, descriptor,
 * same runtime), without running the plugin's init hook or keeping it.
 *
 * dlopen runs a plugin's ELF constructors, so the load stage of each file
 * runs in a child process (as GStreamer's plugin scanner does): a
 * constructor that crashes, aborts, calls exit() or hangs (past --timeout)
 * gets its file refused, and the other files are still checked.  No plugin
 * code runs in the check process; its report comes from the manifest,
 * read without loading.  A child's stdout goes to stderr, so that what a
 * constructor prints cannot mix with the report (or the JSON document).
 */
#include "rthost.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* In the child: the load stage of PATH.  The outcome goes back as the
 * message: the code in decimal, a space, the reason. */
static int check_in_child(rthost *h, void *ctx, rt_buf *msg)
{
  (void)h;
  (void)dup2(STDERR_FILENO, STDOUT_FILENO);
  int rc = rt_module_check(ctx, 0);
  (void)rt_buf_printf(msg, "%d %s", rc, rc != 0 ? rt_last_error() : "");
  return RTHOST_OK;
}

/* The load stage's code, with the reason as the last error. */
static int load_stage(rthost *h, const char *path)
{
  rt_buf msg = RT_BUF_INIT, why = RT_BUF_INIT;
  int st = rthost_in_child(h, check_in_child, (void *)path, &msg, &why);
  int rc;
  if (st == RTHOST_CHILD_DIED) {
    rc = rt_set_error(RT_EDLOPEN,
                      "refused: loading it %s (in the check's child "
                      "process); the plugin's ELF constructors ran there",
                      rt_buf_cstr(&why));
  } else if (st == RTHOST_CHILD_SYSFAIL) {
    rc = rt_last_error_code();
  } else {
    char *space = NULL;
    const char *text = rt_buf_cstr(&msg);
    long code = strtol(text, &space, 10);
    rc = (int)code;
    if (rc != 0)
      rt_set_error(rc, "%s", *space == ' ' ? space + 1 : "refused");
  }
  rt_buf_free(&msg);
  rt_buf_free(&why);
  return rc;
}

/* Check PATH; on success also read its manifest, for the report.  Returns
 * 0 or the refusal's code, with the reason as the last error.  The
 * manifest is read first: files refused there never reach dlopen. */
static int check_one(rthost *h, const char *path, rt_manifest **m)
{
  *m = NULL;
  int rc = rt_manifest_read(path, 0, m);
  if (rc == 0)
    rc = load_stage(h, path);
  if (rc != 0) {
    rt_manifest_free(*m);
    *m = NULL;
  }
  return rc;
}

static void report_text(const char *path, int rc, const rt_manifest *m)
{
  if (rc == 0)
    rthost_print("%s: ok: %s %s, %zu export%s\n", rthost_esc(path),
                 rthost_esc(m->name), rthost_esc(m->version), m->nexports,
                 m->nexports == 1 ? "" : "s");
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
    int rc = check_one(h, args[i], &m);
    if (rc != 0) {
      (void)rt_buf_append_str(&why, rt_last_error());
      status = rthost_max(status, rthost_error_rt(args[i], RTHOST_ELOAD));
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
