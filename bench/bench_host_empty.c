/* bench_host_empty.c — the baseline of bench_host: a dynamically linked C
 * program that does nothing, so its run time is the cost of exec, the
 * dynamic loader and libc start-up. */
int main(void)
{
  return 0;
}
