/*
 * load.c — loading one plugin: the pipeline after the file checks
 * (dlopen, descriptor, same runtime, functions, init), undone in full on
 * any failure, and the registration of static plugins.  The order of
 * the checks is written once, in doc/architecture.md ("The plugin
 * loader").
 */
#define _GNU_SOURCE 1 /* dladdr, dladdr1, dlinfo */
#include "module_int.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- one load in progress ---- */

struct load {
  struct load *outer; /* the load whose init hook started this one */
  const char *path;
  const char *expect; /* the name searched for, if loading by name */
  unsigned flags;
  bool check_only;
  struct rt__plugin_file f;
  const char *name; /* from the manifest */
  void *handle;
  uintptr_t base; /* the plugin's load address (l_addr) */
  const struct rt_plugin_descriptor *desc;
  struct rt_plugin_hooks hooks; /* a copy of *desc->hooks */
  rt_fn **fns;
};

static void fns_free(rt_fn **fns, size_t n)
{
  if (fns == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    rt_fn_free(fns[i]);
  rt_free(fns);
}

/* Loads in progress, innermost first.  Only the thread holding the
 * registry lock can start a load, so this is that thread's stack: a load
 * started from an init hook finds the loads it is nested in. */
static struct load *loading;

/* A plugin's init hook (or code it calls) loading that same plugin would
 * run its init again, and so on until the stack overflows. */
static int not_initialising(const struct load *l)
{
  for (const struct load *o = loading; o; o = o->outer)
    if ((o->f.st.st_dev == l->f.st.st_dev &&
         o->f.st.st_ino == l->f.st.st_ino) ||
        strcmp(o->name, l->f.mf->name) == 0)
      return rt__error(RT_EBUSY, "plugin '%s' (%s) is still initialising: "
                       "its init hook, or code it calls, loads it again; a "
                       "plugin cannot load itself before its init hook "
                       "returns", o->name, o->f.resolved);
  return 0;
}

/* The file at the path of a loaded plugin is another file now (replaced
 * by a rename): the dynamic loader knows objects by path and would hand
 * back the old one, which must not be taken for the new file. */
static int not_replaced(const struct load *l)
{
  const struct stat *st = &l->f.st;
  rt_module *old = rt__reg_by_path(l->f.resolved);
  if (old == NULL || (old->dev == st->st_dev && old->ino == st->st_ino))
    return 0;
  return rt__error(RT_EEXIST, "'%s' was replaced after plugin '%s' was "
                   "loaded from it (it was device %lu inode %lu, it is now "
                   "device %lu inode %lu): the old code stays loaded under "
                   "that path, so the new file cannot be loaded from it; "
                   "restart the program to use the new file",
                   l->f.resolved, old->name, (unsigned long)old->dev,
                   (unsigned long)old->ino, (unsigned long)st->st_dev,
                   (unsigned long)st->st_ino);
}

/* Undo a failed or checked load: nothing stays mapped or allocated. */
static void load_undo(struct load *l)
{
  size_t n = l->f.mf ? l->f.mf->nexports : 0;
  fns_free(l->fns, n);
  if (l->handle)
    dlclose(l->handle);
  rt__plugin_file_free(&l->f);
}

static int name_free(struct load *l)
{
  rt_module *other = rt__reg_by_name(l->name);
  if (other == NULL || l->check_only)
    return 0;
  return rt__error(RT_EEXIST, "a plugin named '%s' is already loaded from "
                   "'%s', so '%s' cannot be loaded as well; rename one of "
                   "them", l->name, other->path, l->f.resolved);
}

/* Whether SPAN bytes of private memory can be mapped now (and are at once
 * unmapped again). */
static bool span_mappable(uint64_t span)
{
  if (span == 0 || span > SIZE_MAX)
    return span == 0;
  void *p = mmap(NULL, (size_t)span, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return false;
  munmap(p, (size_t)span);
  return true;
}

/* Whether the dynamic loader failed for want of memory.  It says "out of
 * memory" when its own allocation failed and quotes strerror(ENOMEM) for
 * some calls, but "failed to map segment from shared object" keeps no
 * errno (nor is errno left as mmap set it); a noexec file system, the
 * other usual cause, was ruled out before dlopen (file.c), so then a
 * mapping as large as the plugin's segments is tried: if that fails too,
 * memory ran out.  It was reported as a refusal advising missing
 * libraries (found with Fedora's build flags under ulimit -v). */
static bool dl_out_of_memory(const struct load *l, const char *why)
{
  static const char oom[] = "out of memory";
  size_t n = strlen(why);
  if (strstr(why, strerror(ENOMEM)) != NULL ||
      (n >= sizeof oom - 1 && strcmp(why + n - (sizeof oom - 1), oom) == 0))
    return true;
  return strstr(why, "failed to map segment") != NULL &&
         !span_mappable(l->f.info.load_hi - l->f.info.load_lo);
}

static int load_dlopen(struct load *l)
{
  dlerror();
  l->handle = dlopen(l->f.resolved, RTLD_NOW | RTLD_LOCAL);
  if (l->handle)
    return 0;
  const char *why = dlerror();
  if (why == NULL)
    why = "unknown reason";
  /* Not memory, though it says "cannot allocate": a library loaded with
   * dlopen() takes its thread-local storage from a small fixed reserve. */
  if (strstr(why, "static TLS block") != NULL)
    return rt__error(RT_EDLOPEN, "the dynamic loader refused plugin '%s' "
                     "(%s): %s; the plugin or a library it needs has more "
                     "initial-exec thread-local storage than this process "
                     "has room for: build it without -ftls-model=initial-exec",
                     l->name, l->f.resolved, why);
  if (dl_out_of_memory(l, why))
    return rt__error(RT_ENOMEM, "cannot load plugin '%s' (%s): out of "
                     "memory (the dynamic loader: %s)", l->name,
                     l->f.resolved, why);
  return rt__error(RT_EDLOPEN, "the dynamic loader refused plugin '%s' "
                   "(%s): %s; check that every library it needs is "
                   "installed and that it defines every symbol it uses",
                   l->name, l->f.resolved, why);
}

/* The descriptor symbol must be the plugin's own (dlsym also searches the
 * plugin's dependencies): it must lie inside the plugin's PT_LOAD span as
 * the file declared it, whole. */
static int find_descriptor(struct load *l)
{
  void *sym = dlsym(l->handle, RT_PLUGIN_DESCRIPTOR_SYMBOL);
  struct link_map *lm = NULL;
  if (sym && dlinfo(l->handle, RTLD_DI_LINKMAP, &lm) == 0) {
    uint64_t v = (uint64_t)((uintptr_t)sym - lm->l_addr);
    if (v >= l->f.info.load_lo && v < l->f.info.load_hi &&
        l->f.info.load_hi - v >= sizeof(struct rt_plugin_descriptor)) {
      l->desc = sym;
      l->base = (uintptr_t)lm->l_addr;
      return 0;
    }
  }
  return rt__error(RT_EDESCRIPTOR, "plugin '%s' (%s) has a manifest but no "
                   "descriptor (symbol " RT_PLUGIN_DESCRIPTOR_SYMBOL "); "
                   "build it with RT_PLUGIN and do not hide that symbol",
                   l->name, l->f.resolved);
}

static int mismatch(const struct load *l, const char *what, const char *d,
                    const char *m)
{
  return rt__error(RT_EDESCRIPTOR, "plugin '%s' (%s): its descriptor says %s "
                   "'%s' but its manifest says '%s'; the file was altered or "
                   "mixes objects from different builds, rebuild it",
                   l->name, l->f.resolved, what, d, m);
}

/* Does page-rounded segment G of the loaded plugin cover address V? */
static bool seg_covers(const struct rt__elf_seg *g, uint64_t v, uint64_t pg)
{
  uint64_t lo = g->vaddr & ~(pg - 1);
  uint64_t hi = g->vaddr + g->memsz;
  return v >= lo && (hi < g->vaddr || v < ((hi + pg - 1) & ~(pg - 1)));
}

/*
 * Where the object at P of the loaded plugin is in the file image taken
 * before dlopen, if it lies in a read-only PT_LOAD segment that the image
 * holds and no other segment's pages cover it; *AVAIL gets the bytes from
 * there to the segment's (or the image's) end.  That memory is mapped from
 * those same file bytes, and nothing else touches it during a load, so
 * reading it through the mapping would cost a page fault (about 9 us on
 * the VMs here, more than all the other checks together).  Writable or
 * relocated (DT_TEXTREL) memory is never taken from the image.  NULL if
 * P must be read where it is.
 */
static const unsigned char *in_image(const struct load *l, const void *p,
                                     size_t *avail)
{
  const struct rt__elf_info *in = &l->f.info;
  if (p == NULL || in->textrel || l->f.image == NULL)
    return NULL;
  uint64_t v = (uint64_t)((uintptr_t)p - l->base);
  uint64_t pg = (uint64_t)getpagesize();
  const struct rt__elf_seg *hit = NULL;
  for (unsigned i = 0; i < in->nsegs; i++) {
    const struct rt__elf_seg *g = &in->segs[i];
    if (!seg_covers(g, v, pg))
      continue;
    if (hit || g->writable || v < g->vaddr || v - g->vaddr >= g->filesz)
      return NULL;
    hit = g;
  }
  if (hit == NULL)
    return NULL;
  uint64_t off = hit->offset + (v - hit->vaddr);
  uint64_t end = hit->offset + hit->filesz;
  if (end > l->f.image_len)
    end = l->f.image_len;
  if (off >= end)
    return NULL;
  *avail = (size_t)(end - off);
  return l->f.image + off;
}

/* The string S of the loaded plugin, from the image if it is there whole
 * (see in_image).  NULL stays NULL. */
static const char *desc_str(const struct load *l, const char *s)
{
  size_t n;
  const unsigned char *p = in_image(l, s, &n);
  return p && memchr(p, '\0', n) ? (const char *)p : s;
}

/* A copy of the plugin's hooks (compare_descriptor found the pointer set):
 * without relocations (no hook functions) they sit in .rodata. */
static void read_hooks(struct load *l)
{
  size_t n;
  const unsigned char *p = in_image(l, l->desc->hooks, &n);
  if (p && n >= sizeof l->hooks)
    memcpy(&l->hooks, p, sizeof l->hooks);
  else
    l->hooks = *l->desc->hooks;
}

/* Descriptor string DS equals manifest string MS; on a mismatch the
 * message quotes the descriptor's (an absent one as ""). */
static int same_str(const struct load *l, const char *what, const char *ds,
                    const char *ms)
{
  const char *d = desc_str(l, ds);
  if (d != NULL && strcmp(d, ms) == 0)
    return 0;
  return mismatch(l, what, d ? d : "", ms);
}

static int compare_export(const struct load *l, size_t i)
{
  const struct rt_plugin_export *e = &l->desc->exports[i];
  const rt_manifest_export *me = &l->f.mf->exports[i];
  int rc = same_str(l, "the export name", e->name, me->name);
  if (rc == 0)
    rc = same_str(l, "the signature", e->sig, me->sig);
  if (rc == 0)
    rc = same_str(l, "the doc string", e->doc, me->doc);
  if (rc == 0 && e->fn == NULL)
    rc = rt__error(RT_EDESCRIPTOR, "plugin '%s' (%s): export '%s' has no "
                   "function", l->name, l->f.resolved, desc_str(l, e->name));
  return rc;
}

/* Nothing is formatted unless something differs. */
static int compare_descriptor(const struct load *l)
{
  const struct rt_plugin_descriptor *d = l->desc;
  const rt_manifest *m = l->f.mf;
  char dv[32], mv[32];
  if (d->magic != RT_PLUGIN_MAGIC || d->size < sizeof *d || !d->hooks ||
      !d->exports)
    return rt__error(RT_EDESCRIPTOR, "plugin '%s' (%s): its descriptor is "
                     "not one RT_PLUGIN makes (magic 0x%08x, size %u); "
                     "rebuild it", l->name, l->f.resolved, d->magic, d->size);
  if (d->abi_major != m->abi_major || d->abi_minor != m->abi_minor) {
    snprintf(dv, sizeof dv, "%u.%u", d->abi_major, d->abi_minor);
    snprintf(mv, sizeof mv, "%u.%u", m->abi_major, m->abi_minor);
    return mismatch(l, "ABI", dv, mv);
  }
  int rc = same_str(l, "name", d->name, m->name);
  if (rc == 0)
    rc = same_str(l, "version", d->version, m->version);
  if (rc == 0)
    rc = same_str(l, "description", d->description, m->description);
  if (rc < 0)
    return rc;
  if (d->nexports != m->nexports) {
    snprintf(dv, sizeof dv, "%u", d->nexports);
    snprintf(mv, sizeof mv, "%zu", m->nexports);
    return mismatch(l, "the export count", dv, mv);
  }
  for (size_t i = 0; i < m->nexports; i++)
    if ((rc = compare_export(l, i)) < 0)
      return rc;
  return 0;
}

static int private_runtime(const char *name, const char *path,
                           const char *why)
{
  return rt__error(RT_EDUPRUNTIME, "plugin '%s' (%s) carries its own copy of "
                   "libruntime: it would have a second heap and IO layer; "
                   "link it with -lruntime, not with libruntime's sources or "
                   "libruntime.a (%s)", name, path, why);
}

/* Is this libruntime the shared libruntime.so.1, or a copy linked into
 * the program (libruntime.a)?  Asked once: dladdr walks the loader's
 * list under its lock. */
static bool self_shared;
static const char *self_where;

static void self_init(void)
{
  Dl_info info;
  const char *name = "";
  if (dladdr((void *)rt_abi_version, &info) && info.dli_fname)
    name = info.dli_fname;
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  self_where = name[0] ? name : "the program itself";
  self_shared = strncmp(base, "libruntime.so", 13) == 0;
}

static bool runtime_is_shared(const char **where)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, self_init);
  *where = self_where;
  return self_shared;
}

