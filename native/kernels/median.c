/* median.c: the kernels of HPSS (docs/maths/features.md §2).
 *
 * Sliding-window median along one axis of a 2-D array: each line is first
 * copied into a reflect-extended buffer (scipy's "reflect" mode:
 * half-sample symmetric, period 2n); a sorted copy of the window is kept
 * and one step removes the sample leaving the window and inserts the one
 * entering: both positions are counted without branches (the window is
 * short, e.g. 31) and the entries between them move by one place in a
 * branch-free pass into a second copy.  The median
 * is the entry of rank size/2, exactly the value
 * scipy.ndimage.median_filter selects, so the output equals it bit for
 * bit.  Lines are handled in groups of RTD_MEDIAN_GROUP so that a strided
 * axis is gathered and scattered a cache line at a time.  Inputs must be
 * free of NaN.
 *
 * The soft masks repeat librosa's float operations in the same order
 * (util.softmask), so they too are equal bit for bit for power 1 and 2
 * (-ffp-contract=off).  A mask is applied as D * mask, which equals
 * librosa's (|D| mask) (D / |D|) within two roundings.
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include "rtdsp.h"

#define RTD_MEDIAN_GROUP 16

int64_t rtd_median_scratch(int64_t n, int64_t size)
{
    return RTD_MEDIAN_GROUP * (n + size - 1) + RTD_MEDIAN_GROUP * n + 2 * (((size + 7) & ~7) + 2);
}

static inline int64_t reflect_index(int64_t j, int64_t n)
{
    int64_t period = 2 * n;
    j %= period;
    if (j < 0)
        j += period;
    return j < n ? j : period - 1 - j;
}

/* One line.  `bufs` holds 2 * (padded + 2) values: two copies of the
 * sorted window (padded to a multiple of 8 with +inf, one guard entry on
 * each side); each step writes the updated window into the other copy
 * with one branch-free pass (the entries between the removed and the
 * inserted positions move by one), which the compiler vectorises. */
#define DEFINE_MEDIAN_LINE(NAME, T, INF)                                                \
static void NAME(const T *ext, T *dst, int64_t n, int64_t size, T *bufs)                \
{                                                                                       \
    const int64_t rank = size / 2, padded = (size + 7) & ~(int64_t)7;                   \
    T *win = bufs + 1, *next = bufs + padded + 3;                                       \
    for (int64_t q = -1; q <= padded; q++) {                                            \
        win[q] = INF;                                                                   \
        next[q] = INF;                                                                  \
    }                                                                                   \
    win[-1] = next[-1] = -INF;                                                          \
    for (int64_t i = 0; i < size; i++) {  /* first window: insertion sort */            \
        T v = ext[i];                                                                   \
        int64_t p = i;                                                                  \
        while (p > 0 && win[p - 1] > v) {                                               \
            win[p] = win[p - 1];                                                        \
            p--;                                                                        \
        }                                                                               \
        win[p] = v;                                                                     \
    }                                                                                   \
    dst[0] = win[rank];                                                                 \
    for (int64_t i = 1; i < n; i++) {                                                   \
        T old = ext[i - 1], v = ext[i + size - 1];                                      \
        int32_t p_old = 0, p_new = 0;                                                   \
        for (int64_t q = 0; q < padded; q++) {                                          \
            p_old += win[q] < old;                                                      \
            p_new += win[q] < v;                                                        \
        }                                                                               \
        const int32_t up = v > old;                                                     \
        const int32_t at = up ? p_new - 1 : p_new;      /* where v goes */              \
        const int32_t lo = up ? p_old : at, hi = up ? at : p_old;                       \
        for (int32_t q = 0; q < (int32_t)padded; q++) {                                 \
            T here = win[q], above = win[q + 1], below = win[q - 1];                    \
            T shifted = up ? above : below;                                             \
            T kept = (q >= lo && q <= hi) ? shifted : here;                             \
            next[q] = q == at ? v : kept;                                               \
        }                                                                               \
        T *swap = win;                                                                  \
        win = next;                                                                     \
        next = swap;                                                                    \
        dst[i] = win[rank];                                                             \
    }                                                                                   \
}

