/* json.c — the JSON writer of rthost --json (see json.h). */
#include "json.h"

#include <ctype.h>
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

void rthost_json_init(rthost_json *j, rt_buf *out)
{
  memset(j, 0, sizeof *j);
  j->out = out;
}

void rthost_json_document(rthost_json *j, rt_buf *out)
{
  rthost_json_init(j, out);
  rthost_json_object(j);
  rthost_json_key(j, "schema");
  rthost_json_int(j, RTHOST_JSON_SCHEMA);
}

void rthost_json_init_list(rthost_json *j, rt_buf *out)
{
  rthost_json_document(j, out);
  rthost_json_key(j, "plugins");
  rthost_json_array(j);
}

static void put(rthost_json *j, const char *s, size_t n)
{
  if (j->err == 0 && rt_buf_append(j->out, s, n) != 0)
    j->err = RT_ENOMEM;
}

static void put_str(rthost_json *j, const char *s)
{
  put(j, s, strlen(s));
}

/* Before any value or key: a comma if the container already has an item;
 * a value inside an object must follow its key. */
static void before_item(rthost_json *j, bool is_key)
{
  if (j->err != 0)
    return;
  bool obj = j->in_object[j->depth];
  if (j->after_key && !is_key) {
    j->after_key = false;
    return;
  }
  if (obj != is_key || j->after_key || (j->depth == 0 && j->has_item[0])) {
    j->err = RT_EINVAL;
    return;
  }
  if (j->has_item[j->depth])
    put(j, ",", 1);
  j->has_item[j->depth] = true;
}

static void open_container(rthost_json *j, bool object)
{
  before_item(j, false);
  if (j->err == 0 && j->depth == RTHOST_JSON_MAX_DEPTH)
    j->err = RT_EINVAL;
  if (j->err != 0)
    return;
  put(j, object ? "{" : "[", 1);
  j->depth++;
  j->in_object[j->depth] = object;
  j->has_item[j->depth] = false;
}

static void close_container(rthost_json *j, bool object)
{
  if (j->err == 0 &&
      (j->depth == 0 || j->in_object[j->depth] != object || j->after_key))
    j->err = RT_EINVAL;
  if (j->err != 0)
    return;
  put(j, object ? "}" : "]", 1);
  j->depth--;
}

void rthost_json_object(rthost_json *j)
{
  open_container(j, true);
}
void rthost_json_end_object(rthost_json *j)
{
  close_container(j, true);
}
void rthost_json_array(rthost_json *j)
{
  open_container(j, false);
}
void rthost_json_end_array(rthost_json *j)
{
  close_container(j, false);
}

void rthost_json_key(rthost_json *j, const char *key)
{
  before_item(j, true);
  if (j->err == 0 && rthost_json_escape(j->out, key, strlen(key)) != 0)
    j->err = RT_ENOMEM;
  put(j, ":", 1);
  j->after_key = j->err == 0;
}

void rthost_json_string_n(rthost_json *j, const char *s, size_t n)
{
  before_item(j, false);
  if (j->err == 0 && rthost_json_escape(j->out, s, n) != 0)
    j->err = RT_ENOMEM;
}

void rthost_json_string(rthost_json *j, const char *s)
{
  if (s == NULL)
    rthost_json_null(j);
  else
    rthost_json_string_n(j, s, strlen(s));
}

static void scalar(rthost_json *j, const char *text)
{
  before_item(j, false);
  put_str(j, text);
}

void rthost_json_int(rthost_json *j, int64_t v)
{
  char text[24];
  snprintf(text, sizeof text, "%" PRId64, v);
  scalar(j, text);
}

void rthost_json_uint(rthost_json *j, uint64_t v)
{
  char text[24];
  snprintf(text, sizeof text, "%" PRIu64, v);
  scalar(j, text);
}

void rthost_json_bool(rthost_json *j, bool v)
{
  scalar(j, v ? "true" : "false");
}
void rthost_json_null(rthost_json *j)
{
  scalar(j, "null");
}

void rthost_json_number(rthost_json *j, const char *text)
{
  if (rthost_json_is_number(text))
    scalar(j, text);
  else
    rthost_json_string(j, text);
}

int rthost_json_finish(rthost_json *j)
{
  if (j->err == 0 && (j->depth != 0 || !j->has_item[0]))
    j->err = RT_EINVAL;
  return j->err;
}

