/*
 * note.c — ELF header checks and the plugin manifest note reader.
 *
 * Everything here reads untrusted bytes: every offset and size from the
 * file is checked against the file's length before it is used, and
 * integers are copied out with memcpy (no unaligned access).  A plugin
 * file of up to RT__ELF_IMAGE_MAX bytes is read with one pread, whole (a
 * system call costs about a microsecond, copying the rest of a small file
 * a fraction of that); a larger one with at most three: its first 4 KiB
 * (ELF header, program headers and, in practice, the notes), the note
 * segment if it lies further, and the dynamic section and its string
 * table.
 */
#define _GNU_SOURCE 1 /* dladdr, dladdr1, dlinfo */
#include "note.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Bounds on what a sane plugin has; larger values are refused, so a
 * hostile file cannot make the reader allocate much. */
#define NOTE_SEG_MAX (1u << 20)
#define DYNSTR_MAX (1u << 24)
#define EXPORTS_MAX 1024
#define NAME_MAX_LEN 255

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))

struct reader {
  const struct rt__elf_src *src;
  const char *label;
  const unsigned char *head; /* the source's first HEADLEN bytes */
  size_t headlen;
  ElfW(Ehdr) eh;
  uint64_t load_lo, load_hi;
  bool textrel;
  unsigned nsegs;
  struct rt__elf_seg segs[RT__ELF_SEGS_MAX];
};

/* A view of bytes of the file: a pointer into memory or into the head
 * buffer, or into TMP (heap) that the caller frees. */
struct view {
  const unsigned char *p;
  unsigned char *tmp;
};

static int prime(struct reader *r)
{
  const struct rt__elf_src *s = r->src;
  if (s->fd < 0) {
    r->head = s->mem;
    r->headlen = s->size;
    return 0;
  }
  size_t want = s->buflen < s->size ? s->buflen : s->size;
  r->head = s->buf;
  if (want == 0)
    return 0;
  ssize_t got = pread(s->fd, s->buf, want, 0);
  if (got < 0)
    return rt__syserror(errno, "cannot read '%s'", r->label);
  r->headlen = (size_t)got;
  if (r->headlen < want)
    return rt__error(RT_EIO, "'%s' became shorter while it was read; is it "
                     "being rewritten?", r->label);
  return 0;
}

/* Bytes [OFF, OFF+LEN) of the source; the range was checked against the
 * size by the caller. */
static int view_get(struct reader *r, uint64_t off, size_t len,
                    struct view *v)
{
  const struct rt__elf_src *s = r->src;
  v->tmp = NULL;
  if (off > s->size || len > s->size - off)
    return rt__error(RT_EELF, "'%s' is truncated: %zu bytes at offset %llu "
                     "lie beyond its end (%zu bytes)", r->label, len,
                     (unsigned long long)off, s->size);
  if (s->fd < 0) {
    v->p = s->mem + off;
    return 0;
  }
  if (off + len <= r->headlen) {
    v->p = r->head + off;
    return 0;
  }
  v->tmp = rt_alloc(len ? len : 1);
  if (v->tmp == NULL)
    return rt__error_context("reading '%s'", r->label);
  ssize_t got = pread(s->fd, v->tmp, len, (off_t)off);
  if (got != (ssize_t)len) {
    rt_free(v->tmp);
    return got < 0 ? rt__syserror(errno, "cannot read '%s'", r->label)
                   : rt__error(RT_EIO, "'%s' became shorter while it was "
                               "read; is it being rewritten?", r->label);
  }
  v->p = v->tmp;
  return 0;
}

/* ---- what this process is: taken from libruntime's own ELF header ---- */

static ElfW(Ehdr) native;

static void native_init(void)
{
  Dl_info info;
  if (dladdr((void *)rt_abi_version, &info) && info.dli_fbase)
    memcpy(&native, info.dli_fbase, sizeof native);
}

static const ElfW(Ehdr) *native_ehdr(void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, native_init);
  return &native;
}

static const char *machine_name(unsigned m)
{
  switch (m) {
  case EM_X86_64: return "x86-64";
  case EM_386: return "i386";
  case EM_AARCH64: return "aarch64";
  case EM_ARM: return "arm";
  case EM_RISCV: return "riscv";
  case EM_PPC64: return "ppc64";
  case EM_PPC: return "ppc";
  case EM_S390: return "s390";
  case EM_MIPS: return "mips";
  default: return "another machine";
  }
}