/* The plugin's reference to rt_abi_version was bound by the dynamic
 * loader: it equals ours only if the plugin's runtime calls reach this
 * process's libruntime, not a copy inside the plugin. */
static int same_runtime(const struct rt_plugin_descriptor *d,
                        const char *path)
{
  if (d->runtime_ref == rt_abi_version)
    return 0;
  Dl_info info;
  const char *where = "an unknown object";
  if (d->runtime_ref && dladdr((void *)d->runtime_ref, &info) &&
      info.dli_fname)
    where = info.dli_fname;
  char why[512];
  snprintf(why, sizeof why, "its runtime calls reach %s, not this process's "
           "libruntime", where);
  return private_runtime(d->name, path, why);
}

static int private_defines(const struct load *l, const char *sym)
{
  char why[128];
  snprintf(why, sizeof why, "it defines and exports %s itself", sym);
  return private_runtime(l->name, l->f.resolved, why);
}

/*
 * What the file tells before dlopen, so that no code of a wrongly linked
 * plugin runs: this process must use the shared libruntime (else every
 * plugin would bring a second one); the plugin must list libruntime.so.1
 * in DT_NEEDED, and must not define libruntime's symbols itself.  These
 * catch accidents of linking, not a plugin built to deceive.
 */
static int runtime_precheck(const struct load *l)
{
  const struct rt__elf_info *in = &l->f.info;
  const char *where;
  if (l->flags & RT_MODULE_UNSAFE_ALLOW_PRIVATE_RUNTIME)
    return 0;
  if (!runtime_is_shared(&where))
    return rt__error(RT_ENOTSUP, "cannot load plugin '%s' (%s): this "
                     "program was linked with a static copy of libruntime "
                     "(libruntime.a, in %s), so the plugin's libruntime.so.1 "
                     "would be a second runtime; the program is at fault, "
                     "not the plugin: link the program with -lruntime "
                     "(shared)", l->name, l->f.resolved, where);
  if (in->defines[0])
    return private_defines(l, in->defines);
  if (in->needs_runtime || (in->symbols_known && !in->has_descriptor))
    return 0; /* a missing descriptor is reported after dlopen */
  if (!in->symbols_known || in->uses_runtime)
    return rt__error(RT_EDUPRUNTIME, "plugin '%s' (%s) is not linked with "
                     "libruntime: its DT_NEEDED list does not name "
                     "libruntime.so.1; link it with -lruntime (pkg-config "
                     "--libs runtime, not only --cflags)", l->name,
                     l->f.resolved);
  return private_runtime(l->name, l->f.resolved, "its DT_NEEDED list does "
                         "not name libruntime.so.1 and it uses no libruntime "
                         "symbol from outside");
}

