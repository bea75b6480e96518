/*
 * json.h — a small streaming JSON writer for rthost --json.
 *
 * Output is compact (no spaces or newlines inside a document) so that a
 * document is one line: `rthost --json shell` prints one document per
 * command.  Strings are escaped per RFC 8259; bytes that are not valid
 * UTF-8 become U+FFFD, so the output is always valid JSON text whatever a
 * plugin returns.  Errors are sticky: the first failure (out of memory,
 * nesting too deep, a member without a key) is kept and returned by
 * rthost_json_finish(), later calls do nothing.
 */
#ifndef RTHOST_JSON_H
#define RTHOST_JSON_H

#include <runtime.h>

#define RTHOST_JSON_MAX_DEPTH 32

typedef struct rthost_json {
  rt_buf *out;    /* where the text goes (appended) */
  int err;        /* first failure, 0 if none */
  unsigned depth; /* open objects and arrays */
  bool in_object[RTHOST_JSON_MAX_DEPTH + 1];
  bool has_item[RTHOST_JSON_MAX_DEPTH + 1]; /* a member already written */
  bool after_key; /* a key was written, its value comes next */
} rthost_json;

/* rthost_json_init: start a document that is appended to OUT. */
void rthost_json_init(rthost_json *j, rt_buf *out);

/* The version of the documents rthost prints (rthost(1), "JSON"). */
#define RTHOST_JSON_SCHEMA 1

/* rthost_json_document: start a document of rthost's, an object whose
 * first key is "schema"; the caller adds its keys and ends the object. */
void rthost_json_document(rthost_json *j, rt_buf *out);

/* rthost_json_init_list: start the document `list` and `check` print,
 * {"plugins": [ ... ]}; the caller ends the array and the object. */
void rthost_json_init_list(rthost_json *j, rt_buf *out);

/* Containers; every begin needs its end. */
void rthost_json_object(rthost_json *j);
void rthost_json_end_object(rthost_json *j);
void rthost_json_array(rthost_json *j);
void rthost_json_end_array(rthost_json *j);

/* rthost_json_key: the name of the next member of the open object. */
void rthost_json_key(rthost_json *j, const char *key);

/* Values.  rthost_json_string with S NULL writes null. */
void rthost_json_string(rthost_json *j, const char *s);
void rthost_json_string_n(rthost_json *j, const char *s, size_t n);
void rthost_json_int(rthost_json *j, int64_t v);
void rthost_json_uint(rthost_json *j, uint64_t v);
void rthost_json_bool(rthost_json *j, bool v);
void rthost_json_null(rthost_json *j);

/* rthost_json_number: TEXT as a JSON number if it is one by the JSON
 * grammar ("5", "-0", "2.5e-3"), else as a string ("nan", "inf", "0x10"),
 * since JSON has no literal for them. */
void rthost_json_number(rthost_json *j, const char *text);

/* rthost_json_value: V, of signature type T, as JSON: integers and finite
 * floats as numbers, nan and inf as strings ("nan", "-inf"), bool as
 * true/false, str as a string (null for NULL), char and ptr as strings
 * ("a", "0x1f"), a struct as an array of its members, void as null. */
void rthost_json_value(rthost_json *j, const rt_type *t, const rt_value *v);

/* rthost_json_finish: 0 if a complete document was written, else the
 * first error (RT_ENOMEM, or RT_EINVAL for unbalanced or misplaced
 * calls). */
int rthost_json_finish(rthost_json *j);

/* rthost_json_escape: append S (N bytes) to OUT as a quoted JSON string.
 * 0 or RT_ENOMEM. */
int rthost_json_escape(rt_buf *out, const char *s, size_t n);

/* rthost_json_is_number: true if TEXT is a number by the JSON grammar. */
bool rthost_json_is_number(const char *text);

#endif /* RTHOST_JSON_H */
