/*
 * wc — line, word and byte counts of a file, read through an rt stream
 * (libruntime's buffered IO layer, the one the host uses too).
 */
#include <runtime.h>

struct counts {
  uint64_t lines, words, bytes;
  bool in_word;
};

static void count_bytes(struct counts *c, const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    bool space = p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r');
    c->lines += p[i] == '\n';
    c->words += !space && !c->in_word;
    c->in_word = !space;
  }
  c->bytes += n;
}

static int count_stream(rt_stream *s, struct counts *c)
{
  unsigned char chunk[RT_IO_BUFSIZE];
  size_t got;
  int rc;
  while ((rc = rt_read(s, chunk, sizeof chunk, &got)) == 0)
    count_bytes(c, chunk, got);
  return rc == RT_EOF ? 0 : rc;
}

/* "LINES WORDS BYTES PATH", as wc(1) prints it. */
static char *count(const char *path)
{
  rt_stream *s;
  struct counts c = {0};
  if (rt_stream_open(path, "r", &s) != 0)
    return NULL;
  int rc = count_stream(s, &c);
  int crc = rt_stream_close(s);
  if (rc != 0 || crc != 0)
    return NULL;
  char *text = NULL;
  if (rt_asprintf(&text, "%llu %llu %llu %s", (unsigned long long)c.lines,
                  (unsigned long long)c.words, (unsigned long long)c.bytes,
                  path) < 0)
    return NULL;
  /* Reaching the end of the file is not a failure. */
  rt_clear_error();
  return text;
}

RT_PLUGIN("wc", "1.0.0", "Line, word and byte counts through rt streams",
          RT_EXPORT(count, "(str) -> str",
                    "'LINES WORDS BYTES PATH' of a file, like wc(1)"));