static int check_runtime(const struct load *l)
{
  if (l->flags & RT_MODULE_UNSAFE_ALLOW_PRIVATE_RUNTIME)
    return 0;
  return same_runtime(l->desc, l->f.resolved);
}

static int make_fns(const struct rt_plugin_descriptor *d, rt_sig **sigs,
                    rt_fn ***out)
{
  rt_fn **fns = rt_calloc(d->nexports ? d->nexports : 1, sizeof *fns);
  if (fns == NULL)
    return rt__error_context("plugin '%s'", d->name);
  for (size_t i = 0; i < d->nexports; i++) {
    int rc = rt_fn_new_sig(d->exports[i].fn, sigs[i], &fns[i]);
    if (rc < 0) {
      fns_free(fns, d->nexports);
      return rt__error_context("plugin '%s' export '%s'", d->name,
                               d->exports[i].name);
    }
  }
  *out = fns;
  return 0;
}

static int run_init(const struct rt_plugin_hooks *h, const char *name,
                    const char *path)
{
  if (h->init == NULL)
    return 0;
  rt_clear_error();
  int rc = h->init();
  if (rc == 0)
    return 0;
  if (rt_last_error_code() == 0 || rt_last_error()[0] == '\0')
    return rt__error(RT_EINIT, "plugin '%s' (%s): init hook of '%s' failed "
                     "(returned %d) without a message; the hook should call "
                     "rt_set_error to say why", name, path, name, rc);
  char why[512]; /* copied: the message is about to be replaced */
  snprintf(why, sizeof why, "%s", rt_last_error());
  return rt__error(RT_EINIT, "plugin '%s' (%s) failed to initialise: %s",
                   name, path, why);
}

