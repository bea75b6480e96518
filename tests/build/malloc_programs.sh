#!/bin/sh
# malloc_programs.sh — real programs with libruntime-malloc.so preloaded
# give the same results as without it: the project's own CMocka suites
# and rthost tests, python3 (PYTHONMALLOC=malloc, with threads), a
# parallel sort of a large input, gcc compiling and linking a program,
# and a threaded C++ program (tests/build/malloc_cxx.cc).
. "$top_srcdir/tests/helpers/tap.sh"
. "$top_srcdir/tests/helpers/malloc_lib.sh"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
malloc_copy

# The project's suites.  Left out, because under the override they test
# something else than they are written for: test_faults arms the heap's
# fault injection, which then also fails the C library's and CMocka's
# own allocations; test_heap and test_heap_threads free malloc()ed
# blocks with rt_free() expecting an abort and count the heap's blocks
# exactly, which the C library's allocations (now on the heap) change.
for t in "$top_builddir"/tests/unit/test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  name=$(basename "$t")
  case $name in test_faults|test_heap|test_heap_threads) continue ;; *.o|*.c) continue ;; esac
  if preloaded "$t" > "$tmp/$name.log" 2>&1; then ok "suite under the override: $name"
  else diag "$(tail -20 "$tmp/$name.log")"; fail "suite under the override: $name"; fi
done
for t in host shell json; do
  if preloaded sh "$top_srcdir/tests/host/$t.sh" > "$tmp/$t.log" 2>&1; then
    ok "suite under the override: tests/host/$t.sh"
  else
    diag "$(grep -v '^ok' "$tmp/$t.log" | tail -20)"; fail "suite under the override: tests/host/$t.sh"
  fi
done

# python3 with the C allocator for everything: the override must be in
# effect (malloc returns runtime-heap blocks) and the work come out the same.
if command -v python3 > /dev/null 2>&1; then
  cat > "$tmp/work.py" <<'PY'
import ctypes, hashlib, json, random, sys, threading
if sys.argv[1] == "check":
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    rt = ctypes.CDLL("libruntime.so.1")
    rt.rt_heap_owns.argtypes = [ctypes.c_void_p]
    rt.rt_heap_owns.restype = ctypes.c_bool
    p = libc.malloc(100)
    print("owned" if rt.rt_heap_owns(p) else "not owned")
    libc.free(p)
    sys.exit(0)
out = {}
def work(k):
    r = random.Random(k)
    d = {str(i): [r.random() for _ in range(r.randrange(1, 40))] for i in range(20000)}
    out[k] = hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()
ths = [threading.Thread(target=work, args=(k,)) for k in range(3)]
for t in ths: t.start()
for t in ths: t.join()
print(sorted(out.items()))
PY
  owned=$(PYTHONMALLOC=malloc preloaded python3 "$tmp/work.py" check 2>&1)
  check "python3: malloc is the runtime heap (got '$owned')" test "$owned" = owned
  want=$(python3 "$tmp/work.py" work 2>&1)
  got=$(PYTHONMALLOC=malloc preloaded python3 "$tmp/work.py" work 2>&1)
  if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "python3 PYTHONMALLOC=malloc: same results"
  else diag "want $want" "got  $got"; fail "python3 PYTHONMALLOC=malloc: same results"; fi
else
  ok "# SKIP python3 not installed"
fi

# sort with two threads over ~40 MB.
awk 'BEGIN { srand(7); for (i = 0; i < 1500000; i++)
  printf "%d %x line-%d\n", int(rand() * 1e9), int(rand() * 1e9), i }' > "$tmp/in"
LC_ALL=C sort --parallel=2 -S 64M "$tmp/in" > "$tmp/want"
if LC_ALL=C preloaded sort --parallel=2 -S 64M "$tmp/in" > "$tmp/got" 2> "$tmp/sort.err" &&
   cmp -s "$tmp/want" "$tmp/got" && [ -s "$tmp/got" ]; then
  ok "sort --parallel=2: same output"
else
  diag "$(cat "$tmp/sort.err")"; fail "sort --parallel=2: same output"
fi

# gcc (and cc1, as, collect2, ld, all preloaded) compiling and linking.
if command -v gcc > /dev/null 2>&1; then
  inc="-I$top_srcdir/libruntime -I$top_builddir/libruntime"
  gcc -O2 $inc -c "$top_srcdir/tests/install/prog.c" -o "$tmp/want.o"
  if preloaded gcc -O2 $inc -c "$top_srcdir/tests/install/prog.c" -o "$tmp/got.o" 2> "$tmp/gcc.err" &&
     cmp -s "$tmp/want.o" "$tmp/got.o"; then
    ok "gcc -O2 -c: the same object file"
  else
    diag "$(cat "$tmp/gcc.err")"; fail "gcc -O2 -c: the same object file"
  fi
  if preloaded gcc "$tmp/got.o" -L"$libs_dir" -lruntime -o "$tmp/prog" 2> "$tmp/ld.err"; then
    out=$(preloaded "$tmp/prog")
    check "gcc links it and it runs (got '$out')" test "$out" = "libruntime $(sed -n 's/^Version: //p' "$top_builddir/libruntime/runtime.pc")"
  else
    diag "$(cat "$tmp/ld.err")"; fail "gcc links it and it runs"
  fi
else
  ok "# SKIP gcc not installed"
fi

# A threaded C++ program.
if command -v "${CXX:-g++}" > /dev/null 2>&1; then
  if "${CXX:-g++}" -O2 -std=c++17 -pthread "$top_srcdir/tests/build/malloc_cxx.cc" \
       -o "$tmp/cxx" -ldl 2> "$tmp/cxx.err"; then
    out=$(preloaded "$tmp/cxx" 2>&1)
    case $out in
      "ok "*) ok "threaded C++ program: every new/delete form, bad_alloc ($out)" ;;
      *) diag "$out"; fail "threaded C++ program: every new/delete form, bad_alloc" ;;
    esac
    # Not preloaded, it must notice.
    if "$tmp/cxx" > /dev/null 2>&1; then fail "the C++ program fails without the override"
    else ok "the C++ program fails without the override"; fi
  else
    diag "$(cat "$tmp/cxx.err")"; fail "the C++ program builds"
  fi
else
  ok "# SKIP no C++ compiler"
fi
finish
