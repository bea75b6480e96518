/*
 * format.c — the formatter: rt_printf and rt_vprintf, with integers and
 * strings written straight into the stream's buffer, and vsnprintf for
 * the rest.
 *
 * Part of the IO layer's single translation unit (static.c): the write
 * path's helpers inline into every entry point across these files.
 */

/* ---- formatted output ------------------------------------------------- */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Decimal digits eight at a time in one 64-bit word, without a loop or a
 * table (SWAR): V < 10^8 is split into two 4-digit halves in 32-bit
 * lanes, each lane into 2-digit quarters in 16-bit lanes, each of those
 * into digits in bytes, every split by a multiply-shift division that is
 * exact in its range (v*10486>>20 == v/100 for v < 10^4, v*103>>10 ==
 * v/10 for v < 100) and never carries across lanes.  On a little-endian
 * machine byte 0 is then the most significant digit. */
static inline uint64_t dec8_word(uint32_t v)
{
  uint64_t x = (v / 10000) | ((uint64_t)(v % 10000) << 32);
  uint64_t q = ((x * 10486) >> 20) & 0x0000007f0000007full;
  x = q | ((x - q * 100) << 16);
  q = ((x * 103) >> 10) & 0x000f000f000f000full;
  return q | ((x - q * 10) << 8);
}

/* V < 10^8 without leading zeros at D (8 bytes are stored, the length is
 * returned by the new end): the leading zero digits are the low zero
 * bytes of the word, shifted out. */
static inline char *dec8(char *d, uint32_t v)
{
  uint64_t x = dec8_word(v);
  unsigned z = (unsigned)__builtin_ctzll(x | (1ull << 56)) & ~7u;
  x = (x + 0x3030303030303030ull) >> z;
  memcpy(d, &x, 8);
  return d + 8 - z / 8;
}

/* V < 10^8 as exactly eight digits at D. */
static inline char *dec8_full(char *d, uint32_t v)
{
  uint64_t x = dec8_word(v) + 0x3030303030303030ull;
  memcpy(d, &x, 8);
  return d + 8;
}