/* ---- ELF header ---- */

static int check_ident(struct reader *r)
{
  const unsigned char *b = r->head;
  size_t size = r->src->size;
  if (size == 0)
    return rt__error(RT_EELF, "'%s' is empty (0 bytes), not a shared object;"
                     " rebuild the plugin", r->label);
  if (size < SELFMAG || memcmp(b, ELFMAG, SELFMAG) != 0)
    return rt__error(RT_EELF, "'%s' is not an ELF file; a plugin is a shared "
                     "object built with cc -shared", r->label);
  if (size < sizeof(ElfW(Ehdr)))
    return rt__error(RT_EELF, "'%s' is truncated: %zu bytes, shorter than "
                     "an ELF header; rebuild or reinstall it", r->label, size);
  memcpy(&r->eh, b, sizeof r->eh);
  return 0;
}

static int check_class(struct reader *r)
{
  const ElfW(Ehdr) *me = native_ehdr();
  const ElfW(Ehdr) *eh = &r->eh;
  if (eh->e_ident[EI_CLASS] != me->e_ident[EI_CLASS])
    return rt__error(RT_EELF, "'%s' is a %s-bit ELF file, this process is "
                     "%s-bit; rebuild the plugin for this machine", r->label,
                     eh->e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64",
                     me->e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64");
  if (eh->e_ident[EI_DATA] != me->e_ident[EI_DATA])
    return rt__error(RT_EELF, "'%s' has the other byte order than this "
                     "process; rebuild the plugin for this machine", r->label);
  if (eh->e_machine != me->e_machine)
    return rt__error(RT_EELF, "'%s' was built for %s (e_machine %u), this "
                     "process runs on %s (e_machine %u); rebuild the plugin "
                     "for this machine", r->label,
                     machine_name(eh->e_machine), eh->e_machine,
                     machine_name(me->e_machine), me->e_machine);
  return 0;
}

static int check_type(struct reader *r)
{
  const ElfW(Ehdr) *eh = &r->eh;
  if (eh->e_type == ET_REL)
    return rt__error(RT_EELF, "'%s' is a relocatable object (ET_REL, a .o "
                     "file), not a shared object; link it with cc -shared",
                     r->label);
  if (eh->e_type != ET_DYN)
    return rt__error(RT_EELF, "'%s' is an ELF file of type %u, not a shared "
                     "object (ET_DYN); build it with cc -shared -fPIC",
                     r->label, eh->e_type);
  if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(ElfW(Phdr)))
    return rt__error(RT_EELF, "'%s' has no usable program headers "
                     "(e_phnum %u, e_phentsize %u)", r->label, eh->e_phnum,
                     eh->e_phentsize);
  uint64_t end = (uint64_t)eh->e_phnum * sizeof(ElfW(Phdr));
  if (eh->e_phoff > r->src->size || end > r->src->size - eh->e_phoff)
    return rt__error(RT_EELF, "'%s' is truncated: its program headers end "
                     "at byte %llu, the file has %zu; rebuild or reinstall "
                     "it", r->label,
                     (unsigned long long)(eh->e_phoff + end), r->src->size);
  return 0;
}

/* Copy program header I out of the file (alignment-safe). */
static int phdr_get(struct reader *r, unsigned i, ElfW(Phdr) *ph)
{
  struct view v;
  uint64_t off = r->eh.e_phoff + (uint64_t)i * sizeof *ph;
  int rc = view_get(r, off, sizeof *ph, &v);
  if (rc == 0)
    memcpy(ph, v.p, sizeof *ph);
  rt_free(v.tmp);
  return rc;
}

