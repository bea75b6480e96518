#!/bin/sh
# oom.sh — out of memory is never silent.  rthost runs under address-space
# limits (ulimit -v) from where the dynamic loader cannot even map
# libruntime up to where everything fits.  At every limit the run either
# succeeds, or prints one line saying memory ran out and exits 1 (a system
# failure; running out while loading a plugin too, not 3), or fails in the
# dynamic loader before rthost runs (which says so itself, or, glibc 2.36
# at some limits, crashes: told apart by LD_DEBUG=statistics).
. "$top_srcdir/tests/helpers/host_lib.sh"

# The real binary, not libtool's wrapper script (a shell of its own, with
# its own memory needs).
bin="$top_builddir/host/.libs/rthost"
[ -x "$bin" ] || bin="$top_builddir/host/.libs/lt-rthost"
[ -x "$bin" ] || skip_all "no host/.libs/rthost"
if ldd "$bin" 2>/dev/null | grep -q 'lib[at]san'; then
  skip_all "sanitizer builds reserve more address space than any limit here"
fi
LD_LIBRARY_PATH="$top_builddir/libruntime/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

# limited MB ARG...: run the real rthost with at most MB megabytes of
# address space; sets status, out, err.
limited() {
  mb=$1; shift
  (ulimit -v $((mb * 1024)) && exec "$bin" "$@") > "$tmp/out" 2> "$tmp/err" < /dev/null
  status=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  if [ $status -eq 139 ] && [ -z "$out$err" ]; then
    # Killed before a word: glibc 2.36's dynamic loader does not check
    # the allocation of the initial TLS (init_tls) and crashes at some
    # limits, before rthost runs (seen at 36 MB with Fedora's build
    # flags).  Its statistics, printed once it has loaded everything,
    # tell that crash from one of rthost's.
    (ulimit -v $((mb * 1024)) && LD_DEBUG=statistics exec "$bin" "$@") \
      > /dev/null 2> "$tmp/ld" < /dev/null
    grep -q "runtime linker statistics" "$tmp/ld" || loader_crash=1
  fi
}

# judge NAME WANT: the outcome of the last run is one of the three.
oom_seen=0; ok_seen=0
judge() {
  lines=$(printf '%s\n' "$err" | wc -l)
  if [ "${loader_crash:-0}" -eq 1 ]; then
    loader_crash=0
    ok "$1: the dynamic loader crashed before rthost ran (glibc's init_tls)"
    return
  fi
  if [ "$status" -eq 0 ] && [ "$out" = "$2" ] && [ -z "$err" ]; then
    ok_seen=$((ok_seen + 1)); ok "$1: succeeds"
  elif [ "$status" -eq 1 ] && [ "$lines" -eq 1 ] &&
       case $err in "rthost: "*"out of memory; "*) true ;; *) false ;; esac; then
    oom_seen=$((oom_seen + 1)); ok "$1: exit 1, one line: out of memory"
  elif [ "$status" -eq 127 ] &&
       case $err in *"error while loading shared libraries"*) true ;; *) false ;; esac; then
    ok "$1: the dynamic loader says it cannot start rthost"
  else
    fail "$1: succeeds, or says out of memory and exits 1"; show
  fi
}

version=$("$bin" --version)
for mb in 30 32 34 35 36 37 38 39 40 41 42 43 44 46 48 52 56 64; do
  limited $mb --version
  judge "--version under ulimit -v ${mb} MB" "$version"
  limited $mb --plugin-path "$plugdir" call mathx add 2 3
  judge "call under ulimit -v ${mb} MB" 5
  limited $mb --plugin-path "$plugdir" call strings upper abc
  judge "call strings under ulimit -v ${mb} MB" ABC
done
# A plugin the dynamic loader cannot map for want of memory (a gibibyte of
# zeroes under a 400 MB limit): out of memory, exit 1.  A plugin with
# more initial-exec TLS than dlopen() has room for ("cannot allocate
# memory in static TLS block"): refused, exit 3, not out of memory, at
# any limit.  The first was a refusal advising missing libraries in the
# library's words (found with Fedora's build flags, whose larger rthost
# met it at 48 MB), the second "out of memory" in rthost's.
mkdir "$tmp/big" && chmod 755 "$tmp/big"
for p in bigbss bigtls; do
  ${CC:-cc} -O2 -shared -fPIC -I"$top_srcdir/libruntime" \
    -I"$top_builddir/libruntime" "$top_srcdir/tests/plugins/$p.c" \
    -o "$tmp/big/$p.so" -L"$top_builddir/libruntime/.libs" -lruntime \
    >> "$tmp/cc.log" 2>&1 || { diag "$(cat "$tmp/cc.log")"; fail "$p.so builds"; }
  chmod 755 "$tmp/big/$p.so" 2> /dev/null
done
limited 400 --plugin-path "$tmp/big" call bigbss.touch 5
if [ "$status" -eq 1 ] &&
   case $err in "rthost: bigbss: out of memory; "*) true ;; *) false ;; esac; then
  ok "a plugin the loader cannot map: out of memory, exit 1"
else
  fail "a plugin the loader cannot map: out of memory, exit 1"; show
fi
for mb in 400 0; do
  lim="ulimit -v $mb MB"; [ $mb -eq 0 ] && lim="no limit"
  if [ $mb -eq 0 ]; then
    "$bin" --plugin-path "$tmp/big" call bigtls.touch 5 > "$tmp/out" 2> "$tmp/err"
    status=$?; out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  else limited $mb --plugin-path "$tmp/big" call bigtls.touch 5; fi
  if [ "$status" -eq 3 ] &&
     case $err in *"static TLS block"*"-ftls-model=initial-exec"*) true ;; *) false ;; esac; then
    ok "a plugin with too much initial-exec TLS ($lim): refused, exit 3"
  else
    fail "a plugin with too much initial-exec TLS ($lim): refused, exit 3"; show
  fi
done

check "some limit ran out of memory (the test reached the failure path)" \
  test "$oom_seen" -gt 0
check "some limit was enough (the test reached success)" test "$ok_seen" -gt 0
finish
