#!/usr/bin/env bash
# mimalloc-bench.sh — the runtime heap (libruntime-malloc.so preloaded)
# against the C library's malloc, mimalloc and jemalloc on the real
# programs of mimalloc-bench (github.com/daanx/mimalloc-bench, bench/),
# which is not part of this project: give the path of a checkout.
#
#   bench/suite/mimalloc-bench.sh MIMALLOC_BENCH_DIR [BUILD_DIR]
#   make bench-mimalloc-bench MIMALLOC_BENCH=/path/to/mimalloc-bench
#
# It compiles the programs the way mimalloc-bench's bench/CMakeLists.txt
# does (-O3, its defines), out of tree into BUILD_DIR (default
# ./mimalloc-bench-build), without its build-bench-env.sh (which
# downloads), and runs each with the arguments of its bench.sh, N = the
# number of processors (MBENCH_PROCS), except mstress: 200 iterations
# instead of 25, which lasted a quarter of a second here:
#   cfrac espresso barnes larsonN-sized mstressN rptestN alloc-test1
#   alloc-testN xmalloc-testN cache-scratch1 cache-scratchN cache-thrash1
#   cache-thrashN glibc-simple glibc-thread
# under each contender, a library preloaded into the unchanged program:
#   glibc     nothing preloaded
#   mimalloc  MBENCH_MIMALLOC (default: $CC -print-file-name=libmimalloc.so)
#   jemalloc  MBENCH_JEMALLOC (default: ... libjemalloc.so.2)
#   rt        MBENCH_RT (default: libruntime/.libs/libruntime-malloc.so
#             under the current directory, a build tree), with
#             MBENCH_RT_LIBDIR (default: the library's directory) on
#             LD_LIBRARY_PATH for its libruntime.so.1
# A contender whose library is missing or cannot be preloaded is skipped
# with a line saying so.  MBENCH_REPS rounds (3), the contenders
# interleaved with their order turning each round; per program and
# contender the best time and the highest peak RSS (wait4's ru_maxrss,
# measured by python3).  The time is the wall-clock time, as bench.sh
# takes it, except for the programs that run for a fixed time and
# report their throughput (larson, rptest, xmalloc-test, glibc-thread):
# there it is bench.sh's "relative time" derived from that throughput.
# MBENCH_CLOCK=cpu rates the others and rptest (a fixed amount of work,
# which it times with its threads' wall clocks) by CPU time (user +
# system) instead, and larson, xmalloc-test and glibc-thread by their
# relative time times the share of the wall-clock time they had the CPU
# (CPU time / wall time), that is by operations per CPU second: on a
# shared machine the other jobs' load decides the wall-clock figures as
# much as the allocator does.
# Prints a table, then per program
#   ratio: mbench.P: rt/mimalloc = X   (speed: mimalloc's time / rt's)
#   ratio: mbench.P: rt/glibc = Y
#   ratio: mbench.P: rt/jemalloc = V
#   rss: mbench.P: rt/glibc = Z       (peak RSS, lower is better)
# and their geometric means as mbench.geomean.  A run that fails (exit
# status not 0, killed by a signal, over MBENCH_TIMEOUT seconds (120), or
# output that differs from glibc's where the output is deterministic)
# is reported with its status and gives no figure; the script then exits
# 1 if any rt run failed.  MBENCH_ONLY=p1,p2 runs only those programs.
# Exit status: 0 all rt runs fine, 1 an rt run failed, 2 usage or build
# error.
set -u -o pipefail
# Figures are read and printed in the C locale: under de_DE.UTF-8 printf
# and python would write "0,008" and the ratios came out as -nan (found
# by CI's stage that runs the suite in a German locale).
export LC_ALL=C

