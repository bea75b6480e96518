#!/bin/sh
# module_build.sh — plugins built the documented way (cc -shared -fPIC
# x.c, compiler flags and -lruntime) and the checks RT_PLUGIN makes at
# build time.
. "$top_srcdir/tests/helpers/tap.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cflags="-I$top_srcdir/libruntime -I$top_builddir/libruntime"
libs="-L$top_builddir/libruntime/.libs -lruntime"

# cc_plugin NAME: compile $tmp/NAME.c into $tmp/NAME.so.
cc_plugin() {
  ${CC:-cc} $RT_SAN_FLAGS -shared -fPIC "$tmp/$1.c" -o "$tmp/$1.so" \
    $cflags $libs 2> "$tmp/$1.log"
}

cat > "$tmp/mathx.c" <<'C'
#include <runtime.h>
static int32_t add(int32_t a, int32_t b) { return a + b; }
RT_PLUGIN("mathx", "1.0.0", "Arithmetic helpers",
    RT_EXPORT(add, "(i32, i32) -> i32", "sum of two integers"));
C
check "the README's plugin builds with cc -shared -fPIC" cc_plugin mathx
diag "$(cat "$tmp/mathx.log")"

has_note() { readelf -nW "$1" | grep -q '^ *libruntime '; }
check "its manifest is an ELF note owned by libruntime" has_note "$tmp/mathx.so"
# The segment mapping lists .note.rt.plugin under a PT_NOTE program header.
in_pt_note() {
  readelf -lW "$1" | awk '
    /^  [A-Z_]+ +0x/ { type[n++] = $1 }
    /^   [0-9][0-9] / { i = $1 + 0
      if (type[i] == "NOTE" && $0 ~ / \.note\.rt\.plugin( |$)/) found = 1 }
    END { exit !found }'
}
check "the note is in a PT_NOTE segment" in_pt_note "$tmp/mathx.so"
defined=$(${NM:-nm} -D --defined-only "$tmp/mathx.so" | awk '{print $3}' |
  grep -v '^_' | tr '\n' ' ')
check "rt_plugin_descriptor is its only exported symbol (got: $defined)" \
  test "$defined" = "rt_plugin_descriptor "

# An export that is not a function fails a static assertion.
cat > "$tmp/notfn.c" <<'C'
#include <runtime.h>
static int32_t counter;
RT_PLUGIN("notfn", "1.0", "Exports a variable",
    RT_EXPORT(counter, "() -> i32", "not a function"));
C
if cc_plugin notfn; then fail "a variable as an export is refused at build time"
else
  check "a variable as an export is refused at build time" \
    grep -q "counter is not a function" "$tmp/notfn.log"
fi

# A function pointer is not a function either.
cat > "$tmp/fnptr.c" <<'C'
#include <runtime.h>
static int32_t one(void) { return 1; }
static int32_t (*ptr)(void) = one;
RT_PLUGIN("fnptr", "1.0", "Exports a pointer",
    RT_EXPORT(ptr, "() -> i32", "a function pointer"));
C
if cc_plugin fnptr; then fail "a function pointer as an export is refused"
else
  check "a function pointer as an export is refused" \
    grep -q "ptr is not a function" "$tmp/fnptr.log"
fi

# Signatures must be string literals.
cat > "$tmp/nolit.c" <<'C'
#include <runtime.h>
static int32_t one(void) { return 1; }
static const char *sig = "() -> i32";
RT_PLUGIN("nolit", "1.0", "Signature not a literal",
    RT_EXPORT(one, sig, "doc"));
C
if cc_plugin nolit; then fail "a signature that is not a literal is refused"
else ok "a signature that is not a literal is refused"; fi

# 64 exports build; 65 do not.
gen() {
  echo '#include <runtime.h>'
  i=1; while [ $i -le "$1" ]; do
    echo "static int32_t f$i(void) { return $i; }"; i=$((i + 1)); done
  printf 'RT_PLUGIN("many", "1.0", "Many exports"'
  i=1; while [ $i -le "$1" ]; do
    printf ',\n  RT_EXPORT(f%d, "() -> i32", "f%d")' $i $i; i=$((i + 1)); done
  echo ');'
}
gen 64 > "$tmp/many.c"
check "64 exports build" cc_plugin many
gen 65 > "$tmp/many.c"
if cc_plugin many; then fail "65 exports do not build"
else ok "65 exports do not build"; fi

finish