/* Everything after the pre-dlopen checks, up to a ready function table. */
static int load_steps(struct load *l)
{
  int rc = rt__abi_check(l->name, l->f.resolved, l->f.mf->abi_major,
                         l->f.mf->abi_minor);
  if (rc == 0)
    rc = runtime_precheck(l);
  if (rc == 0)
    rc = not_replaced(l);
  if (rc == 0)
    rc = name_free(l);
  if (rc == 0)
    rc = load_dlopen(l);
  if (rc == 0)
    rc = find_descriptor(l);
  if (rc == 0)
    rc = compare_descriptor(l);
  if (rc == 0)
    read_hooks(l);
  if (rc == 0)
    rc = check_runtime(l);
  if (rc == 0 && !l->check_only)
    rc = make_fns(l->desc, l->f.info.sigs, &l->fns);
  return rc;
}

static int module_new(struct load *l, rt_module **out)
{
  rt_module *m = rt_calloc(1, sizeof *m);
  if (m == NULL)
    return rt__error_context("plugin '%s'", l->name);
  m->name = l->f.mf->name;
  m->path = l->f.resolved;
  m->dev = l->f.st.st_dev;
  m->ino = l->f.st.st_ino;
  m->handle = l->handle;
  m->desc = l->desc;
  m->mf = l->f.mf;
  m->fns = l->fns;
  m->refs = 1;
  atomic_init(&m->inflight, 0);
  m->unload_safe = l->hooks.flags & RT_PLUGIN_UNLOAD_SAFE;
  m->hooks = l->hooks;
  l->f.resolved = NULL;
  l->f.mf = NULL;
  l->handle = NULL;
  l->fns = NULL;
  *out = m;
  return 0;
}