/* Every segment must lie inside the file: a truncated copy fails here. */
static int check_segments(struct reader *r)
{
  for (unsigned i = 0; i < r->eh.e_phnum; i++) {
    ElfW(Phdr) ph;
    int rc = phdr_get(r, i, &ph);
    if (rc < 0)
      return rc;
    if (ph.p_type == PT_LOAD && ph.p_vaddr < r->load_lo)
      r->load_lo = ph.p_vaddr;
    if (ph.p_type == PT_LOAD && ph.p_vaddr + ph.p_memsz > r->load_hi)
      r->load_hi = ph.p_vaddr + ph.p_memsz;
    if (ph.p_type == PT_LOAD && r->nsegs < RT__ELF_SEGS_MAX)
      r->segs[r->nsegs++] = (struct rt__elf_seg){
          ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz,
          (ph.p_flags & PF_W) != 0};
    if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE &&
        ph.p_type != PT_DYNAMIC)
      continue;
    if (ph.p_offset > r->src->size || ph.p_filesz > r->src->size - ph.p_offset)
      return rt__error(RT_EELF, "'%s' is truncated: segment %u ends at byte "
                       "%llu, the file has %zu bytes; rebuild or reinstall "
                       "it", r->label, i,
                       (unsigned long long)(ph.p_offset + ph.p_filesz),
                       r->src->size);
  }
  return 0;
}

/* ---- the manifest note ---- */

struct found {
  const unsigned char *desc;
  size_t descsz;
  unsigned char *tmp; /* storage of DESC, if it was read */
};

static int bad_note(struct reader *r, size_t off, const char *why)
{
  return rt__error(RT_EMANIFEST, "'%s' has a malformed ELF note at byte %zu "
                   "of a note segment: %s; rebuild the plugin", r->label, off,
                   why);
}

/*
 * Walk the notes of one segment; a manifest found is recorded in F.  As
 * the gABI, glibc (elf/dl-prop.h) and readelf lay them out: the name
 * follows the 12-byte header, the descriptor starts at the next multiple
 * of ALIGN (4, or 8 in a segment aligned to 8 such as the
 * .note.gnu.property that -fcf-protection and -z shstk add) and so does
 * the next note.  Offsets are relative to the segment, whose start is
 * aligned.
 */
static int walk_notes(struct reader *r, const unsigned char *seg, size_t n,
                      size_t align, struct found *f, bool *dup)
{
  size_t off = 0;
  while (n - off >= 12) {
    uint32_t w[3];
    memcpy(w, seg + off, sizeof w);
    size_t name_off = off + 12;
    if (w[0] > n - name_off)
      return bad_note(r, off, "its name runs past the segment");
    uint64_t desc_off = ALIGN_UP((uint64_t)name_off + w[0], align);
    if (desc_off > n || w[1] > n - desc_off)
      return bad_note(r, off, "its data runs past the segment");
    if (w[0] == sizeof(RT_PLUGIN_NOTE_OWNER) && w[2] == RT_PLUGIN_NOTE_TYPE &&
        memcmp(seg + name_off, RT_PLUGIN_NOTE_OWNER, w[0]) == 0) {
      *dup = f->desc != NULL;
      f->desc = seg + desc_off;
      f->descsz = w[1];
    }
    uint64_t next = ALIGN_UP(desc_off + w[1], align);
    if (next >= n)
      break;
    off = (size_t)next;
  }
  return 0;
}

/* Note alignment of a PT_NOTE segment: 4 or 8 (0 and 1 mean 4, as
 * readelf reads them); any other value is no note segment of a loadable
 * object, and it is skipped (0 returned). */
static size_t note_align(uint64_t p_align)
{
  if (p_align <= 4)
    return 4;
  return p_align == 8 ? 8 : 0;
}

static int find_manifest(struct reader *r, struct found *f)
{
  bool dup = false;
  for (unsigned i = 0; i < r->eh.e_phnum && !dup; i++) {
    ElfW(Phdr) ph;
    struct view v;
    int rc = phdr_get(r, i, &ph);
    if (rc < 0)
      return rc;
    if (ph.p_type != PT_NOTE || ph.p_filesz == 0 ||
        note_align(ph.p_align) == 0)
      continue;
    if (ph.p_filesz > NOTE_SEG_MAX)
      return rt__error(RT_EMANIFEST, "'%s' has a note segment of %llu bytes,"
                       " more than a plugin manifest can need", r->label,
                       (unsigned long long)ph.p_filesz);
    if ((rc = view_get(r, ph.p_offset, ph.p_filesz, &v)) < 0)
      return rc;
    const unsigned char *before = f->desc;
    rc = walk_notes(r, v.p, ph.p_filesz, note_align(ph.p_align), f, &dup);
    if (rc < 0 || f->desc == before) {
      rt_free(v.tmp);
      if (rc < 0)
        return rc;
      continue;
    }
    rt_free(f->tmp);
    f->tmp = v.tmp;
  }
  if (dup)
    return rt__error(RT_EMANIFEST, "'%s' has two libruntime manifest notes; "
                     "use RT_PLUGIN once per plugin", r->label);
  if (f->desc == NULL)
    return rt__error(RT_EMANIFEST, "'%s' has no libruntime manifest note; "
                     "build the plugin with RT_PLUGIN from <runtime.h>",
                     r->label);
  return 0;
}

