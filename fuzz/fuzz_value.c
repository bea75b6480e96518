/*
 * fuzz_value.c — libFuzzer target for argument text (rt_value_parse).
 *
 * The first byte picks the parameter type, the rest is the text.  Property:
 * the text is either refused with a message, or accepted and then printed
 * (rt_value_format) to a form that parses back to the same printed form.
 */
#include <runtime.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sigs[] = {
    "(bool) -> void", "(char) -> void",  "(i8) -> void",    "(u8) -> void",
    "(i16) -> void",  "(u16) -> void",   "(i32) -> void",   "(u32) -> void",
    "(i64) -> void",  "(u64) -> void",   "(f32) -> void",   "(f64) -> void",
    "(size) -> void", "(ssize) -> void", "(ptr) -> void",   "(str) -> void",
    "({i32, f64}) -> void", "({{u8, i16}, f32, {ptr, char}}) -> void",
};

static void roundtrip(const rt_type *t, const rt_value *v)
{
  rt_buf once = RT_BUF_INIT, twice = RT_BUF_INIT;
  rt_value back = RT_VALUE_INIT;
  if (rt_value_format(t, v, &once) < 0)
    abort();
  if (rt_value_parse(t, rt_buf_cstr(&once), &back) < 0)
    abort();
  if (rt_value_format(t, &back, &twice) < 0)
    abort();
  if (strcmp(rt_buf_cstr(&once), rt_buf_cstr(&twice)) != 0)
    abort();
  rt_value_clear(&back);
  rt_buf_free(&once);
  rt_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  rt_sig *sig = NULL;
  if (rt_sig_parse(sigs[data[0] % (sizeof sigs / sizeof sigs[0])], &sig) < 0)
    abort();
  const rt_type *t = rt_sig_arg(sig, 0);
  char *text = rt_strndup((const char *)data + 1, size - 1);
  rt_value v = RT_VALUE_INIT;
  if (text != NULL) {
    if (rt_value_parse(t, text, &v) == 0) {
      /* Everything printed must read back the same, except a char whose
       * code is 0: it prints as one NUL byte, which no C string can carry
       * back in (its text form is its decimal code, "00"). */
      if (!(v.kind == RT_TYPE_CHAR && v.v.c == '\0'))
        roundtrip(t, &v);
      rt_value_clear(&v);
    } else if (rt_last_error()[0] == '\0') {
      abort();
    }
  }
  rt_free(text);
  rt_sig_free(sig);
  return 0;
}
