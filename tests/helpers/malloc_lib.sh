# malloc_lib.sh — shared by the tests of libruntime-malloc.so: where it
# is, and `preloaded CMD...`, which runs CMD with it preloaded.  Source
# after tap.sh.

malloc_so="$top_builddir/libruntime/.libs/libruntime-malloc.so"
libs_dir="$top_builddir/libruntime/.libs"
malloc_dir="$libs_dir" # where libruntime-malloc.so is taken from (malloc_copy)

# The sanitizers' runtimes replace malloc themselves and must come first.
[ -z "$RT_SAN_FLAGS" ] ||
  skip_all "sanitizer build: their runtimes replace malloc themselves"
[ -e "$malloc_so" ] || skip_all "libruntime-malloc.so not built"

# malloc_copy: preload (and link with) a private copy in $tmp, taken
# under the install lock.  `make install` relinks libruntime-malloc.so
# inside the build tree (it depends on the uninstalled libruntime.la),
# and the tests that install run beside this one: preloading the build
# tree's file then found it half written ("cannot be preloaded (file too
# short)", seen in make distcheck).  Call it once $tmp exists.
malloc_copy() {
  mkdir -p "$tmp/malloc-lib" &&
    (cd "$top_builddir" && MAKEFLAGS= flock .install-lock \
       cp -L "$malloc_so" "$tmp/malloc-lib/libruntime-malloc.so") &&
    ln -s libruntime-malloc.so "$tmp/malloc-lib/libruntime-malloc.so.1" ||
    { fail "a private copy of libruntime-malloc.so"; finish; }
  malloc_dir="$tmp/malloc-lib"
  malloc_so="$malloc_dir/libruntime-malloc.so"
}

preloaded() {
  LD_PRELOAD="$malloc_so" LD_LIBRARY_PATH="$malloc_dir:$libs_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
}