static const char *digits(const char *p)
{
  while (isdigit((unsigned char)*p))
    p++;
  return p;
}

/* number := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? */
bool rthost_json_is_number(const char *text)
{
  const char *p = text + (*text == '-');
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    p = digits(p);
  else
    return false;
  if (*p == '.') {
    const char *q = digits(p + 1);
    if (q == p + 1)
      return false;
    p = q;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    p += (*p == '+' || *p == '-');
    const char *q = digits(p);
    if (q == p)
      return false;
    p = q;
  }
  return *p == '\0';
}

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if the
 * bytes there are not one: overlong forms, surrogates and code points
 * above U+10FFFF are refused. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  unsigned c = s[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (len > n)
    return 0;
  unsigned cp = c & (0x3f >> (len - 1));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

/* The escape for byte C, or NULL if it stands for itself. */
static const char *escape_of(unsigned char c, char tmp[7])
{
  switch (c) {
  case '"':
    return "\\\"";
  case '\\':
    return "\\\\";
  case '\b':
    return "\\b";
  case '\f':
    return "\\f";
  case '\n':
    return "\\n";
  case '\r':
    return "\\r";
  case '\t':
    return "\\t";
  default:
    break;
  }
  if (c >= 0x20 && c != 0x7f)
    return NULL;
  snprintf(tmp, 7, "\\u%04x", c);
  return tmp;
}

int rthost_json_escape(rt_buf *out, const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  int rc = rt_buf_append_char(out, '"');
  size_t i = 0;
  while (rc == 0 && i < n) {
    char tmp[7];
    const char *esc = p[i] < 0x80 ? escape_of(p[i], tmp) : NULL;
    size_t len = utf8_len(p + i, n - i);
    if (esc != NULL)
      rc = rt_buf_append_str(out, esc);
    else if (len == 0)
      rc = rt_buf_append_str(out, "\\ufffd");
    else
      rc = rt_buf_append(out, p + i, len);
    i += len == 0 ? 1 : len;
  }
  if (rc == 0)
    rc = rt_buf_append_char(out, '"');
  return rc == 0 ? 0 : RT_ENOMEM;
}

/* The value of a struct member: scalars are copied out of the struct's
 * storage, nested structs point into it. */
static rt_value member_value(const rt_type *st, const rt_value *v, size_t i)
{
  const rt_type *mt = rt_type_member(st, i);
  char *at = (char *)v->v.agg + rt_type_offset(st, i);
  rt_value m = RT_VALUE_INIT;
  m.kind = rt_type_kind_of(mt);
  if (m.kind == RT_TYPE_STRUCT)
    m.v.agg = at;
  else
    memcpy(&m.v, at, rt_type_size(mt));
  return m;
}

static void struct_value(rthost_json *j, const rt_type *t, const rt_value *v)
{
  rthost_json_array(j);
  for (size_t i = 0; i < rt_type_nmembers(t); i++) {
    rt_value m = member_value(t, v, i);
    rthost_json_value(j, rt_type_member(t, i), &m);
  }
  rthost_json_end_array(j);
}

/* Scalars: rt_value_format() gives the text; numbers stay numbers unless
 * JSON cannot spell them (nan, inf), ptr and char become strings. */
static void scalar_value(rthost_json *j, const rt_type *t, const rt_value *v)
{
  rt_buf text = RT_BUF_INIT;
  rt_type_kind k = rt_type_kind_of(t);
  if (rt_value_format(t, v, &text) != 0) {
    j->err = j->err != 0 ? j->err : rt_last_error_code();
  } else if (k == RT_TYPE_BOOL) {
    rthost_json_bool(j, v->v.b);
  } else if (k == RT_TYPE_STR && v->v.str == NULL) {
    rthost_json_null(j);
  } else if (k == RT_TYPE_CHAR || k == RT_TYPE_PTR || k == RT_TYPE_STR) {
    rthost_json_string_n(j, rt_buf_cstr(&text), text.len);
  } else {
    rthost_json_number(j, rt_buf_cstr(&text));
  }
  rt_buf_free(&text);
}

void rthost_json_value(rthost_json *j, const rt_type *t, const rt_value *v)
{
  rt_type_kind k = rt_type_kind_of(t);
  if (k == RT_TYPE_VOID)
    rthost_json_null(j);
  else if (k == RT_TYPE_STRUCT)
    struct_value(j, t, v);
  else
    scalar_value(j, t, v);
}