me=mimalloc-bench.sh
die() { # die MESSAGE: usage or set-up error, exit 2
  printf '%s: %s\n' "$me" "$1" >&2
  exit 2
}
usage="usage: $me MIMALLOC_BENCH_DIR [BUILD_DIR] (a checkout of https://github.com/daanx/mimalloc-bench)"

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  die "no mimalloc-bench checkout given; $usage"
fi
src=$1
[ -d "$src" ] || die "'$src' is not a directory; $usage"
src=$(cd "$src" && pwd) || die "cannot enter '$src'"
bench=$src/bench
for f in bench.sh bench/CMakeLists.txt bench/larson/larson.cpp \
         bench/cfrac/cfrac.c bench/glibc-bench/bench-malloc-simple.c; do
  [ -f "$src/$f" ] ||
    die "'$src' is not a mimalloc-bench checkout (no $f); $usage"
done
build=${2:-mimalloc-bench-build}
mkdir -p "$build/out" || die "cannot create the build directory '$build'"
build=$(cd "$build" && pwd) || die "cannot enter '$build'"
command -v python3 >/dev/null ||
  die "python3 not found (it measures each run's time and peak RSS; apt-get install python3)"

CC=${CC:-cc}
CXX=${CXX:-c++}
procs=${MBENCH_PROCS:-$(nproc)}
reps=${MBENCH_REPS:-3}
timeout=${MBENCH_TIMEOUT:-120}
clock=${MBENCH_CLOCK:-wall}
case "$procs$reps" in *[!0-9]*) die "MBENCH_PROCS and MBENCH_REPS must be numbers";; esac
if [ "$procs" -lt 1 ] || [ "$reps" -lt 1 ]; then
  die "MBENCH_PROCS and MBENCH_REPS must be at least 1"
fi
case "$clock" in wall|cpu) ;; *) die "MBENCH_CLOCK must be wall or cpu, not '$clock'";; esac

# ---------------------------------------------------------------- build
# As bench/CMakeLists.txt: Release (-O3 -DNDEBUG), its warnings off (old
# C that newer compilers reject otherwise), its per-program defines.
cwarn="-w -Wno-implicit-function-declaration -Wno-implicit-int -Wno-int-conversion -Wno-incompatible-pointer-types"
copt="-O3 -DNDEBUG"

# build NAME LANG FLAGS -- SOURCES... -- LIBS...: compile NAME into the
# build directory unless it is newer than all its sources.
build() {
  local name=$1 lang=$2 flags=$3 srcs=() libs=() f stale=0 cmd
  shift 3
  [ "$1" = -- ] && shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$bench/$1"); shift; done
  [ $# -gt 0 ] && shift
  libs=("$@")
  [ -x "$build/$name" ] || stale=1
  for f in "${srcs[@]}"; do
    [ -f "$f" ] || die "'$src' lacks $f: not a complete mimalloc-bench checkout"
    [ "$f" -nt "$build/$name" ] && stale=1
  done
  [ "$stale" = 1 ] || return 0
  if [ "$lang" = c ]; then cmd=$CC; else cmd=$CXX; fi
  # shellcheck disable=SC2086 # the flag lists are word lists
  if ! $cmd $copt $cwarn $flags -o "$build/$name" "${srcs[@]}" "${libs[@]}" \
       >"$build/out/build-$name.log" 2>&1; then
    cat "$build/out/build-$name.log" >&2
    die "building $name failed (command: $cmd $copt $flags -o $build/$name ...)"
  fi
}

# ------------------------------------------------------------- programs
# name|command (run in the build directory)|stdin|how its time is taken:
# wall = the measured time; rel:KIND = bench.sh's relative time from the
# output; same = also its output must equal glibc's.
programs=(
  "cfrac|./cfrac 17545186520507317056371138836327483792789528|/dev/null|same"
  "espresso|./espresso $bench/espresso/largest.espresso|/dev/null|same"
  "barnes|./barnes|$bench/barnes/input|wall"
  "larsonN-sized|./larson-sized 5 8 1000 5000 100 4141 $procs|/dev/null|rel:larson"
  "mstressN|./mstress $procs 50 200|/dev/null|wall"
  "rptestN|./rptest $procs 0 1 2 500 1000 100 8 16000|/dev/null|rel:rptest"
  "alloc-test1|./alloc-test 1|/dev/null|wall"
  "alloc-testN|./alloc-test $((procs > 16 ? 16 : procs))|/dev/null|wall"
  "xmalloc-testN|./xmalloc-test -w $procs -t 5 -s 64|/dev/null|rel:xmalloc"
  "cache-scratch1|./cache-scratch 1 1000 1 2000000 $procs|/dev/null|wall"
  "cache-scratchN|./cache-scratch $procs 1000 1 2000000 $procs|/dev/null|wall"
  "cache-thrash1|./cache-thrash 1 1000 1 2000000 $procs|/dev/null|wall"
  "cache-thrashN|./cache-thrash $procs 1000 1 2000000 $procs|/dev/null|wall"
  "glibc-simple|./glibc-simple|/dev/null|wall"
  "glibc-thread|./glibc-thread $procs|/dev/null|rel:glibc-thread"
)

wanted() { # wanted NAME: in MBENCH_ONLY, or MBENCH_ONLY unset
  [ -z "${MBENCH_ONLY:-}" ] && return 0
  case ",$MBENCH_ONLY," in *",$1,"*) return 0;; esac
  return 1
}