/* Free M, then unmap its code: the descriptor lives in that code. */
void rt__module_free(rt_module *m)
{
  void *handle = m->handle;
  fns_free(m->fns, m->desc->nexports);
  if (handle) {
    rt_free(m->path);
    rt_manifest_free(m->mf);
  }
  rt_free(m);
  if (handle)
    dlclose(handle);
}

/* The whole pipeline under the registry lock; OUT NULL means check only. */
static int load_locked(struct load *l, rt_module **out)
{
  int rc = rt__plugin_precheck(l->path, l->flags, NULL, true, &l->f);
  if (rc < 0)
    return rc;
  if (l->expect && strcmp(l->f.mf->name, l->expect) != 0) {
    rc = rt__error(RT_EMANIFEST, "'%s' holds plugin '%s', but a plugin "
                   "named '%s' must be in %s.so: rename the file to %s.so, "
                   "or load it by name '%s' from a file of that name",
                   l->path, l->f.mf->name, l->expect, l->expect,
                   l->f.mf->name, l->f.mf->name);
    rt__plugin_file_free(&l->f);
    return rc;
  }
  rt_module *known = rt__reg_by_file(l->f.st.st_dev, l->f.st.st_ino);
  if (known && out) {
    known->refs++;
    *out = known;
    rt__plugin_file_free(&l->f);
    return 0;
  }
  rc = not_initialising(l);
  l->name = l->f.mf->name;
  l->outer = loading;
  loading = l;
  if (rc == 0)
    rc = load_steps(l);
  if (rc == 0 && out)
    rc = run_init(&l->hooks, l->name, l->f.resolved);
  loading = l->outer;
  if (rc == 0 && out && (rc = module_new(l, out)) < 0 && l->hooks.fini)
    l->hooks.fini();
  if (rc == 0 && out)
    rt__reg_append(*out);
  load_undo(l);
  return rc;
}

