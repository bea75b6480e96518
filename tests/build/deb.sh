#!/bin/sh
# deb.sh — build libruntime's Debian packages from this source tree, check
# them with lintian, install them with apt-get and use them as a user
# would: rthost with the packaged plugins, `man`, and an application and a
# plugin built outside the tree with plain `cc ... -lruntime`, and with
# CMake.  Run by .ci/run as root (not by make check: it installs into the
# system); `make deb` and `./quickstart package` use --build-only.
#
#   tests/build/deb.sh [--build-only] [--keep] [--out DIR]
#
#   --build-only  build and lintian only; print the apt-get line
#   --keep        leave the packages installed (default: purge at the end)
#   --out DIR     where the .deb files go (default: ./deb)
#
# The package build skips the test suite (DEB_BUILD_OPTIONS=nocheck, build
# profile nocheck): CI runs make check in its own stages.  Set
# RT_DEB_CHECK=1 to run it inside the package build too.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
out="$PWD/deb"
build_only=no
keep=no
while [ $# -gt 0 ]; do
  case "$1" in
    --build-only) build_only=yes ;;
    --keep) keep=yes ;;
    --out) out=$2; shift ;;
    *) echo "usage: deb.sh [--build-only] [--keep] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done

# The loader refuses group-writable plugins: build them as a user would.
umask 022
step() { printf '== %s\n' "$*"; }
die() { printf 'deb.sh: %s\n' "$*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The source as a clean clone has it: files git tracks (and new files
# not yet committed), never build products.
version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$src/debian/changelog")
tree="$work/libruntime-$version"
mkdir "$tree"
step "copying the source tree"
if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$tree"
else
  (cd "$src" && tar -cf - --exclude='./build*' --exclude=./deb .) | tar -xf - -C "$tree"
fi

# 2. Build.
step "dpkg-buildpackage -us -uc -b"
if [ "${RT_DEB_CHECK:-0}" = 1 ]; then
  (cd "$tree" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; die "package build failed (log above)"; }
else
  (cd "$tree" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b -Pnocheck) > "$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; die "package build failed (log above)"; }
fi
grep -E '^dpkg-gensymbols|^dpkg-shlibdeps: (warning|error)' "$work/build.log" || :
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
ls -1 "$out"/*.deb

# 3. lintian: no errors (warnings are printed).
if command -v lintian > /dev/null; then
  step "lintian"
  lintian --fail-on error --suppress-tags-from-file /dev/null "$out"/*.changes ||
    die "lintian reports errors"
else
  echo "deb.sh: lintian not installed; packages not checked" >&2
fi

if [ $build_only = yes ]; then
  echo "install with: sudo apt-get install $(cd "$out" && for d in *.deb; do printf '%s ' "$out/$d"; done)"
  exit 0
fi

# 4. Install them as a user would, and use them.
[ "$(id -u)" = 0 ] || die "installing the packages needs root (or use --build-only)"
step "apt-get install ./*.deb"
(cd "$out" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./*.deb) > "$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; die "apt-get install failed"; }
cleanup() {
  [ $keep = yes ] ||
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q libruntime1 libruntime-dev \
      rthost libruntime-plugins > /dev/null 2>&1 || :
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
n=0
# expect NAME WANT CMD...: CMD's output (stdout and stderr) contains WANT.
expect() {
  name=$1 want=$2; shift 2
  n=$((n + 1))
  got=$("$@" 2>&1) || :
  case "$got" in
    *"$want"*) echo "ok $n - $name" ;;
    *) echo "not ok $n - $name"; printf '%s\n' "$got" | sed 's/^/# /'; failed=$((failed + 1)) ;;
  esac
}
# succeeds NAME CMD...: CMD exits with status 0.
succeeds() {
  name=$1; shift
  n=$((n + 1))
  if got=$("$@" 2>&1); then echo "ok $n - $name"; else
    echo "not ok $n - $name"; printf '%s\n' "$got" | sed 's/^/# /'; failed=$((failed + 1))
  fi
}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
plugindir="/usr/lib/$multiarch/libruntime/plugins"
cd "$work"

step "using the installed packages"
expect "rthost runs with no further step (ldconfig done by the package)" \
  "plugin ABI" rthost --version
expect "rthost list finds the packaged plugins" "mathx" rthost list
expect "... in the plugin directory $plugindir" "$plugindir/mathx.so" rthost list
expect "rthost calls a packaged plugin" "5" rthost call mathx add 2 3
expect "pkg-config --variable=plugindir runtime" "$plugindir" \
  pkg-config --variable=plugindir runtime
expect "pkg-config --cflags --libs runtime" "-lruntime" pkg-config --cflags --libs runtime
expect "man -w rt_module_load finds its page" "/usr/share/man/man3/rt_module" \
  man -w rt_module_load
expect "man -w rthost" "/usr/share/man/man1/rthost.1" man -w rthost
expect "man -w RT_PLUGIN_STATIC" "/usr/share/man/man3/" man -w RT_PLUGIN_STATIC
if [ -d /usr/share/bash-completion/completions ] &&
   dpkg -L rthost | grep -q bash-completion; then
  succeeds "rthost's bash completion is packaged" \
    test -f /usr/share/bash-completion/completions/rthost
fi

cp "$src/tests/install/app.c" "$src/tests/install/plugin.c" \
  "$src/tests/install/CMakeLists.txt" .
succeeds "cc app.c -lruntime" cc app.c -o app -lruntime
expect "./app runs against the packaged library and plugin" \
  "mathx.add(2, 3) = 5" ./app mathx add 2 3
succeeds "cc -shared -fPIC plugin.c -lruntime" \
  cc -shared -fPIC plugin.c -o outoftree.so -lruntime
expect "./app loads the out-of-tree plugin" "outoftree.triple(14) = 42" \
  ./app ./outoftree.so triple 14
expect "rthost calls the out-of-tree plugin" "42" rthost call ./outoftree.so triple 14
expect "ldd app: libruntime.so.1 from the package" "lib/$multiarch/libruntime.so.1 (" \
  ldd ./app
if [ -e "/usr/lib/$multiarch/libruntime-malloc.so.1" ]; then
  expect "LD_PRELOAD=libruntime-malloc.so.1: the app runs with malloc on the runtime heap" \
    "mathx.add(2, 3) = 5" env LD_PRELOAD=libruntime-malloc.so.1 ./app mathx add 2 3
fi
if command -v cmake > /dev/null; then
  expect "a CMake project (pkg_check_modules IMPORTED_TARGET runtime) builds" \
    "Built target app" sh -c 'cmake -S . -B cm > /dev/null && cmake --build cm'
  expect "... and its app runs its plugin" "outoftree.triple(2) = 6" \
    ./cm/app ./cm/outoftree.so triple 2
fi
echo "1..$n"
[ $failed -eq 0 ] || die "$failed of $n checks failed"
echo "deb.sh: all $n checks passed"