# needs BINARY: some program to run is BINARY (MBENCH_ONLY).
needs() {
  local p name cmd
  for p in "${programs[@]}"; do
    IFS='|' read -r name cmd _ _ <<<"$p"
    case "$cmd" in "./$1"|"./$1 "*) wanted "$name" && return 0;; esac
  done
  return 1
}

build_all() {
  local cfrac=() espresso=() barnes=() f
  for f in cfrac.c pops.c pconst.c pio.c pabs.c pneg.c pcmp.c podd.c \
           phalf.c padd.c psub.c pmul.c pdivmod.c psqrt.c ppowmod.c atop.c \
           ptoa.c itop.c utop.c ptou.c errorp.c pfloat.c pidiv.c pimod.c \
           picmp.c primes.c pcfrac.c pgcd.c; do cfrac+=("cfrac/$f"); done
  for f in cofactor.c cols.c compl.c contain.c cubestr.c cvrin.c cvrm.c \
           cvrmisc.c cvrout.c dominate.c equiv.c espresso.c essen.c exact.c \
           expand.c gasp.c getopt.c gimpel.c globals.c hack.c indep.c \
           irred.c main.c map.c matrix.c mincov.c opo.c pair.c part.c \
           primes.c reduce.c rows.c set.c setc.c sharp.c sminterf.c \
           solution.c sparse.c unate.c utility.c verify.c; do
    espresso+=("espresso/$f")
  done
  for f in code.c code_io.c load.c grav.c getparam.c util.c; do
    barnes+=("barnes/$f")
  done
  needs cfrac && build cfrac c "-std=gnu89 -DNOMEMOPT=1" -- "${cfrac[@]}" -- -lm
  needs espresso && build espresso c "-std=gnu89" -- "${espresso[@]}" -- -lm
  needs barnes && build barnes c "-std=gnu89" -- "${barnes[@]}" -- -lm
  needs larson-sized &&
    build larson-sized c++ "-std=c++17 -fsized-deallocation -DCPP=1 -DSIZED=1" \
      -- larson/larson.cpp -- -lpthread
  needs alloc-test && build alloc-test c++ "-std=c++17 -DBENCH=4" \
    -- alloc-test/test_common.cpp alloc-test/allocator_tester.cpp -- -lpthread
  needs cache-scratch &&
    build cache-scratch c++ "-std=c++17" -- cache-scratch/cache-scratch.cpp -- -lpthread
  needs cache-thrash &&
    build cache-thrash c++ "-std=c++17" -- cache-thrash/cache-thrash.cpp -- -lpthread
  needs xmalloc-test && build xmalloc-test c "" -- xmalloc-test/xmalloc-test.c -- -lpthread
  needs mstress && build mstress c "" -- mstress/mstress.c -- -lpthread
  needs rptest && build rptest c "-I$bench/rptest" -- rptest/rptest.c \
    rptest/thread.c rptest/timer.c -- -lpthread -lm
  needs glibc-simple &&
    build glibc-simple c "" -- glibc-bench/bench-malloc-simple.c -- -lpthread
  needs glibc-thread &&
    build glibc-thread c "" -- glibc-bench/bench-malloc-thread.c -- -lpthread
  return 0
}