/* put_dec: V in decimal at D, which has room for 20 digits plus 4. */
static inline char *put_dec(char *d, uint64_t v)
{
  if (RT_LIKELY(v < 100000000u))
    return dec8(d, (uint32_t)v);
  if (v < 10000000000000000ull) {
    d = dec8(d, (uint32_t)(v / 100000000u));
    return dec8_full(d, (uint32_t)(v % 100000000u));
  }
  uint64_t low = v % 10000000000000000ull;
  d = dec8(d, (uint32_t)(v / 10000000000000000ull));
  d = dec8_full(d, (uint32_t)(low / 100000000u));
  return dec8_full(d, (uint32_t)(low % 100000000u));
}
#else
/* Elsewhere: digit pairs from a table, written backwards. */
static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static const uint64_t pow10_table[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

/* dec_len: the number of decimal digits of V: log10 from the bit length
 * (1233/4096 ~ log10(2)), corrected by one comparison. */
static inline unsigned dec_len(uint64_t v)
{
  unsigned t = ((64u - (unsigned)__builtin_clzll(v | 1)) * 1233u) >> 12;
  return t + (v >= pow10_table[t]) + (v == 0);
}

/* dec_back: V in decimal written backwards, ending just before END. */
static inline void dec_back(char *end, uint64_t v)
{
  for (; v > UINT32_MAX; v /= 100) {
    unsigned i = (unsigned)(v % 100) * 2;
    *--end = digit_pairs[i + 1];
    *--end = digit_pairs[i];
  }
  uint32_t w = (uint32_t)v; /* 32-bit divisions are cheaper */
  for (; w >= 100; w /= 100) {
    unsigned i = (w % 100) * 2;
    *--end = digit_pairs[i + 1];
    *--end = digit_pairs[i];
  }
  if (w >= 10) {
    *--end = digit_pairs[w * 2 + 1];
    *--end = digit_pairs[w * 2];
  } else {
    *--end = (char)('0' + w);
  }
}

static inline char *put_dec(char *d, uint64_t v)
{
  d += dec_len(v);
  dec_back(d, v);
  return d;
}
#endif

/* An integer conversion: its magnitude, sign and base. */
struct int_conv {
  uint64_t mag;
  bool neg, hex;
};

/* "-" and 20 digits, or 16 hex digits; put_dec stores whole 8-byte words
 * and needs 3 bytes more than it writes at worst */
#define INT_MAX_CHARS 24

/* put_int: write C at D (which has INT_MAX_CHARS of room); returns the
 * end of what was written. */
static inline char *put_int(char *d, struct int_conv c)
{
  if (c.neg)
    *d++ = '-';
  if (!c.hex)
    return put_dec(d, c.mag);
  unsigned n = c.mag ? (67u - (unsigned)__builtin_clzll(c.mag)) / 4 : 1;
  uint64_t v = c.mag;
  for (char *p = d + n; p > d; v >>= 4)
    *--p = "0123456789abcdef"[v & 15];
  return d + n;
}

static inline struct int_conv signed_conv(long long v)
{
  struct int_conv c = {(uint64_t)v, v < 0, false};
  if (c.neg)
    c.mag = 0 - c.mag;
  return c;
}

/* int_conversion: if F (just after a '%') is one of the fast integer
 * conversions, fetch its argument into *C and return the length of its
 * spec; else 0. */
static inline int int_conversion(const char *f, va_list *ap,
                                 struct int_conv *c)
{
  int mod = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
  if (f[0] == 'l')
    mod = f[1] == 'l' ? 2 : 1;
  else if (f[0] == 'z')
    mod = 3;
  int len = mod == 0 ? 1 : mod == 2 ? 3 : 2;
  switch (f[len - 1]) {
  case 'd':
  case 'i':
    *c = signed_conv(mod == 0   ? va_arg(*ap, int)
                     : mod == 1 ? va_arg(*ap, long)
                     : mod == 2 ? va_arg(*ap, long long)
                                : va_arg(*ap, ssize_t));
    return len;
  case 'x':
  case 'u':
    c->hex = f[len - 1] == 'x';
    c->neg = false;
    c->mag = mod == 0   ? va_arg(*ap, unsigned)
             : mod == 1 ? va_arg(*ap, unsigned long)
             : mod == 2 ? va_arg(*ap, unsigned long long)
                        : va_arg(*ap, size_t);
    return len;
  default:
    return 0;
  }
}

/* fallback: format the rest of the call, from FMT on, with vsnprintf:
 * into W's free space if it fits, else into a fresh buffer.  FMT is the
 * tail of rt_printf's format, which RT_PRINTF checked at the caller's
 * call; through a va_list pointer no attribute can say so, hence the
 * pragma (clang's -Wformat-nonliteral). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fallback(rt_stream *s, const char *fmt, va_list *ap,
                    size_t *total)
{
  va_list aq;
  va_copy(aq, *ap);
  size_t room = s->w.cap - s->w.len;
  int n = vsnprintf(s->w.data + s->w.len, room, fmt, aq);
  va_end(aq);
  if (n < 0)
    return rt__syserror(errno ? errno : EINVAL,
                        "rt_printf: vsnprintf rejected the format \"%s\"",
                        fmt);
  *total += (size_t)n;
  if ((size_t)n < room || s->kind == KIND_NULL) {
    s->w.len += (size_t)n < room ? (size_t)n : 0;
    return 0;
  }
  /* Too big for the free space: room is made only once the output can
   * certainly be produced, so a failure leaves nothing half-written. */
  if (s->kind == KIND_MEM || (size_t)n < s->w.cap) {
    int rc = make_room(s, (size_t)n);
    if (rc < 0)
      return rc;
    vsnprintf(s->w.data + s->w.len, (size_t)n + 1, fmt, *ap);
    s->w.len += (size_t)n;
    return 0;
  }
  char *big = rt_alloc((size_t)n + 1);
  if (big == NULL)
    return rt__error_context("rt_printf: %d bytes of output", n);
  vsnprintf(big, (size_t)n + 1, fmt, *ap);
  int rc = put_slow(s, big, (size_t)n);
  rt_free(big);
  return rc;
}
#pragma GCC diagnostic pop

/* The fast formatter writes through a cursor D into W's free space up to
 * LIM (the spare byte stays free), kept in registers; W.len and the byte
 * count are brought up to date (sync) before anything else touches W,
 * and the cursor reloaded after. */
