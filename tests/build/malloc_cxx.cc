// malloc_cxx.cc — a threaded C++ program for tests/build/malloc_programs.sh,
// built at test time: containers, strings and shared_ptrs made in some
// threads and destroyed in others, every form of operator new and
// delete, and std::bad_alloc for a request that cannot be met.  With
// libruntime-malloc.so preloaded every block must be the runtime heap's
// (checked through rt_heap_owns, looked up at run time); prints "ok" and
// the number of checks on success.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

static bool (*owns)(const void *);
static std::atomic<long> checks{0}, failures{0};

static void expect(bool c, const char *what)
{
  checks++;
  if (!c) {
    failures++;
    std::fprintf(stderr, "failed: %s\n", what);
  }
}

struct alignas(256) Wide {
  char bytes[256];
};

static void every_form()
{
  int *a = new int(7);
  int *b = new int[100];
  int *c = new (std::nothrow) int(8);
  int *d = new (std::nothrow) int[10];
  Wide *w = new Wide;
  Wide *wa = new Wide[3];
  Wide *wn = new (std::nothrow) Wide;
  void *raw = ::operator new(1000, std::align_val_t(4096));
  void *rawn = ::operator new[](1000, std::align_val_t(64), std::nothrow);
  const void *all[] = {a, b, c, d, w, wa, wn, raw, rawn};
  for (const void *p : all)
    expect(owns(p), "operator new returns a runtime-heap block");
  expect(reinterpret_cast<uintptr_t>(w) % 256 == 0, "aligned new");
  expect(reinterpret_cast<uintptr_t>(wa) % 256 == 0, "aligned new[]");
  expect(reinterpret_cast<uintptr_t>(raw) % 4096 == 0, "new(align_val_t)");
  delete a;
  delete[] b;
  ::operator delete(c, sizeof(int));
  ::operator delete[](d, std::nothrow);
  delete w;
  delete[] wa;
  ::operator delete(wn, sizeof(Wide), std::align_val_t(alignof(Wide)));
  ::operator delete(raw, std::align_val_t(4096));
  ::operator delete[](rawn, std::align_val_t(64), std::nothrow);
  for (const void *p : all)
    expect(!owns(p), "operator delete frees it");
}

static void bad_alloc_thrown()
{
  bool thrown = false;
  try {
    std::vector<char> huge(static_cast<size_t>(1) << 62);
    expect(huge.empty(), "unreachable");
  } catch (const std::bad_alloc &) {
    thrown = true;
  }
  expect(thrown, "std::bad_alloc for 2^62 bytes");
  void *none = ::operator new(static_cast<size_t>(1) << 62, std::nothrow);
  expect(none == nullptr, "nothrow new returns nullptr");
}

// Threads hand shared_ptrs to maps of strings to each other through a queue;
// the last owner (often another thread) frees them.
static std::mutex qlock;
static std::vector<std::shared_ptr<std::map<int, std::string>>> queue;

static void worker(int id)
{
  for (int round = 0; round < 2000; round++) {
    auto m = std::make_shared<std::map<int, std::string>>();
    for (int i = 0; i < 20; i++)
      (*m)[i] = std::string(static_cast<size_t>(i * 7 + id), 'a' + (char)(i % 26));
    std::vector<int> v(static_cast<size_t>(round % 50 + 1), id);
    expect(owns(v.data()), "a vector's buffer is the runtime heap's");
    std::shared_ptr<std::map<int, std::string>> other;
    {
      std::lock_guard<std::mutex> g(qlock);
      queue.push_back(m);
      if (queue.size() > 8) {
        other = queue.front();
        queue.erase(queue.begin());
      }
    }
    if (other) {
      size_t total = 0;
      for (auto &kv : *other)
        total += kv.second.size();
      expect(total >= 20 * 19 / 2 * 7, "a map from another thread intact");
    }
  }
}

int main()
{
  void *lib = dlopen("libruntime.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (lib)
    owns = reinterpret_cast<bool (*)(const void *)>(dlsym(lib, "rt_heap_owns"));
  if (owns == nullptr) {
    std::fprintf(stderr, "libruntime.so.1 is not loaded: not preloaded?\n");
    return 1;
  }
  every_form();
  bad_alloc_thrown();
  std::vector<std::thread> th;
  for (int i = 0; i < 4; i++)
    th.emplace_back(worker, i);
  for (auto &t : th)
    t.join();
  queue.clear();
  if (failures) {
    std::fprintf(stderr, "%ld of %ld checks failed\n", failures.load(), checks.load());
    return 1;
  }
  std::printf("ok %ld\n", checks.load());
  return 0;
}