# ----------------------------------------------------------- contenders
contenders=(rt glibc mimalloc jemalloc)
declare -A lib have
rt_default=$PWD/libruntime/.libs/libruntime-malloc.so
lib[rt]=${MBENCH_RT:-$rt_default}
lib[mimalloc]=${MBENCH_MIMALLOC:-$($CC -print-file-name=libmimalloc.so)}
lib[jemalloc]=${MBENCH_JEMALLOC:-$($CC -print-file-name=libjemalloc.so.2)}
rt_libdir=${MBENCH_RT_LIBDIR:-$(dirname "${lib[rt]}")}

envof() { # envof CONTENDER: the env(1) arguments that select it
  case "$1" in
    glibc) printf '%s\n' -u LD_PRELOAD;;
    rt) printf '%s\n' "LD_PRELOAD=${lib[rt]}" \
          "LD_LIBRARY_PATH=$rt_libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}";;
    *) printf '%s\n' "LD_PRELOAD=${lib[$1]}";;
  esac
}

have[glibc]=1
for c in rt mimalloc jemalloc; do
  have[$c]=0
  if [ ! -f "${lib[$c]}" ]; then
    echo "mbench: $c: skipped (library '${lib[$c]}' not found)"
    continue
  fi
  # The dynamic linker only warns when a preload cannot be loaded (and the
  # program then runs on glibc): that must not pass for a figure.
  mapfile -t e < <(envof "$c")
  msg=$(env "${e[@]}" /bin/true 2>&1)
  if [ -n "$msg" ]; then
    echo "mbench: $c: skipped (library '${lib[$c]}' cannot be preloaded: $msg)"
    continue
  fi
  have[$c]=1
done

# ------------------------------------------------------------- measuring
# python3 forks, execs the command with stdin/stdout/stderr redirected,
# and prints "wall_s cpu_s maxrss_kib exit_code signal timed_out" from
# wait4 (the child's own rusage, not python's).
measure_py='
import os, signal, sys, time
limit, inp, out, err = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cmd = sys.argv[5:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        for fd, path, flags in ((0, inp, os.O_RDONLY),
                                (1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(path, flags, 0o644), fd)
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
expired = []
def on_alarm(signum, frame):
    expired.append(1)
    os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, on_alarm)
signal.setitimer(signal.ITIMER_REAL, limit)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
signal.setitimer(signal.ITIMER_REAL, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
print("%.4f %.4f %d %d %d %d" % (wall, ru.ru_utime + ru.ru_stime,
      ru.ru_maxrss, code, sig, 1 if expired else 0))
'

reltime() { # reltime KIND OUTFILE: bench.sh's relative time, or nothing
  local v
  case "$1" in
    larson) v=$(sed -n 's/.*relative time: \([0-9.]*\)s.*/\1/p' "$2" | tail -n 1)
            [ -n "$v" ] && echo "$v";;
    xmalloc) v=$(sed -n 's/^rtime: \([0-9.]*\).*/\1/p' "$2" | tail -n 1)
             [ -n "$v" ] && echo "$v";;
    rptest) v=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) memory ops.*/\1/p' "$2" | tail -n 1)
            [ -n "$v" ] && [ "$v" != 0 ] && awk -v o="$v" 'BEGIN{printf "%.4f\n", 2000000/o}';;
    glibc-thread) v=$(sed -n 's/^\([0-9][0-9]*\) iterations.*/\1/p' "$2" | tail -n 1)
                  [ -n "$v" ] && [ "$v" != 0 ] && awk -v o="$v" 'BEGIN{printf "%.4f\n", 1000000000/o}';;
  esac
}

