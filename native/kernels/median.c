/* median.c: sliding-window median along one axis of a 2-D array
 * (docs/maths/features.md §2), the cost centre of HPSS.
 *
 * Each line is first copied into a reflect-extended buffer (scipy's
 * "reflect" mode: half-sample symmetric, period 2n), then a sorted copy of
 * the window is kept: one step removes the sample leaving the window and
 * inserts the one entering by shifting the entries between their two
 * positions (O(distance), at most O(size)).  The median is the entry of
 * rank size/2, exactly the value scipy.ndimage.median_filter selects, so
 * the output equals it bit for bit.  Inputs must be free of NaN.
 */
#include <stdint.h>
#include <string.h>
#include "rtdsp.h"

static inline int64_t reflect_index(int64_t j, int64_t n)
{
    int64_t period = 2 * n;
    j %= period;
    if (j < 0)
        j += period;
    return j < n ? j : period - 1 - j;
}

#define DEFINE_MEDIAN_FILTER(NAME, T)                                                   \
void NAME(const T *x, T *out, int64_t n_lines, int64_t n, int64_t line_stride,          \
          int64_t elem_stride, int64_t size, T *scratch)                                \
{                                                                                       \
    if (n <= 0 || size <= 0)                                                            \
        return;                                                                         \
    const int64_t half = size / 2, rank = size / 2;                                     \
    T *ext = scratch;                 /* n + size - 1 samples */                        \
    T *win = scratch + n + size - 1;  /* size samples, sorted */                        \
    for (int64_t line = 0; line < n_lines; line++) {                                    \
        const T *src = x + line * line_stride;                                          \
        T *dst = out + line * line_stride;                                              \
        for (int64_t j = 0; j < n + size - 1; j++)                                      \
            ext[j] = src[reflect_index(j - half, n) * elem_stride];                     \
        /* first window: insertion sort */                                              \
        for (int64_t i = 0; i < size; i++) {                                            \
            T v = ext[i];                                                               \
            int64_t p = i;                                                              \
            while (p > 0 && win[p - 1] > v) {                                           \
                win[p] = win[p - 1];                                                    \
                p--;                                                                    \
            }                                                                           \
            win[p] = v;                                                                 \
        }                                                                               \
        dst[0] = win[rank];                                                             \
        for (int64_t i = 1; i < n; i++) {                                               \
            T old = ext[i - 1], v = ext[i + size - 1];                                  \
            if (old != v) {                                                             \
                /* lower bound of `old` (it is in the window) */                        \
                int64_t lo = 0, hi = size - 1;                                          \
                while (lo < hi) {                                                       \
                    int64_t mid = (lo + hi) >> 1;                                       \
                    if (win[mid] < old)                                                 \
                        lo = mid + 1;                                                   \
                    else                                                                \
                        hi = mid;                                                       \
                }                                                                       \
                int64_t p = lo;                                                         \
                if (v > old) {                                                          \
                    while (p + 1 < size && win[p + 1] < v) {                            \
                        win[p] = win[p + 1];                                            \
                        p++;                                                            \
                    }                                                                   \
                } else {                                                                \
                    while (p > 0 && win[p - 1] > v) {                                   \
                        win[p] = win[p - 1];                                            \
                        p--;                                                            \
                    }                                                                   \
                }                                                                       \
                win[p] = v;                                                             \
            }                                                                           \
            dst[i * elem_stride] = win[rank];                                           \
        }                                                                               \
    }                                                                                   \
}

DEFINE_MEDIAN_FILTER(rtd_median_filter_f32, float)
DEFINE_MEDIAN_FILTER(rtd_median_filter_f64, double)
