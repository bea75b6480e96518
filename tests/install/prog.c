/* An application outside the source tree, built with pkg-config only. */
#include <runtime.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
  char *s = rt_strdup("installed");
  if (s == NULL || strcmp(s, "installed") != 0)
    return 1;
  rt_free(s);
  printf("libruntime %s\n", rt_version_string());
  return 0;
}
