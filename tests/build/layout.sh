#!/bin/sh
# layout.sh — the source tree keeps the shape doc/architecture.md maps:
# a part's private header is included only inside its folder; the files
# a part builds as one translation unit are included by its static.c and
# by nothing else; every part's folder has its private header; no test
# calls CMocka's skip().
. "$top_srcdir/tests/helpers/tap.sh"

lib="$top_srcdir/libruntime"
for part in heap io net call module; do
  check "libruntime/$part/ has its private header ${part}_int.h" \
    test -f "$lib/$part/${part}_int.h"
  # Files outside the part that include its private header.
  out=$(grep -rlE "#include \"[./]*${part}(/${part})?_int\\.h\"|#include \"(\\.\\./)*${part}/" \
          "$top_srcdir/libruntime" "$top_srcdir/host" "$top_srcdir/tests" \
          "$top_srcdir/bench" "$top_srcdir/fuzz" "$top_srcdir/plugins" 2>/dev/null |
        grep -v "^$lib/$part/" || true)
  if [ -z "$out" ]; then ok "nothing outside libruntime/$part/ includes its private header"
  else diag "includes from outside the part:" "$out"
       fail "nothing outside libruntime/$part/ includes its private header"; fi
done

# heap and io: each .c beside static.c is included by static.c exactly
# once, and listed nowhere as a source of its own.
for part in heap io; do
  for f in "$lib/$part"/*.c; do
    name=$(basename "$f")
    [ "$name" = static.c ] && continue
    n=$(grep -c "^#include \"$name\"" "$lib/$part/static.c")
    check "$part/static.c includes $name once" test "$n" = 1
    src=$(grep -E "_SOURCES.*libruntime/$part/$name" "$top_srcdir"/mk/*.am || true)
    check "$part/$name is not compiled alone" test -z "$src"
  done
done

# One start-up: the library's only constructor, destructor and atfork.
ctors=$(grep -rlE --include='*.[ch]' '__attribute__\(\((constructor|destructor)\)\)|pthread_atfork' \
        "$lib" | sed "s|^$lib/||" | sort | tr '\n' ' ')
check "constructors, destructors and pthread_atfork only in init.c ($ctors)" \
  test "$ctors" = "init.c "

# CMocka 1.1's skip() prints "not ok N # SKIP", which automake's TAP
# driver counts as a failure: make check failed for every developer who
# is not root (test_module's mount and chown tests).  Tests say
# SKIP_UNLESS (tests/helpers/testutil.h) instead.
skips=$(grep -rnE --include='*.c' '(^|[^_A-Za-z])skip\(\);' "$top_srcdir/tests" || true)
if [ -z "$skips" ]; then ok "no test calls CMocka's skip()"
else diag "use SKIP_UNLESS:" "$skips"; fail "no test calls CMocka's skip()"; fi
finish
