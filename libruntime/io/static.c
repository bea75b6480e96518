/*
 * static.c — the IO layer (runtime/io.h): buffered streams over
 * descriptors, memory and nothing; the process-wide standard streams;
 * flush of every stream at exit and fork.
 *
 * Layout of a stream: the write buffer W is an rt_buf (for a memory stream
 * it IS the contents); W always keeps one spare byte so a memory stream
 * stays NUL-terminated.  Descriptor streams have a separate read buffer.
 * WLOCK guards the write side, RLOCK the read side; streams whose reads and
 * writes share state (seekable files opened for both, memory streams) take
 * both, always WLOCK first.  The registry of open streams has its own mutex,
 * always taken before any stream lock.
 *
 * Built as one translation unit from a file per mechanism, so the write
 * path's always-inline helpers (locking, begin and end of a write call,
 * room in the buffer) inline into rt_write, rt_puts and rt_printf as they
 * did when the layer was one file.  In order:
 *   stream.c  registry, standard streams, locks, open and close, stats
 *   write.c   writing to descriptors, the buffer, flushing, exit and fork
 *   format.c  rt_printf and its fast conversions
 *   read.c    the read buffer and the read calls
 */
#include "../internal.h"
#include "io_int.h"
#include "../list.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "stream.c"
#include "write.c"
#include "format.c"
#include "read.c"