#define DEFINE_MEDIAN_FILTER(NAME, LINE, T)                                             \
void NAME(const T *x, T *out, int64_t n_lines, int64_t n, int64_t line_stride,          \
          int64_t elem_stride, int64_t size, T *scratch)                                \
{                                                                                       \
    if (n <= 0 || size <= 0)                                                            \
        return;                                                                         \
    const int64_t half = size / 2, n_ext = n + size - 1;                                \
    T *ext = scratch;                                  /* GROUP x n_ext */              \
    T *res = scratch + RTD_MEDIAN_GROUP * n_ext;       /* GROUP x n */                  \
    T *bufs = res + RTD_MEDIAN_GROUP * n;              /* two sorted windows */         \
    for (int64_t first = 0; first < n_lines; first += RTD_MEDIAN_GROUP) {               \
        int64_t g_count = n_lines - first < RTD_MEDIAN_GROUP ? n_lines - first : RTD_MEDIAN_GROUP; \
        const T *src = x + first * line_stride;                                         \
        T *dst = out + first * line_stride;                                             \
        for (int64_t j = 0; j < n_ext; j++) {                                           \
            const T *s = src + reflect_index(j - half, n) * elem_stride;                \
            for (int64_t g = 0; g < g_count; g++)                                       \
                ext[g * n_ext + j] = s[g * line_stride];                                \
        }                                                                               \
        for (int64_t g = 0; g < g_count; g++)                                           \
            LINE(ext + g * n_ext, res + g * n, n, size, bufs);                          \
        for (int64_t j = 0; j < n; j++) {                                               \
            T *d = dst + j * elem_stride;                                               \
            for (int64_t g = 0; g < g_count; g++)                                       \
                d[g * line_stride] = res[g * n + j];                                    \
        }                                                                               \
    }                                                                                   \
}

DEFINE_MEDIAN_LINE(median_line_f32, float, HUGE_VALF)
DEFINE_MEDIAN_LINE(median_line_f64, double, HUGE_VAL)
DEFINE_MEDIAN_FILTER(rtd_median_filter_f32, median_line_f32, float)
DEFINE_MEDIAN_FILTER(rtd_median_filter_f64, median_line_f64, double)

#define DEFINE_SOFTMASK(NAME, T, TINY, POW)                                             \
void NAME(const T *x, const T *ref, T margin, double power, T split, T *mask, int64_t n) \
{                                                                                       \
    for (int64_t i = 0; i < n; i++) {                                                   \
        T xv = x[i];                                                                    \
        T rv = margin == (T)1 ? ref[i] : ref[i] * margin;                               \
        T z = xv > rv ? xv : rv;                                                        \
        if (z < TINY) {                                                                 \
            mask[i] = split;                                                            \
            continue;                                                                   \
        }                                                                               \
        T a = xv / z, b = rv / z;                                                       \
        if (power == 2.0) {                                                             \
            a = a * a;                                                                  \
            b = b * b;                                                                  \
        } else if (power != 1.0) {                                                      \
            a = POW(a, (T)power);                                                       \
            b = POW(b, (T)power);                                                       \
        }                                                                               \
        mask[i] = a / (a + b);                                                          \
    }                                                                                   \
}

DEFINE_SOFTMASK(rtd_softmask_f32, float, FLT_MIN, powf)
DEFINE_SOFTMASK(rtd_softmask_f64, double, DBL_MIN, pow)

#define DEFINE_APPLY(NAME, T)                                                           \
void NAME(const T *D, const T *mask, T *out, int64_t n)                                 \
{                                                                                       \
    for (int64_t i = 0; i < n; i++) {                                                   \
        out[2 * i] = D[2 * i] * mask[i];                                                \
        out[2 * i + 1] = D[2 * i + 1] * mask[i];                                        \
    }                                                                                   \
}

DEFINE_APPLY(rtd_apply_mask_c64, float)
DEFINE_APPLY(rtd_apply_mask_c128, double)
