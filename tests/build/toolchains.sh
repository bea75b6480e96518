#!/bin/sh
# toolchains.sh — plugins as other systems' toolchains build them: the
# bundled plugins and a test plugin, with $CC and with gcc and clang (if
# installed), each hardened as Ubuntu and Fedora do by default (CET:
# -fcf-protection=full -z ibt -z shstk, which adds an 8-aligned
# .note.gnu.property) plus -z separate-code, -z now and --build-id=sha1,
# and the test plugin built with -flto --gc-sections and stripped.
# Every one must load and answer through rthost; libc.so.6 and rthost
# itself must be refused as non-plugins, not as malformed files.
. "$top_srcdir/tests/helpers/tap.sh"

build_plugins_setup
hard="-Wl,-z,separate-code -Wl,-z,now -Wl,--build-id=sha1"
case $(uname -m) in
  x86_64|i?86) hard="-fcf-protection=full -Wl,-z,ibt -Wl,-z,shstk $hard" ;;
esac

cat > "$tmp/cet.c" <<'C'
#include <runtime.h>
static int ready;
static int setup(void) { ready = 7; return 0; }
static int32_t mul(int32_t a, int32_t b) { return a * b * (ready == 7); }
RT_PLUGIN_HOOKS(setup, NULL, 0);
RT_PLUGIN("cet", "1.0.0", "Built with the distributions' hardening",
    RT_EXPORT(mul, "(i32, i32) -> i32", "product, once init ran"));
C

# The PT_NOTE segments' alignments, one per line.
note_aligns() {
  readelf -lW "$1" | awk '$1 == "NOTE" { print $NF }'
}

# build COMPILER DIR: every plugin into DIR; the log names what failed.
# Sanitizer flags go only to the compiler the library was built with (a
# second compiler's sanitizer runtime would not match the host's).
build() {
  san=""; [ "$1" = "${CC:-cc}" ] && san=$RT_SAN_FLAGS
  mkdir -p "$2" && chmod 755 "$2"
  for src in "$top_srcdir"/plugins/*.c "$tmp/cet.c"; do
    name=$(basename "$src" .c)
    $1 $san -O2 -shared -fPIC -fno-builtin-hypot -fno-math-errno \
      $hard $cflags "$src" -o "$2/$name.so" $libs -lm \
      >> "$2.log" 2>&1 || { echo "$name" >> "$2.failed"; continue; }
    chmod 755 "$2/$name.so"
  done
  [ ! -f "$2.failed" ]
}

compilers=${CC:-cc}
for c in gcc clang; do
  [ "$c" != "${CC:-cc}" ] && command -v $c > /dev/null 2>&1 &&
    compilers="$compilers $c"
done
for cc in $compilers; do
  d="$tmp/$(echo "$cc" | tr -c 'A-Za-z0-9\n' _)"
  if ! build "$cc" "$d"; then
    fail "$cc builds every plugin hardened"; diag "$(cat "$d.log")"; continue
  fi
  ok "$cc builds every plugin hardened"
  case $hard in
    *cf-protection*)
      check "$cc: the test plugin has an 8-aligned note segment" \
        sh -c "readelf -lW '$d/cet.so' | awk '\$1 == \"NOTE\" && \$NF == \"0x8\" { f = 1 } END { exit !f }'" ;;
  esac
  for so in "$d"/*.so; do
    name=$(basename "$so" .so)
    if out=$("$rthost" --plugin-path "$d" info "$name" 2>&1); then
      ok "$cc: rthost info $name"
    else fail "$cc: rthost info $name"; diag "$out"; fi
    if out=$("$rthost" check "$so" 2>&1); then ok "$cc: rthost check $name"
    else fail "$cc: rthost check $name"; diag "$out"; fi
  done
  out=$("$rthost" --plugin-path "$d" call cet mul 6 7 2>&1)
  check "$cc: cet mul 6 7 = 42 (got $out)" test "$out" = 42
  out=$("$rthost" --plugin-path "$d" call mathx add 2 3 2>&1)
  check "$cc: mathx add 2 3 = 5 (got $out)" test "$out" = 5
  "$rthost" --plugin-path "$d" list > "$d.list" 2>&1
  if grep -qi 'malformed\|refused\|untrusted' "$d.list"; then
    fail "$cc: rthost list shows no refusal"; diag "$(cat "$d.list")"
  else ok "$cc: rthost list shows no refusal"; fi
done

# Built for size and packaged as distributions do: link-time
# optimisation, unused sections collected (--gc-sections must keep the
# manifest note and the hooks), then stripped as dh_strip does.  Each
# must still load, run its init hook and answer.
for cc in $compilers; do
  d="$tmp/lto-$(echo "$cc" | tr -c 'A-Za-z0-9\n' _)"
  mkdir -p "$d" && chmod 755 "$d"
  san=""; [ "$cc" = "${CC:-cc}" ] && san=$RT_SAN_FLAGS
  if $cc $san -O2 -flto -ffunction-sections -fdata-sections -shared -fPIC \
       -Wl,--gc-sections $cflags "$tmp/cet.c" -o "$d/cet.so" $libs \
       > "$d.log" 2>&1 &&
     ${STRIP:-strip} --strip-unneeded "$d/cet.so" >> "$d.log" 2>&1; then
    chmod 755 "$d/cet.so"
    out=$("$rthost" --plugin-path "$d" call cet mul 6 7 2>&1)
    check "$cc -flto --gc-sections, stripped: cet mul 6 7 = 42 (got $out)" \
      test "$out" = 42
  else
    fail "$cc builds the test plugin with -flto --gc-sections, stripped"
    diag "$(cat "$d.log")"
  fi
done

# Not plugins, but not malformed either.
real=$top_builddir/host/.libs/rthost
[ -x "$real" ] || real=$rthost
libc=$(ldd "$real" 2>/dev/null | awk '/libc\.so\.6/ { print $3 }')
check "libc.so.6 found (${libc:-none})" test -n "$libc"
cp "$real" "$tmp/rthost-copy" && chmod 755 "$tmp/rthost-copy"
for f in $libc "$tmp/rthost-copy"; do
  out=$("$rthost" check "$f" 2>&1); st=$?
  case "$out" in
    *malformed*) fail "rthost check $(basename "$f"): not 'malformed'"
                 diag "$out" ;;
    *"no libruntime manifest note"*)
      check "rthost check $(basename "$f"): no manifest, exit 3 (got $st)" \
        test "$st" -eq 3 ;;
    *) fail "rthost check $(basename "$f"): says it has no manifest"
       diag "$out" ;;
  esac
done

finish
