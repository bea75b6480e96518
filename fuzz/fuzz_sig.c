/*
 * fuzz_sig.c — libFuzzer target for signature strings (rt_sig_parse).
 *
 * Property: any input either fails with RT_ESIG and a message, or parses to
 * a signature whose canonical text parses again to the same canonical text.
 */
#include <runtime.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = rt_strndup((const char *)data, size);
  if (text == NULL)
    return 0;
  rt_sig *sig = NULL;
  int rc = rt_sig_parse(text, &sig);
  if (rc < 0) {
    if (rt_last_error()[0] == '\0')
      abort(); /* every failure must explain itself */
  } else {
    rt_sig *again = NULL;
    if (rt_sig_parse(rt_sig_text(sig), &again) < 0)
      abort();
    if (strcmp(rt_sig_text(sig), rt_sig_text(again)) != 0)
      abort();
    rt_sig_free(again);
    rt_sig_free(sig);
  }
  rt_free(text);
  return 0;
}