declare -A best wall cpu rss failed
rt_failed=0

# run_one NAME COMMAND STDIN HOW CONTENDER: one run, folded into the
# contender's best time and highest peak RSS for the program.
run_one() {
  local name=$1 cmd=$2 in=$3 how=$4 c=$5 k out err res e
  k=$1/$5
  local w u m code sig expired t detail=""
  out=$build/out/$name-$c.out
  err=$build/out/$name-$c.err
  mapfile -t e < <(envof "$c")
  # shellcheck disable=SC2086 # the command is a word list
  res=$(cd "$build" && python3 -c "$measure_py" "$timeout" "$in" "$out" "$err" \
          env "${e[@]}" $cmd) || res=""
  read -r w u m code sig expired <<<"$res"
  if [ -z "${expired:-}" ]; then
    detail="not measured (python3 failed)"
  elif [ "$expired" = 1 ]; then
    detail="timed out after ${timeout}s (killed)"
  elif [ "$sig" != 0 ]; then
    detail="killed by signal $sig ($(kill -l "$sig" 2>/dev/null || echo "?"))"
  elif [ "$code" != 0 ]; then
    detail="exit status $code"
  elif grep -q 'cannot be preloaded' "$err"; then
    detail="the library was not preloaded"
  fi
  if [ -z "$detail" ]; then
    case "$how" in
      rel:*) t=$(reltime "${how#rel:}" "$out")
             [ -n "$t" ] || detail="no throughput figure in its output";;
      same) if [ "$c" != glibc ] && [ -f "$build/out/$name-glibc.ref" ] &&
               ! cmp -s "$out" "$build/out/$name-glibc.ref"; then
              detail="output differs from glibc's ($out)"
            fi
            [ "$c" = glibc ] && cp "$out" "$build/out/$name-glibc.ref";;
    esac
  fi
  if [ -n "$detail" ]; then
    echo "mbench: $name $c: failed, $detail; no figure"
    sed -n '1,5s/^/mbench:   stderr: /p' "$err"
    failed[$k]="${failed[$k]:+${failed[$k]}; }$detail"
    [ "$c" = rt ] && rt_failed=1
    return
  fi
  case "$how" in
    rel:rptest) # a fixed amount of work, timed by its threads' clocks
                [ "$clock" = cpu ] && t=$u;;
    rel:*) if [ "$clock" = cpu ]; then
             t=$(awk -v t="$t" -v u="$u" -v w="$w" 'BEGIN{printf "%.4f\n", t * u / w}')
           fi;;
    *) if [ "$clock" = cpu ]; then t=$u; else t=$w; fi;;
  esac
  if [ -z "${best[$k]:-}" ] || awk -v a="$t" -v b="${best[$k]}" 'BEGIN{exit !(a < b)}'; then
    best[$k]=$t; wall[$k]=$w; cpu[$k]=$u
  fi
  if [ -z "${rss[$k]:-}" ] || [ "$m" -gt "${rss[$k]}" ]; then
    rss[$k]=$m
  fi
}

# ------------------------------------------------------------------ main
names=()
for p in "${programs[@]}"; do
  IFS='|' read -r name _ _ _ <<<"$p"
  wanted "$name" && names+=("$name")
done
IFS=, read -r -a only <<<"${MBENCH_ONLY:-}"
for o in "${only[@]}"; do
  case " ${names[*]} " in *" $o "*) ;;
    *) die "MBENCH_ONLY names '$o', not one of: $(for p in "${programs[@]}"; do printf '%s ' "${p%%|*}"; done)";;
  esac