/* ---- parsing the manifest data ---- */

static int bad_manifest(const char *label, const char *fmt, ...)
    RT_PRINTF(2, 3);

static int bad_manifest(const char *label, const char *fmt, ...)
{
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return rt__error(RT_EMANIFEST, "'%s' has a malformed manifest: %s; "
                   "rebuild the plugin", label, why);
}

/* The string at OFF inside DESC, NUL-terminated inside it. */
static int note_str(const char *label, const unsigned char *desc, size_t n,
                    uint32_t off, const char *what, const char **out)
{
  if (off >= n)
    return bad_manifest(label, "%s at offset %u lies outside the note", what,
                        off);
  if (memchr(desc + off, '\0', n - off) == NULL)
    return bad_manifest(label, "%s at offset %u is not NUL-terminated", what,
                        off);
  *out = (const char *)desc + off;
  return 0;
}

/* [A-Za-z0-9_.+-], spelled out: strspn with a 66-byte set rebuilds its
 * table on every call, which showed in a scan's profile. */
static bool name_char(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
         c == '-';
}

static bool plugin_name_ok(const char *s)
{
  size_t n = 0;
  if (s[0] == '.')
    return false;
  for (; s[n] != '\0'; n++)
    if (n >= NAME_MAX_LEN || !name_char((unsigned char)s[n]))
      return false;
  return n > 0;
}

static int parse_header(const char *label, const unsigned char *desc,
                        size_t n, struct rt_plugin_note_header *h)
{
  if (n < sizeof *h)
    return bad_manifest(label, "the note is %zu bytes, shorter than its "
                        "header", n);
  memcpy(h, desc, sizeof *h);
  if (h->magic != RT_PLUGIN_MAGIC)
    return bad_manifest(label, "its magic is 0x%08x, not RTPG", h->magic);
  size_t room = (n - sizeof *h) / sizeof(struct rt_plugin_note_export);
  if (h->nexports == 0 || h->nexports > EXPORTS_MAX || h->nexports > room)
    return bad_manifest(label, "its export count %u does not fit the note "
                        "(1..%d)", h->nexports, EXPORTS_MAX);
  return 0;
}

/* Layout of a manifest's single allocation: the struct, the exports
 * array, a copy of the note data (the strings), the path. */
static rt_manifest *manifest_alloc(const unsigned char *desc, size_t n,
                                   size_t nexports, const char *path)
{
  size_t plen = strlen(path) + 1;
  size_t head = sizeof(rt_manifest) + nexports * sizeof(rt_manifest_export);
  unsigned char *block = rt_alloc(head + n + plen);
  if (block == NULL)
    return NULL;
  rt_manifest *m = (rt_manifest *)block;
  memset(m, 0, sizeof *m);
  m->exports = (rt_manifest_export *)(block + sizeof *m);
  memcpy(block + head, desc, n);
  memcpy(block + head + n, path, plen);
  m->path = (const char *)block + head + n;
  m->nexports = nexports;
  return m;
}

static int export_at(const char *label, const unsigned char *d, size_t n,
                     size_t i, rt_manifest_export *e)
{
  struct rt_plugin_note_export ne;
  memcpy(&ne, d + sizeof(struct rt_plugin_note_header) + i * sizeof ne,
         sizeof ne);
  int rc = note_str(label, d, n, ne.name, "an export name", &e->name);
  if (rc == 0)
    rc = note_str(label, d, n, ne.sig, "an export signature", &e->sig);
  if (rc == 0)
    rc = note_str(label, d, n, ne.doc, "an export doc string", &e->doc);
  if (rc == 0 && e->name[0] == '\0')
    rc = bad_manifest(label, "export %zu has an empty name", i);
  return rc;
}

