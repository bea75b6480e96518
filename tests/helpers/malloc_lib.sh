# malloc_lib.sh — shared by the tests of libruntime-malloc.so: where it
# is, and `preloaded CMD...`, which runs CMD with it preloaded.  Source
# after tap.sh.

malloc_so="$top_builddir/libruntime/.libs/libruntime-malloc.so"
libs_dir="$top_builddir/libruntime/.libs"

# The sanitizers' runtimes replace malloc themselves and must come first.
[ -z "$RT_SAN_FLAGS" ] ||
  skip_all "sanitizer build: their runtimes replace malloc themselves"
[ -e "$malloc_so" ] || skip_all "libruntime-malloc.so not built"

preloaded() {
  LD_PRELOAD="$malloc_so" LD_LIBRARY_PATH="$libs_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
}
