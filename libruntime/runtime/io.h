/*
 * runtime/io.h — buffered streams: one IO layer for the whole process.
 *
 * An rt_stream buffers reads and writes over a file descriptor (file, pipe,
 * terminal, socket), over memory (a growable buffer that can be read back),
 * or over nothing (a null sink).  Because libruntime is one shared library,
 * rt_stdin(), rt_stdout() and rt_stderr() are the same three objects for the
 * host and for every plugin: output written by any module goes through the
 * same buffer, so it appears in call order and is flushed exactly once.
 *
 * Threads: every call below is atomic with respect to the other calls on
 * the same stream: the bytes of one rt_printf() are never split by another
 * thread's output.  rt_stream_lock() groups several calls.  Reads and writes
 * of a pipe, terminal or socket stream use separate locks and buffers, so
 * one thread may block reading a socket while another writes to it.
 *
 * Errors: a failed write (EPIPE, ENOSPC, EBADF, EIO, ...) is sticky: the
 * buffered bytes are dropped, the call that hit it returns it, every later
 * write or flush on the stream returns it again, and rt_stream_close()
 * returns it.  rt_stream_error() reports it without side effects.
 *
 * SIGPIPE: libruntime never changes the process's signal dispositions.
 * Sockets are written with send(MSG_NOSIGNAL); pipes and other
 * non-regular descriptors are written with SIGPIPE blocked in the calling
 * thread for the duration of write(2), and a SIGPIPE raised by that write
 * is consumed, so a closed reader gives RT_EPIPE, never death by signal.
 *
 * Exit: every open stream is flushed when the process exits through exit()
 * or a return from main(), whichever module calls it (an atexit handler
 * registered when libruntime is loaded), and again from libruntime's
 * destructor for output written by later exit handlers.  _exit(),
 * quick_exit() and fatal signals skip this, as they skip stdio.  See
 * rt_io(3) for the interaction with stdio.
 *
 * Include <runtime.h> rather than this header.
 */
#ifndef RUNTIME_IO_H
#define RUNTIME_IO_H

#include <stdarg.h>
#include <runtime/defs.h>
#include <runtime/buf.h>

RT_BEGIN_DECLS

/* A buffered stream; opaque.  Opened by one of the functions below and
 * released by rt_stream_close(). */
typedef struct rt_stream rt_stream;

/* Size of the write and read buffers of descriptor streams, in bytes. */
#define RT_IO_BUFSIZE 32768

/*
 * rt_stream_open: open PATH with MODE as fopen(3) does: "r" read, "w"
 * write (create or truncate), "a" append (create), and "r+", "w+", "a+" for
 * both; a 'b' anywhere is ignored, an 'x' after the first letter adds
 * O_EXCL.  New files get 0666 less the umask.  The descriptor is opened
 * O_CLOEXEC.  On success *OUT is a new stream (close with rt_stream_close).
 * Errors: RT_EINVAL (bad mode or NULL argument), -errno from open(2)
 * (RT_ENOENT, RT_EACCES, RT_EISDIR, ...), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_stream_open(const char *path, const char *mode,
                          rt_stream **out) RT_WARN_UNUSED;

/*
 * rt_stream_fdopen: a stream over the open descriptor FD with MODE as in
 * rt_stream_open() (the descriptor's flags are not changed; "a" only
 * documents intent).  On success the stream owns FD and closes it in
 * rt_stream_close(); on failure FD is left open and still the caller's.
 * A socket opened "r+" gets independent read and write buffers and locks:
 * call rt_flush() before waiting for the peer's reply.
 * Errors: RT_EINVAL (bad mode), RT_EBADF (FD not open), RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_stream_fdopen(int fd, const char *mode,
                            rt_stream **out) RT_WARN_UNUSED;

/*
 * rt_stream_memory: a new growable memory stream, readable and writable.
 * Writes append; reads consume from the start, independently of writes.
 * Errors: RT_EINVAL (OUT is NULL), RT_ENOMEM.  A write that cannot grow the
 * buffer returns RT_ENOMEM and leaves the contents as they were before it.
 */