struct cursor {
  char *d, *seg, *lim;
};

static inline void cursor_load(rt_stream *s, struct cursor *c)
{
  c->d = c->seg = s->w.data + s->w.len;
  c->lim = s->w.data + s->w.cap - 1;
}

static inline void cursor_sync(rt_stream *s, struct cursor *c, size_t *total)
{
  *total += (size_t)(c->d - c->seg);
  s->w.len = (size_t)(c->d - s->w.data);
  c->seg = c->d;
}

/* cursor_room: make N bytes of room at the cursor.  Inlined so that the
 * cursor stays in registers. */
static inline RT_ALWAYS_INLINE int cursor_room(rt_stream *s, struct cursor *c, size_t n,
                       size_t *total)
{
  cursor_sync(s, c, total);
  int rc = make_room(s, n);
  cursor_load(s, c);
  return rc;
}

/* put_text: %s, %c or %% through put(), which handles any length. */
static int put_text(rt_stream *s, char conv, va_list *ap, size_t *total)
{
  char ch = '%';
  const char *str = &ch;
  size_t n = 1;
  if (conv == 'c') {
    ch = (char)va_arg(*ap, int);
  } else if (conv == 's') {
    str = va_arg(*ap, const char *);
    str = str ? str : "(null)";
    n = strlen(str);
  }
  *total += n;
  return put(s, str, n);
}

/* format: the whole of F onto S.  Literal text and the fast conversions
 * are written at the cursor; the first other conversion hands the rest of
 * the format to fallback(). */
static inline RT_ALWAYS_INLINE int format(rt_stream *s, const char *f,
                                          va_list *ap, size_t *total)
{
  struct cursor c;
  int rc = s->w.data ? 0 : make_room(s, 0);
  if (rc < 0)
    return rc;
  cursor_load(s, &c);
  for (;; f++) {
    /* Literal text.  Bytes above '%' (letters, digits, most punctuation)
     * can be neither '%' nor the end: one comparison decides them. */
    unsigned char ch = (unsigned char)*f;
    if (RT_LIKELY(ch > '%') || (ch != '%' && ch != '\0')) {
      if (RT_UNLIKELY(c.d == c.lim) && (rc = cursor_room(s, &c, 1, total)))
        return rc;
      *c.d++ = (char)ch;
      continue;
    }
    if (ch == '\0')
      break;
    struct int_conv ic;
    int len = int_conversion(f + 1, ap, &ic);
    if (len > 0) {
      if (RT_UNLIKELY(c.lim - c.d < INT_MAX_CHARS) &&
          (rc = cursor_room(s, &c, INT_MAX_CHARS, total)))
        return rc;
      c.d = put_int(c.d, ic);
      f += len;
      continue;
    }
    cursor_sync(s, &c, total);
    char conv = f[1];
    if (conv != 's' && conv != 'c' && conv != '%')
      return fallback(s, f, ap, total);
    if ((rc = put_text(s, conv, ap, total)) < 0)
      return rc;
    cursor_load(s, &c);
    f++;
  }
  cursor_sync(s, &c, total);
  return 0;
}

/* vprintf_impl: rt_printf's body; AP is used in place (rt_printf owns it,
 * so no va_copy and its store-forwarding stall on the hot path). */
static inline RT_ALWAYS_INLINE int vprintf_impl(rt_stream *s, const char *fmt,
                                                va_list *ap)
{
  int rc = begin_write(s);
  if (rc < 0)
    return rc;
  size_t total = 0;
  rc = format(s, fmt, ap, &total);
  if (rc == 0 && total > INT_MAX)
    rc = rt__error(RT_EOVERFLOW, "rt_printf: %zu bytes of output do not fit "
                   "the int result", total);
  rc = end_write(s, rc, total);
  return rc < 0 ? rc : (int)total;
}

int rt_vprintf(rt_stream *s, const char *fmt, va_list ap)
{
  va_list aq;
  va_copy(aq, ap);
  int rc = vprintf_impl(s, fmt, &aq);
  va_end(aq);
  return rc;
}

int rt_printf(rt_stream *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = vprintf_impl(s, fmt, &ap);
  va_end(ap);
  return rc;
}
