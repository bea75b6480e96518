/*
 * stats.c — the --stats report (and the shell's `stats`): the one heap and
 * the one IO layer as seen from the host, after the plugins have used them.
 */
#include "rthost.h"

#include <string.h>

static int add_name(rt_module *m, void *ctx)
{
  rt_buf *names = ctx;
  if (names->len > 0)
    (void)rt_buf_append_str(names, ", ");
  (void)rt_buf_append_str(names, rt_module_name(m));
  return 0;
}

static void print_heap(rt_stream *s, const rthost *h)
{
  struct rt_heap_stats hs;
  (void)rt_heap_stats(&hs);
  rt_printf(s,
            "stats: heap: %llu allocations, %llu frees, %zu blocks live "
            "(%zu bytes), peak %zu bytes, %zu bytes mapped\n",
            (unsigned long long)hs.total_allocs,
            (unsigned long long)hs.total_frees, hs.live_blocks, hs.live_bytes,
            hs.peak_bytes, hs.mapped_bytes);
}

/* What shows that plugins and host share the heap: allocations made while
 * plugin code ran, and strings plugins returned that the host freed, each
 * checked with rt_heap_owns() first. */
static void print_plugins(rt_stream *s, const rthost *h)
{
  rt_buf names = RT_BUF_INIT;
  (void)rt_module_foreach(add_name, &names);
  rt_printf(s, "stats: plugins: %zu loaded (%s); %llu calls\n",
            rt_module_count(), names.len ? names.data : "none",
            (unsigned long long)h->calls);
  if (h->stats)
    rt_printf(s,
              "stats: one heap: %llu allocations were made inside plugin "
              "calls; %llu strings returned by plugins were freed by "
              "rthost, %llu of them recognised by rt_heap_owns()\n",
              (unsigned long long)h->call_allocs,
              (unsigned long long)h->plugin_strs,
              (unsigned long long)h->plugin_strs_owned);
  rt_buf_free(&names);
}

static void print_io(rt_stream *s)
{
  struct rt_io_stats io;
  (void)rt_io_stats(&io);
  rt_printf(s,
            "stats: io: %llu bytes written through the shared streams, "
            "%llu flushes to descriptors, %llu bytes read, %llu write "
            "errors, %llu streams open\n",
            (unsigned long long)io.bytes_written,
            (unsigned long long)io.flushes, (unsigned long long)io.bytes_read,
            (unsigned long long)io.write_errors,
            (unsigned long long)io.streams_open);
}

void rthost_print_stats(const rthost *h, rt_stream *s)
{
  /* Whatever the host and plugins printed comes first. */
  if (s != rt_stdout())
    (void)rt_flush(rt_stdout());
  print_heap(s, h);
  print_plugins(s, h);
  print_io(s);
}