RT_API RT_WARN_UNUSED int rt_stream_memory(rt_stream **out) RT_WARN_UNUSED;

/*
 * rt_stream_memory_buf: everything written to memory stream S so far,
 * NUL-terminated (reads do not remove it).  The buffer belongs to S: do
 * not modify or free it; it is valid until the next write to or close of
 * S (hold rt_stream_lock() when other threads write to S).  NULL if S is
 * not a memory stream.
 */
RT_API const rt_buf *rt_stream_memory_buf(rt_stream *s);

/*
 * rt_stream_null: a new null sink: writes succeed and are counted, reads
 * give RT_EOF.  Errors: RT_EINVAL, RT_ENOMEM.
 */
RT_API RT_WARN_UNUSED int rt_stream_null(rt_stream **out) RT_WARN_UNUSED;

/*
 * rt_stream_close: flush S, close its descriptor if it owns one, free it,
 * and return the first error the stream met (a sticky write error, or the
 * error of this final flush or close(2)); 0 if none.  NULL gives 0.
 * The three standard streams are shared by every module: closing one only
 * flushes it and reports its error; it stays usable and fd 0/1/2 stay open.
 */
RT_API int rt_stream_close(rt_stream *s);

/*
 * The process-wide standard streams over fds 0, 1 and 2, one object each
 * for the whole process.  Never NULL, never freed.  rt_stdout() is line
 * buffered when fd 1 is a terminal and fully buffered otherwise (decided
 * at its first write); rt_stderr() is unbuffered: each call is written out
 * with one write(2) before it returns.
 */
RT_API rt_stream *rt_stdin(void);
RT_API rt_stream *rt_stdout(void);
RT_API rt_stream *rt_stderr(void);

/* rt_stream_fd: the descriptor under S, or -1 for memory and null streams
 * (or S NULL).  It stays owned by S. */
RT_API int rt_stream_fd(const rt_stream *s);

/*
 * Writing.  Each returns 0 (rt_printf: the number of bytes written) or a
 * negative code: RT_EBADF if S was not opened for writing, the stream's
 * sticky error, or the error of a write-out this call triggered.  Bytes
 * stay buffered until the buffer fills, a line ends on a line-buffered
 * stream, rt_flush(), rt_stream_close() or exit.
 */
RT_API int rt_write(rt_stream *s, const void *p, size_t n);
/* rt_puts: write the string STR; no newline is added. */
RT_API int rt_puts(rt_stream *s, const char *str);
/* rt_putc: write the byte (unsigned char)C. */
RT_API int rt_putc(rt_stream *s, int c);

/*
 * rt_printf / rt_vprintf: printf(3) formatting onto S, all of it.  The
 * conversions %d %i %u %x %c %s %% with no flags, width or precision, with
 * the length modifiers l, ll and z, are formatted straight into the stream
 * buffer; from the first other conversion on, the rest of the format goes
 * through vsnprintf(3).  %s of NULL prints "(null)".  Returns the number of
 * bytes written, or a negative code; RT_EOVERFLOW if that exceeds INT_MAX,
 * RT_EINVAL if vsnprintf rejects the format, RT_ENOMEM.  A failing call
 * that did not have to write anything out leaves no partial output.
 */
RT_API int rt_printf(rt_stream *s, const char *fmt, ...) RT_PRINTF(2, 3);
RT_API int rt_vprintf(rt_stream *s, const char *fmt, va_list ap)
    RT_PRINTF(2, 0);

/*
 * rt_flush: write out S's buffered output (no-op for memory, null and
 * read-only streams).  Returns 0 or the sticky/new write error.
 */
RT_API int rt_flush(rt_stream *s);

/*
 * rt_flush_all: rt_flush() every open stream, the standard ones included.
 * Returns 0, or the first error met (every stream is still flushed).
 */
