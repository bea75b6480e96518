/* bench_call_targets.h — bench_call_targets.c's functions, which
 * bench_call looks up with dlsym() by these names. */
#ifndef BENCH_CALL_TARGETS_H
#define BENCH_CALL_TARGETS_H

#include <stddef.h>
#include <stdint.h>

struct bct_vec2 {
  double x, y;
};
struct bct_rec24 {
  int64_t a, b, c;
};

int32_t bct_add2(int32_t a, int32_t b);
double bct_sum4(double a, double b, double c, double d);
void *bct_advance(void *p, size_t n);
int64_t bct_mixed6(int32_t a, double b, void *c, size_t d, float e,
                   int64_t f);
int64_t bct_int10(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                  int64_t f, int64_t g, int64_t h, int64_t i, int64_t j);
double bct_mixed16(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                   int64_t f, int64_t g, int64_t h, double p, double q,
                   double r, double s, double t, double u, double v,
                   double w, int64_t i, int64_t j, double x, double y);
struct bct_vec2 bct_rot90(struct bct_vec2 v);
struct bct_rec24 bct_rot3(struct bct_rec24 r);
extern char *bct_the_str;
char *bct_same_str(const char *s);
int64_t bct_call_back(int32_t (*volatile *fp)(int32_t, int32_t), int n);

#endif
