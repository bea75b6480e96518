/*
 * counter — a plugin with state: its init hook allocates the state on the
 * runtime heap, its fini hook frees it when the plugin is unloaded.  In
 * one `rthost shell` session successive calls see the same state.
 */
#include <runtime.h>

struct state {
  uint64_t value; /* the last number handed out */
  uint64_t step;  /* added by each next() */
};

static struct state *state;

static int setup(void)
{
  state = rt_calloc(1, sizeof *state);
  if (state == NULL)
    return rt_set_error(RT_ENOMEM, "counter: no memory for its state");
  state->step = 1;
  return 0;
}

static void teardown(void)
{
  rt_free(state);
  state = NULL;
}

RT_PLUGIN_HOOKS(setup, teardown, RT_PLUGIN_UNLOAD_SAFE);

/* Atomic, so that several threads of a host may count at once. */
static uint64_t next(void)
{
  uint64_t step = __atomic_load_n(&state->step, __ATOMIC_RELAXED);
  return __atomic_add_fetch(&state->value, step, __ATOMIC_RELAXED);
}

static uint64_t peek(void)
{
  return __atomic_load_n(&state->value, __ATOMIC_RELAXED);
}

static void reset(void)
{
  __atomic_store_n(&state->value, 0, __ATOMIC_RELAXED);
}

static void set_step(uint64_t step)
{
  __atomic_store_n(&state->step, step, __ATOMIC_RELAXED);
}

RT_PLUGIN("counter", "1.0.0", "A counter whose state lives on the heap",
          RT_EXPORT(next, "() -> u64", "add the step and return the count"),
          RT_EXPORT(peek, "() -> u64", "the count, unchanged"),
          RT_EXPORT(reset, "() -> void", "set the count back to 0"),
          RT_EXPORT(set_step, "(u64) -> void",
                    "what next() adds from now on (1 at first)"));
