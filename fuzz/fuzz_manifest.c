/*
 * fuzz_manifest.c — libFuzzer target for the plugin manifest reader: whole
 * files as rt_manifest_parse() sees them (ELF header, program headers,
 * notes, the manifest's string table, and every export's signature).
 *
 * Property: any image is refused with a status and a message, or yields a
 * manifest whose strings are all NUL-terminated and readable.
 */
#include <runtime.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  rt_manifest *m = NULL;
  int rc = rt_manifest_parse(data, size, "fuzz.so", &m);
  if (rc < 0) {
    if (m != NULL || rt_last_error()[0] == '\0')
      abort();
    return 0;
  }
  size_t total = strlen(m->name) + strlen(m->version) +
                 strlen(m->description);
  for (size_t i = 0; i < m->nexports; i++) {
    rt_sig *sig = NULL;
    total += strlen(m->exports[i].name) + strlen(m->exports[i].doc);
    if (rt_sig_parse(m->exports[i].sig, &sig) < 0)
      abort(); /* the reader promised every signature parses */
    rt_sig_free(sig);
  }
  if (total > size)
    abort(); /* strings cannot be longer than the image they came from */
  rt_manifest_free(m);
  return 0;
}