static int load_file(const char *path, const char *expect, unsigned flags,
                     rt_module **out)
{
  if (path == NULL || *path == '\0')
    return rt__error(RT_EINVAL, "no plugin path given");
  struct load l = {.path = path, .expect = expect, .flags = flags,
                   .check_only = out == NULL};
  rt__reg_lock();
  int rc = load_locked(&l, out);
  rt__reg_unlock();
  return rt__ok_or(rc);
}

int rt_module_open(const char *path, unsigned flags, rt_module **out)
{
  if (out == NULL)
    return rt__error(RT_EINVAL, "rt_module_open: OUT is NULL");
  *out = NULL;
  return load_file(path, NULL, flags, out);
}

int rt__module_open_named(const char *path, const char *name, unsigned flags,
                          rt_module **out)
{
  *out = NULL;
  return load_file(path, name, flags, out);
}

int rt_module_check(const char *path, unsigned flags)
{
  return load_file(path, NULL, flags, NULL);
}

/* ---- static plugins ---- */

static int static_checks(const struct rt_plugin_descriptor *d, rt_sig **sigs)
{
  if (d->magic != RT_PLUGIN_MAGIC || d->size < sizeof *d || !d->name ||
      !d->hooks || !d->exports || !d->version || !d->description)
    return rt__error(RT_EDESCRIPTOR, "rt_module_register_static: not a "
                     "descriptor made by RT_PLUGIN_STATIC (magic 0x%08x)",
                     d->magic);
  int rc = rt__abi_check(d->name, "(static)", d->abi_major, d->abi_minor);
  for (size_t i = 0; i < d->nexports && rc == 0; i++)
    if ((rc = rt_sig_parse(d->exports[i].sig, &sigs[i])) < 0)
      rt__error_context("static plugin '%s': export '%s' has a bad "
                        "signature", d->name, d->exports[i].name);
  if (rc == 0)
    rc = same_runtime(d, "(static)");
  if (rc == 0 && rt__reg_by_name(d->name))
    rc = rt__error(RT_EEXIST, "a plugin named '%s' is already loaded from "
                   "'%s'; rename the static plugin", d->name,
                   rt__reg_by_name(d->name)->path);
  return rc;
}

static int register_static_locked(const struct rt_plugin_descriptor *d)
{
  if (rt__reg_by_desc(d))
    return 0;
  rt_sig **sigs = rt_calloc(d->nexports ? d->nexports : 1, sizeof *sigs);
  if (sigs == NULL)
    return rt__error_context("static plugin '%s'", d->name);
  rt_fn **fns = NULL;
  int rc = static_checks(d, sigs);
  if (rc == 0)
    rc = make_fns(d, sigs, &fns);
  if (rc == 0)
    rc = run_init(d->hooks, d->name, "(static)");
  rt_module *m = rc == 0 ? rt_calloc(1, sizeof *m) : NULL;
  if (rc == 0 && m == NULL)
    rc = rt__error_context("static plugin '%s'", d->name);
  for (size_t i = 0; i < d->nexports; i++)
    rt_sig_free(sigs[i]);
  rt_free(sigs);
  if (rc < 0) {
    fns_free(fns, d->nexports);
    return rc;
  }
  m->name = d->name;
  m->hooks = *d->hooks;
  m->path = (char *)"(static)";
  m->desc = d;
  m->fns = fns;
  m->refs = 1;
  atomic_init(&m->inflight, 0);
  rt__reg_append(m);
  return 0;
}

int rt_module_register_static(const struct rt_plugin_descriptor *d)
{
  if (d == NULL)
    return rt__error(RT_EINVAL, "rt_module_register_static: D is NULL");
  rt__reg_lock();
  int rc = register_static_locked(d);
  rt__reg_unlock();
  return rt__ok_or(rc);
}