static int fill_exports(rt_manifest *m, const unsigned char *d, size_t n)
{
  rt_manifest_export *ex = (rt_manifest_export *)m->exports;
  for (size_t i = 0; i < m->nexports; i++) {
    int rc = export_at(m->path, d, n, i, &ex[i]);
    if (rc < 0)
      return rc;
    for (size_t j = 0; j < i; j++)
      if (strcmp(ex[j].name, ex[i].name) == 0)
        return bad_manifest(m->path, "export '%s' is listed twice",
                            ex[i].name);
  }
  return 0;
}

static int fill_names(rt_manifest *m, const unsigned char *d, size_t n,
                      const struct rt_plugin_note_header *h)
{
  int rc = note_str(m->path, d, n, h->name, "the plugin name", &m->name);
  if (rc == 0)
    rc = note_str(m->path, d, n, h->version, "the version", &m->version);
  if (rc == 0)
    rc = note_str(m->path, d, n, h->description, "the description",
                  &m->description);
  if (rc == 0 && !plugin_name_ok(m->name))
    rc = rt__error(RT_EMANIFEST, "'%s' declares the plugin name '%.64s', "
                   "which is not 1-255 characters of [A-Za-z0-9_.+-] (not "
                   "starting with '.'); fix the name in RT_PLUGIN", m->path,
                   m->name);
  m->abi_major = h->abi_major;
  m->abi_minor = h->abi_minor;
  return rc;
}

/* Parse every signature; keep them in SIGS if asked, else free them. */
static int parse_sigs(const rt_manifest *m, rt_sig ***sigs)
{
  rt_sig **all = rt_calloc(m->nexports, sizeof *all);
  if (all == NULL)
    return rt__error_context("reading the manifest of '%s'", m->path);
  int rc = 0;
  for (size_t i = 0; i < m->nexports && rc == 0; i++)
    if ((rc = rt_sig_parse(m->exports[i].sig, &all[i])) < 0)
      rt__error_context("plugin '%s' (%s): export '%s' has a bad signature "
                        "(fix its RT_EXPORT)", m->name, m->path,
                        m->exports[i].name);
  if (rc < 0 || sigs == NULL) {
    for (size_t i = 0; i < m->nexports; i++)
      rt_sig_free(all[i]);
    rt_free(all);
    all = NULL;
  }
  if (sigs)
    *sigs = all;
  return rc;
}