done
[ ${#names[@]} -gt 0 ] || die "MBENCH_ONLY='${MBENCH_ONLY:-}' names no program"
build_all
commit=""
[ -e "$src/.git" ] && commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null)
echo "mbench: mimalloc-bench at $src${commit:+ (commit $commit)}, built in $build"
if [ "$clock" = cpu ]; then
  rating="best CPU time (operations per CPU second for larson, xmalloc-test, glibc-thread)"
else
  rating="best wall-clock time (relative time from the output for larson, rptest, xmalloc-test, glibc-thread)"
fi
echo "mbench: N = $procs, $reps rounds interleaved; $rating, highest peak RSS"
rm -f "$build"/out/*-glibc.ref
for ((r = 0; r < reps; r++)); do
  for p in "${programs[@]}"; do
    IFS='|' read -r name cmd in how <<<"$p"
    wanted "$name" || continue
    # glibc first in every round for the programs whose output is
    # compared (the reference), the others' order turning each round.
    order=()
    for ((i = 0; i < ${#contenders[@]}; i++)); do
      order+=("${contenders[(i + r) % ${#contenders[@]}]}")
    done
    if [ "$how" = same ]; then
      order=(glibc "${order[@]/glibc/}")
    fi
    for c in "${order[@]}"; do
      if [ -z "$c" ] || [ "${have[$c]}" != 1 ]; then continue; fi
      run_one "$name" "$cmd" "$in" "$how" "$c"
    done
  done
done

# A program that failed in any round under a contender gives no figure
# for it (not even from the rounds that went through).
for k in "${!failed[@]}"; do unset "best[$k]"; done
printf '%-15s %-9s %9s %9s %9s %14s\n' program contender "time s" "wall s" "CPU s" "peak RSS MiB"
for name in "${names[@]}"; do
  for c in "${contenders[@]}"; do
    k=$name/$c
    [ -n "${best[$k]:-}" ] || continue
    awk -v n="$name" -v c="$c" -v t="${best[$k]}" -v w="${wall[$k]}" \
        -v u="${cpu[$k]}" -v m="${rss[$k]}" \
        'BEGIN{printf "%-15s %-9s %9.3f %9.3f %9.3f %14.1f%s\n", n, c, t, w, u, m / 1024, ""}'
  done
done

# Ratio lines and geometric means (over the programs that have both).
ratios=""
for name in "${names[@]}"; do
  [ -n "${best[$name/rt]:-}" ] || continue
  for o in mimalloc glibc jemalloc; do
    [ -n "${best[$name/$o]:-}" ] &&
      ratios+="speed $name $o ${best[$name/$o]} ${best[$name/rt]}"$'\n'
  done
  [ -n "${rss[$name/glibc]:-}" ] &&
    ratios+="rss $name glibc ${rss[$name/rt]} ${rss[$name/glibc]}"$'\n'
done
printf '%s' "$ratios" | awk '
  $1 == "speed" { v = $4 / $5; printf "ratio: mbench.%s: rt/%s = %.2f\n", $2, $3, v
                  s[$3] += log(v); n[$3]++ }
  $1 == "rss"   { v = $4 / $5; printf "rss: mbench.%s: rt/glibc = %.2f\n", $2, v
                  sr += log(v); nr++ }
  END {
    split("mimalloc glibc jemalloc", os, " ")
    for (i = 1; i <= 3; i++) if (n[os[i]])
      printf "ratio: mbench.geomean: rt/%s = %.2f\n", os[i], exp(s[os[i]] / n[os[i]])
    if (nr) printf "rss: mbench.geomean: rt/glibc = %.2f\n", exp(sr / nr)
  }'
# Every failure again, so that none goes unseen under the figures.
for name in "${names[@]}"; do
  for c in "${contenders[@]}"; do
    [ -n "${failed[$name/$c]:-}" ] &&
      echo "failed: mbench.$name: $c: ${failed[$name/$c]}"
  done
done
if [ "${have[rt]}" != 1 ]; then
  echo "mbench: rt was skipped: no ratio lines"
  exit 1
fi
exit "$rt_failed"
