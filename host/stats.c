/*
 * stats.c — the --stats report (and the shell's `stats`): the one heap and
 * the one IO layer as seen from the host, after the plugins have used them.
 */
#include "rthost.h"
#include "json.h"

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

static int add_json_name(rt_module *m, void *ctx)
{
  rthost_json_string(ctx, rt_module_name(m));
  return 0;
}

static void json_u64(rthost_json *j, const char *key, uint64_t v)
{
  rthost_json_key(j, key);
  rthost_json_uint(j, v);
}

int rthost_stats_json(const rthost *h)
{
  struct rt_heap_stats hs;
  struct rt_io_stats io;
  (void)rt_heap_stats(&hs);
  (void)rt_io_stats(&io);
  rt_buf doc = RT_BUF_INIT;
  rthost_json j;
  rthost_json_document(&j, &doc);
  rthost_json_key(&j, "heap");
  rthost_json_object(&j);
  json_u64(&j, "allocations", hs.total_allocs);
  json_u64(&j, "frees", hs.total_frees);
  json_u64(&j, "live_blocks", hs.live_blocks);
  json_u64(&j, "live_bytes", hs.live_bytes);
  json_u64(&j, "peak_bytes", hs.peak_bytes);
  json_u64(&j, "mapped_bytes", hs.mapped_bytes);
  rthost_json_end_object(&j);
  rthost_json_key(&j, "plugins");
  rthost_json_array(&j);
  (void)rt_module_foreach(add_json_name, &j);
  rthost_json_end_array(&j);
  json_u64(&j, "calls", h->calls);
  json_u64(&j, "call_allocations", h->call_allocs);
  json_u64(&j, "plugin_strings_freed", h->plugin_strs);
  json_u64(&j, "plugin_strings_owned", h->plugin_strs_owned);
  rthost_json_key(&j, "io");
  rthost_json_object(&j);
  json_u64(&j, "bytes_written", io.bytes_written);
  json_u64(&j, "flushes", io.flushes);
  json_u64(&j, "bytes_read", io.bytes_read);
  json_u64(&j, "write_errors", io.write_errors);
  json_u64(&j, "streams_open", io.streams_open);
  rthost_json_end_object(&j);
  rthost_json_end_object(&j);
  return rthost_emit_json(&j, &doc);
}