static int parse_manifest(const unsigned char *desc, size_t n,
                          const char *path, rt_manifest **out, rt_sig ***sigs)
{
  struct rt_plugin_note_header h;
  int rc = parse_header(path, desc, n, &h);
  if (rc < 0)
    return rc;
  rt_manifest *m = manifest_alloc(desc, n, h.nexports, path);
  if (m == NULL)
    return rt__error_context("reading the manifest of '%s'", path);
  const unsigned char *copy = (const unsigned char *)m->path - n;
  rc = fill_names(m, copy, n, &h);
  if (rc == 0)
    rc = fill_exports(m, copy, n);
  if (rc == 0)
    rc = parse_sigs(m, sigs);
  if (rc < 0) {
    rt_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

/* ---- DT_NEEDED ---- */

/* File offset of virtual address VADDR, through the PT_LOAD segments. */
static bool vaddr_to_off(struct reader *r, uint64_t vaddr, uint64_t *off)
{
  for (unsigned i = 0; i < r->eh.e_phnum; i++) {
    ElfW(Phdr) ph;
    if (phdr_get(r, i, &ph) < 0)
      return false;
    if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
        vaddr - ph.p_vaddr < ph.p_filesz) {
      *off = ph.p_offset + (vaddr - ph.p_vaddr);
      return true;
    }
  }
  return false;
}

struct dyninfo {
  uint64_t strtab, strsz;
  bool textrel;
  size_t nneeded;
  uint64_t needed[16]; /* string offsets of the first DT_NEEDED entries */
};

static void dyn_scan(const unsigned char *p, size_t n, struct dyninfo *di)
{
  for (size_t off = 0; n - off >= sizeof(ElfW(Dyn)); off += sizeof(ElfW(Dyn))) {
    ElfW(Dyn) d;
    memcpy(&d, p + off, sizeof d);
    if (d.d_tag == DT_NULL)
      break;
    if (d.d_tag == DT_STRTAB)
      di->strtab = d.d_un.d_ptr;
    else if (d.d_tag == DT_STRSZ)
      di->strsz = d.d_un.d_val;
    else if (d.d_tag == DT_NEEDED && di->nneeded < RT_ARRAY_LEN(di->needed))
      di->needed[di->nneeded++] = d.d_un.d_val;
    else if (d.d_tag == DT_TEXTREL ||
             (d.d_tag == DT_FLAGS && (d.d_un.d_val & DF_TEXTREL)))
      di->textrel = true;
  }
}

static bool needed_has_runtime(struct reader *r, const struct dyninfo *di)
{
  uint64_t off;
  struct view v;
  if (di->strsz == 0 || di->strsz > DYNSTR_MAX ||
      !vaddr_to_off(r, di->strtab, &off) ||
      view_get(r, off, (size_t)di->strsz, &v) < 0)
    return false;
  bool found = false;
  for (size_t i = 0; i < di->nneeded && !found; i++) {
    uint64_t s = di->needed[i];
    const char *name = (const char *)v.p + s;
    found = s < di->strsz && memchr(name, '\0', di->strsz - s) &&
            strcmp(name, "libruntime.so.1") == 0;
  }
  rt_free(v.tmp);
  return found;
}

/* Does the file's DT_NEEDED list name libruntime.so.1?  A malformed
 * dynamic section counts as "no" (dlopen would refuse it anyway).  Also
 * notes DT_TEXTREL in R; a file without a dynamic section counts as
 * having text relocations (nothing is known about it). */
static bool needs_runtime(struct reader *r)
{
  r->textrel = true;
  for (unsigned i = 0; i < r->eh.e_phnum; i++) {
    ElfW(Phdr) ph;
    struct view v;
    if (phdr_get(r, i, &ph) < 0 || ph.p_type != PT_DYNAMIC)
      continue;
    if (ph.p_filesz > NOTE_SEG_MAX ||
        view_get(r, ph.p_offset, ph.p_filesz, &v) < 0)
      return false;
    struct dyninfo di = {0};
    dyn_scan(v.p, ph.p_filesz, &di);
    rt_free(v.tmp);
    r->textrel = di.textrel;
    return needed_has_runtime(r, &di);
  }
  return false;
}

/* ---- the dynamic symbol table: whose rt_* symbols are these? ---- */

/* Section header I, copied out (alignment-safe); false if unusable. */
static bool shdr_get(struct reader *r, unsigned i, ElfW(Shdr) *sh)
{
  struct view v;
  if (r->eh.e_shentsize != sizeof *sh || i >= r->eh.e_shnum ||
      view_get(r, r->eh.e_shoff + (uint64_t)i * sizeof *sh, sizeof *sh,
               &v) < 0)
    return false;
  memcpy(sh, v.p, sizeof *sh);
  rt_free(v.tmp);
  return true;
}

static bool runtime_name(const char *s)
{
  return strncmp(s, "rt_", 3) == 0 &&
         strcmp(s, RT_PLUGIN_DESCRIPTOR_SYMBOL) != 0;
}

/* Classify each symbol of DYNSYM (N entries) whose name is in STR. */
static void syms_scan(const unsigned char *dynsym, size_t n,
                      const char *str, size_t strsz, struct rt__elf_info *in)
{
  for (size_t i = 1; i < n; i++) {
    ElfW(Sym) sym;
    memcpy(&sym, dynsym + i * sizeof sym, sizeof sym);
    if (sym.st_name >= strsz ||
        memchr(str + sym.st_name, '\0', strsz - sym.st_name) == NULL)
      continue;
    const char *name = str + sym.st_name;
    if (sym.st_shndx != SHN_UNDEF &&
        strcmp(name, RT_PLUGIN_DESCRIPTOR_SYMBOL) == 0)
      in->has_descriptor = true;
    unsigned bind = ELF64_ST_BIND(sym.st_info); /* the same in ELF32 */
    if (!runtime_name(name) || (bind != STB_GLOBAL && bind != STB_WEAK))
      continue;
    if (sym.st_shndx == SHN_UNDEF)
      in->uses_runtime = true;
    else if (in->defines[0] == '\0')
      snprintf(in->defines, sizeof in->defines, "%s", name);
  }
}

/*
 * Read the dynamic symbol table through the section headers (the number
 * of symbols is nowhere in the dynamic section but in a hash table);
 * without them, or if anything is out of bounds, nothing is known.
 */
static void dynsyms(struct reader *r, struct rt__elf_info *in)
{
  ElfW(Shdr) sh, st;
  unsigned i;
  for (i = 0; i < r->eh.e_shnum && i < 4096; i++)
    if (shdr_get(r, i, &sh) && sh.sh_type == SHT_DYNSYM)
      break;
  if (i >= r->eh.e_shnum || i >= 4096 || sh.sh_entsize != sizeof(ElfW(Sym)) ||
      sh.sh_size > DYNSTR_MAX || !shdr_get(r, sh.sh_link, &st) ||
      st.sh_type != SHT_STRTAB || st.sh_size == 0 || st.sh_size > DYNSTR_MAX)
    return;
  struct view vs, vt;
  if (view_get(r, sh.sh_offset, (size_t)sh.sh_size, &vs) < 0)
    return;
  if (view_get(r, st.sh_offset, (size_t)st.sh_size, &vt) == 0) {
    in->symbols_known = true;
    syms_scan(vs.p, (size_t)(sh.sh_size / sizeof(ElfW(Sym))),
              (const char *)vt.p, (size_t)st.sh_size, in);
    rt_free(vt.tmp);
  }
  rt_free(vs.tmp);
}

/* ---- entry points ---- */

static int check_elf(struct reader *r)
{
  int rc = prime(r);
  if (rc == 0)
    rc = check_ident(r);
  if (rc == 0)
    rc = check_class(r);
  if (rc == 0)
    rc = check_type(r);
  if (rc == 0)
    rc = check_segments(r);
  return rc;
}

int rt__elf_read(const struct rt__elf_src *src, const char *path,
                 rt_manifest **out, struct rt__elf_info *info)
{
  struct reader rd = {.src = src, .label = src->label,
                      .load_lo = UINT64_MAX};
  struct reader *r = &rd;
  struct found f = {NULL, 0, NULL};
  int rc = check_elf(r);
  if (rc == 0)
    rc = find_manifest(r, &f);
  if (rc == 0)
    rc = parse_manifest(f.desc, f.descsz, path, out,
                        info ? &info->sigs : NULL);
  if (rc == 0 && info) {
    info->nsigs = (*out)->nexports;
    info->load_lo = r->load_lo;
    info->load_hi = r->load_hi;
    info->needs_runtime = needs_runtime(r);
    dynsyms(r, info);
    info->textrel = r->textrel;
    info->nsegs = r->nsegs;
    memcpy(info->segs, r->segs, sizeof r->segs);
  }
  rt_free(f.tmp);
  return rc;
}

void rt__elf_info_free(struct rt__elf_info *info)
{
  if (info->sigs == NULL)
    return;
  for (size_t i = 0; i < info->nsigs; i++)
    rt_sig_free(info->sigs[i]);
  rt_free(info->sigs);
  info->sigs = NULL;
}

int rt_manifest_parse(const void *data, size_t len, const char *label,
                      rt_manifest **out)
{
  if (out)
    *out = NULL;
  if ((data == NULL && len) || out == NULL)
    return rt__error(RT_EINVAL, "rt_manifest_parse: %s is NULL",
                     out == NULL ? "OUT" : "DATA");
  if (label == NULL)
    label = "(memory)";
  struct rt__elf_src src = {-1, data, len, label, NULL, 0};
  int rc = rt__elf_read(&src, label, out, NULL);
  if (rc == 0)
    rt_clear_error();
  return rc;
}

void rt_manifest_free(rt_manifest *m) { rt_free(m); }
