#!/bin/sh
# static_link.sh — a program linked with an archive of libruntime's
# objects (what libruntime.a is) gets init.o's constructor and exit
# handler without --whole-archive: output still buffered at exit is
# written.  (The linker takes only the archive members a program needs;
# init.o is pulled in by error.c's reference to it.)
. "$top_srcdir/tests/helpers/tap.sh"

case "$RT_SAN_FLAGS" in
  *sanitize*) skip_all "sanitizer build: its runtime needs the shared link" ;;
esac
[ -n "$RT_LIB_OBJECTS" ] || skip_all "RT_LIB_OBJECTS not set (run through make check)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
objs=""
for lo in $RT_LIB_OBJECTS; do
  o="$top_builddir/$(dirname "$lo")/.libs/$(basename "$lo" .lo).o"
  [ -f "$o" ] || { fail "object $o of $lo exists"; finish; }
  objs="$objs $o"
done
ar rcs "$tmp/libruntime.a" $objs
cat > "$tmp/app.c" <<'EOC'
#include <runtime.h>
int main(void)
{
  rt_puts(rt_stdout(), "buffered at exit\n"); /* no flush: exit writes it */
  return 0;
}
EOC
check "a program links with the archive alone" \
  ${CC:-cc} -I"$top_srcdir/libruntime" -I"$top_builddir/libruntime" \
    "$tmp/app.c" -o "$tmp/app" "$tmp/libruntime.a" $FFI_LIBS -ldl -lpthread
out=$("$tmp/app" | cat)
check "its output buffered at exit is written ('$out')" \
  test "$out" = "buffered at exit"
check "init.o came with it" sh -c "${NM:-nm} '$tmp/app' | grep -q rt__init_linked"
finish
