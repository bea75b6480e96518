#!/bin/sh
# languages.sh — <runtime.h> at every language level a user may build
# at, with gcc and clang: C99, C11, C17 with -pedantic-errors -Wall
# -Wextra, and C++11 to C++20; a plugin written in C11 and one written in
# C++ (g++ and clang++), called through rthost.
. "$top_srcdir/tests/helpers/tap.sh"

build_plugins_setup
strict="-pedantic-errors -Wall -Wextra -Werror"

have() { command -v "$1" > /dev/null 2>&1; }
ccs="gcc"; have clang && ccs="$ccs clang"
cxxs=""; have g++ && cxxs="g++"; have clang++ && cxxs="$cxxs clang++"

printf '#include <runtime.h>\nint main(void) { return rt_version() == 0; }\n' \
  > "$tmp/h.c"
cp "$tmp/h.c" "$tmp/h.cc"

# compiles NAME COMMAND...: one assertion; the compiler's words if not.
compiles() {
  name=$1; shift
  if "$@" > "$tmp/log" 2>&1; then ok "$name"; else
    fail "$name"; diag "$(head -20 "$tmp/log")"; fi
}

for cc in $ccs; do
  for std in c99 c11 c17; do
    compiles "$cc -std=$std: #include <runtime.h>" \
      $cc -std=$std $strict $cflags -c "$tmp/h.c" -o "$tmp/h.o"
  done
done
for cxx in $cxxs; do
  for std in c++11 c++14 c++17 c++20; do
    compiles "$cxx -std=$std: #include <runtime.h>" \
      $cxx -std=$std $strict $cflags -c "$tmp/h.cc" -o "$tmp/h.o"
  done
done

# A C11 plugin, strictly.
cat > "$tmp/cplug.c" <<'C'
#include <runtime.h>
static int32_t add(int32_t a, int32_t b) { return a + b; }
static int setup(void) { return 0; }
RT_PLUGIN_HOOKS(setup, NULL, RT_PLUGIN_UNLOAD_SAFE);
RT_PLUGIN("cplug", "1.0", "C11", RT_EXPORT(add, "(i32, i32) -> i32", "sum"));
C
for cc in $ccs; do
  compiles "$cc -std=c11: RT_PLUGIN" \
    $cc -std=c11 $strict $cflags -shared -fPIC "$tmp/cplug.c" \
    -o "$tmp/cplug.so" $libs
done

# A C++ plugin: functions in an anonymous namespace, a std::string inside,
# hooks after the descriptor, built with each C++ compiler and called.
# Built without sanitizers (a sanitizer build's host takes uninstrumented
# plugins; another compiler's sanitizer runtime would not match it).
cat > "$tmp/cxx.cc" <<'CXX'
#include <runtime.h>
#include <cstring>
#include <string>

namespace {
int ready;
int setup() { ready = 42; return 0; }
void teardown() {}
int32_t add(int32_t a, int32_t b) { return a + b; }
int32_t inited() { return ready; }
char *greet(const char *who)
{
  std::string s = std::string("hello, ") + who;
  char *out = static_cast<char *>(rt_alloc(s.size() + 1));
  if (out)
    std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}
} // namespace

RT_PLUGIN("cxx", "1.0.0", "A plugin written in C++",
          RT_EXPORT(add, "(i32, i32) -> i32", "sum"),
          RT_EXPORT(greet, "(str) -> str", "a greeting, rt_free it"),
          RT_EXPORT(inited, "() -> i32", "42 once the init hook ran"));
RT_PLUGIN_HOOKS(setup, teardown, RT_PLUGIN_UNLOAD_SAFE);
CXX
for cxx in $cxxs; do
  for std in c++11 c++20; do
    d="$tmp/$cxx-$std"; mkdir -p "$d"; chmod 755 "$d"
    compiles "$cxx -std=$std: a C++ plugin builds" \
      $cxx -std=$std $strict $cflags -shared -fPIC \
      "$tmp/cxx.cc" -o "$d/cxx.so" $libs
    [ -f "$d/cxx.so" ] || continue
    chmod 755 "$d/cxx.so"
    rtsyms=$(nm -D --defined-only "$d/cxx.so" | awk '$3 ~ /^rt_/ { print $3 }')
    check "$cxx -std=$std: exports rt_plugin_descriptor only of rt_*" \
      test "$rtsyms" = rt_plugin_descriptor
    out=$("$rthost" --plugin-path "$d" call cxx add 40 2 2>&1)
    check "$cxx -std=$std: cxx add 40 2 = 42 (got $out)" test "$out" = 42
    out=$("$rthost" --plugin-path "$d" call cxx greet world 2>&1)
    check "$cxx -std=$std: cxx greet (got $out)" test "$out" = "hello, world"
    out=$("$rthost" --plugin-path "$d" call cxx inited 2>&1)
    check "$cxx -std=$std: its init hook ran (got $out)" test "$out" = 42
  done
done

# The build-time check of RT_EXPORT holds in C++ too.
cat > "$tmp/notfn.cc" <<'CXX'
#include <runtime.h>
static int32_t counter;
RT_PLUGIN("notfn", "1.0", "Exports a variable",
          RT_EXPORT(counter, "() -> i32", "not a function"));
CXX
for cxx in $cxxs; do
  if $cxx -std=c++11 $cflags -shared -fPIC "$tmp/notfn.cc" \
       -o "$tmp/notfn.so" > "$tmp/log" 2>&1; then
    fail "$cxx: a variable as an export is refused at build time"
  else
    check "$cxx: a variable as an export is refused at build time" \
      grep -q "counter is not a function" "$tmp/log"
  fi
done

finish