RT_API int rt_flush_all(void);

/*
 * Reading.  S must have been opened for reading (else RT_EBADF).  Reading
 * a regular file opened for both ("r+", "w+", "a+") writes out pending
 * output first and reads from the same file position; reading rt_stdin()
 * on a terminal flushes rt_stdout() first (for prompts).  Read errors are
 * returned and remembered for rt_stream_error() but not sticky: a later
 * read tries again.  At end of input the stream's EOF flag is set; it is
 * cleared when a later read obtains data (a terminal can deliver more).
 */

/*
 * rt_read: read up to N bytes into P; *GOT is the count.  Returns 0 with
 * *GOT > 0 (it may be less than N: at most one read(2) is made, so pipes,
 * sockets and terminals return what is available), or RT_EOF with
 * *GOT == 0 at end of input, or an error with *GOT == 0.  N == 0 gives 0.
 */
RT_API RT_WARN_UNUSED int rt_read(rt_stream *s, void *p, size_t n, size_t *got);

/*
 * rt_read_full: like rt_read() but keeps reading until N bytes or end of
 * input.  Returns 0 if *GOT == N, RT_EOF if input ended first (*GOT is what
 * was read, maybe 0), or an error (*GOT is what was read before it).
 */
RT_API RT_WARN_UNUSED int rt_read_full(rt_stream *s, void *p, size_t n, size_t *got);

/*
 * rt_getline: replace LINE's contents with the next line of S, of any
 * length, INCLUDING its terminating '\n' (the last line of the input may
 * lack one; that is how it can be told apart).  Returns 0, RT_EOF (LINE
 * empty) when no byte is left, or an error (RT_ENOMEM, a read error): then
 * LINE holds the bytes consumed before the failure.
 */
RT_API RT_WARN_UNUSED int rt_getline(rt_stream *s, rt_buf *line);

/* rt_read_until: rt_getline() with DELIM (a byte value) instead of '\n'. */
RT_API RT_WARN_UNUSED int rt_read_until(rt_stream *s, int delim, rt_buf *out);

/* rt_stream_eof: true if the last read of S met end of input. */
RT_API bool rt_stream_eof(const rt_stream *s);

/* rt_stream_error: S's sticky write error, else the error of its last
 * failed read, else 0. */
RT_API int rt_stream_error(const rt_stream *s);

/*
 * rt_stream_lock / rt_stream_unlock: hold S across several calls so that
 * no other thread's output comes between them.  Recursive: the calls made
 * while holding it work as usual.  Each lock needs one unlock.  On a
 * pipe, terminal or socket it holds the write side only, so a thread
 * blocked reading the same stream does not hold up the writers; on files
 * and memory streams it holds reads out too.  Cheap when uncontended (no
 * atomic instruction while the process has a single thread).
 */
RT_API void rt_stream_lock(rt_stream *s);
RT_API void rt_stream_unlock(rt_stream *s);

/* Process-wide IO statistics (all streams, open or closed). */
struct rt_io_stats {
  uint64_t streams_open;   /* open now, the three standard ones included */
  uint64_t streams_opened; /* opened since start (standard ones excluded) */
  uint64_t bytes_written;  /* bytes accepted by write calls */
  uint64_t bytes_out;      /* bytes handed to descriptors by write-outs */
  uint64_t bytes_read;     /* bytes returned to callers by read calls */
  uint64_t flushes;        /* write-outs of a buffer to a descriptor */
  uint64_t write_errors;   /* failed write-outs */
  uint64_t read_errors;    /* failed reads */
  uint64_t reserved[8];    /* room to grow within the ABI; zero */
};

/*
 * rt_io_stats: fill OUT; RT_EINVAL if OUT is NULL.  Exact when no other
 * thread is using a stream at the time of the call.
 */
RT_API int rt_io_stats(struct rt_io_stats *out);

RT_END_DECLS

#endif /* RUNTIME_IO_H */
