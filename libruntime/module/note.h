/*
 * note.h — reading a plugin file's ELF headers and manifest note
 * without loading it.  Private to libruntime.
 */
#ifndef RT_ELFNOTE_H
#define RT_ELFNOTE_H

#include "../internal.h"
#include <runtime/call.h>

/* A plugin file up to this size is read whole, in one pread, before
 * dlopen: headers, notes, dynamic section and the descriptor's strings
 * are then all in hand (see rt__plugin_file.image).  A larger file, or
 * one only listed, has its first RT__ELF_HEAD bytes read, and the rest as
 * needed. */
#define RT__ELF_IMAGE_MAX ((size_t)64 * 1024)
#define RT__ELF_HEAD ((size_t)4096)

/* Where the bytes come from: an open file (FD >= 0, SIZE its length) or
 * memory (MEM, SIZE).  LABEL names it in messages.  For a file, BUF
 * (BUFLEN bytes, at most SIZE) receives the file's first BUFLEN bytes. */
struct rt__elf_src {
  int fd;
  const unsigned char *mem;
  size_t size;
  const char *label;
  unsigned char *buf;
  size_t buflen;
};

/* A PT_LOAD segment as the file declares it. */
struct rt__elf_seg {
  uint64_t vaddr, memsz, offset, filesz;
  bool writable;
};

#define RT__ELF_SEGS_MAX 8

/* What rt__elf_read found besides the manifest. */
struct rt__elf_info {
  bool needs_runtime; /* DT_NEEDED lists libruntime.so.1 */
  bool symbols_known; /* the dynamic symbol table was read: */
  bool uses_runtime;  /*   an undefined rt_* symbol is referenced */
  bool has_descriptor; /*  rt_plugin_descriptor is defined */
  char defines[64];   /*   a libruntime symbol (rt_*, not the plugin
                       *   descriptor) it defines itself, or "" */
  bool textrel;       /* DT_TEXTREL: read-only segments get written */
  rt_sig **sigs;      /* parsed export signatures, if asked for */
  size_t nsigs;
  uint64_t load_lo;   /* virtual address span of the PT_LOAD segments */
  uint64_t load_hi;
  unsigned nsegs;     /* the first RT__ELF_SEGS_MAX PT_LOAD segments */
  struct rt__elf_seg segs[RT__ELF_SEGS_MAX];
};

/*
 * rt__elf_read: check SRC's ELF header against this process (class, byte
 * order, machine, ET_DYN, segments inside the file), find and validate the
 * libruntime manifest note, parse every signature.  *OUT gets the manifest
 * with its path field set to PATH.  If INFO is non-NULL, also read
 * DT_NEEDED and keep the parsed signatures (free with rt__elf_info_free).
 * Errors: RT_EELF, RT_EMANIFEST, RT_ESIG, RT_EIO, RT_ENOMEM.
 */
RT_HIDDEN int rt__elf_read(const struct rt__elf_src *src, const char *path,
                           rt_manifest **out, struct rt__elf_info *info);

/* rt__elf_info_free: drop the signatures kept in INFO. */
RT_HIDDEN void rt__elf_info_free(struct rt__elf_info *info);

#endif /* RT_ELFNOTE_H */
