/* median.c: the kernels of HPSS (docs/maths/features.md §2).
 *
 * Sliding-window median along one axis of a 2-D array, RTD_MEDIAN_LANES
 * lines at a time: the lines are gathered into a lane-interleaved,
 * reflect-extended buffer (scipy's "reflect" mode: half-sample
 * symmetric, period 2n), and every lane keeps a sorted copy of its window
 * (entry q of all lanes side by side, so each operation below is one
 * vector operation over the lanes).  One step removes the sample leaving
 * the window and inserts the one entering, in a single pass over the
 * window with compares, blends, min and max only:
 *
 *   removal of `old` (present):  R[q] = W[q] < old ? W[q] : W[q+1]
 *   insertion of `v`:            W'[q] = min(R[q], max(R[q-1], v))
 *
 * (R[-1] = -inf, R[size-1] = +inf): entries below `old` stay, the others
 * move down one place; entries below `v` stay, the others move up one
 * place and `v` lands in the gap.  The median is the entry of rank
 * size/2, exactly the value scipy.ndimage.median_filter selects (a
 * median is a selection, not arithmetic), so the output equals it bit for
 * bit.  Inputs must be free of NaN.  Compiled for AVX-512, AVX2 and the
 * baseline (target_clones); every version selects the same values.
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

#define RTD_MEDIAN_LANES 16
#define RTD_MEDIAN_CHUNK 256  /* output positions per gather / scatter */

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(RTD_NO_TARGET_CLONES)
#define RTD_MEDIAN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RTD_MEDIAN_CLONES
#endif

int64_t rtd_median_scratch(int64_t n_lines, int64_t n, int64_t size)
{
    /* ext: CHUNK + size rows; res: CHUNK rows; one window of size rows per
     * group of lanes; all x LANES */
    (void)n;
    int64_t groups = (n_lines + RTD_MEDIAN_LANES - 1) / RTD_MEDIAN_LANES;
    return RTD_MEDIAN_LANES * (2 * RTD_MEDIAN_CHUNK + size + (groups > 0 ? groups : 1) * size);
}

static inline int64_t reflect_index(int64_t j, int64_t n)
{
    int64_t period = 2 * n;
    j %= period;
    if (j < 0)
        j += period;
    return j < n ? j : period - 1 - j;
}

#define L RTD_MEDIAN_LANES

/* Gather ext rows j0 .. j0+count-1 (extended index j = position + size/2
 * offset already applied by the caller: ext row j is x at reflect(j - half))
 * of lanes `first ..` into buf[row][lane]; lanes beyond g_count repeat the
 * last line. */
#define DEFINE_MEDIAN_GATHER(NAME, T)                                                   \
static void NAME(const T *x, int64_t first, int64_t g_count, int64_t n, int64_t half,   \
                 int64_t line_stride, int64_t elem_stride, int64_t j0, int64_t count,   \
                 T *buf)                                                                \
{                                                                                       \
    if (line_stride == 1 && g_count == L) {                                             \
        for (int64_t r = 0; r < count; r++)                                             \
            memcpy(buf + r * L, x + first + reflect_index(j0 + r - half, n) * elem_stride, \
                   L * sizeof(T));                                                      \
        return;                                                                         \
    }                                                                                   \
    for (int64_t g = 0; g < L; g++) {                                                   \
        const T *src = x + (first + (g < g_count ? g : g_count - 1)) * line_stride;     \
        if (elem_stride == 1 && j0 - half >= 0 && j0 + count - half <= n) {             \
            const T *s = src + (j0 - half);                                             \
            for (int64_t r = 0; r < count; r++)                                         \
                buf[r * L + g] = s[r];                                                  \
        } else {                                                                        \
            for (int64_t r = 0; r < count; r++)                                         \
                buf[r * L + g] = src[reflect_index(j0 + r - half, n) * elem_stride];    \
        }                                                                               \
    }                                                                                   \
}

#define DEFINE_MEDIAN_SCATTER(NAME, T)                                                  \
static void NAME(T *out, int64_t first, int64_t g_count, int64_t line_stride,           \
                 int64_t elem_stride, int64_t i0, int64_t count, const T *res)          \
{                                                                                       \
    if (line_stride == 1 && g_count == L) {                                             \
        for (int64_t r = 0; r < count; r++)                                             \
            memcpy(out + first + (i0 + r) * elem_stride, res + r * L, L * sizeof(T));   \
        return;                                                                         \
    }                                                                                   \
    for (int64_t g = 0; g < g_count; g++) {                                             \
        T *dst = out + (first + g) * line_stride + i0 * elem_stride;                    \
        for (int64_t r = 0; r < count; r++)                                             \
            dst[r * elem_stride] = res[r * L + g];                                      \
    }                                                                                   \
}

/* `count` steps: step r removes ext[r] and inserts ext[r + size] (rows of
 * L lanes), then writes the window's entry of rank `rank` to res[r]. */
#define DEFINE_MEDIAN_STEPS(NAME, T, INF)                                               \
RTD_MEDIAN_CLONES static void NAME(const T *restrict ext, T *restrict res,              \
                                   int64_t count, int64_t size, T *restrict win)        \
{                                                                                       \
    const int64_t rank = size / 2;                                                      \
    for (int64_t r = 0; r < count; r++) {                                               \
        const T *old = ext + r * L, *v = ext + (r + size) * L;                          \
        T prev[L], a[L];                                                                \
        for (int l = 0; l < L; l++) {                                                   \
            prev[l] = -INF;                                                             \
            a[l] = win[l];                                                              \
        }                                                                               \
        for (int64_t q = 0; q < size - 1; q++) {                                        \
            T *w = win + q * L;                                                         \
            const T *b = w + L;                                                         \
            for (int l = 0; l < L; l++) {                                               \
                T bl = b[l];                                                            \
                T kept = a[l] < old[l] ? a[l] : bl;          /* removal */              \
                T lo = prev[l] > v[l] ? prev[l] : v[l];                                 \
                w[l] = kept < lo ? kept : lo;                /* insertion */            \
                prev[l] = kept;                                                         \
                a[l] = bl;                                                              \
            }                                                                           \
        }                                                                               \
        T *last = win + (size - 1) * L;                                                 \
        for (int l = 0; l < L; l++)                                                     \
            last[l] = prev[l] > v[l] ? prev[l] : v[l];                                  \
        memcpy(res + r * L, win + rank * L, L * sizeof(T));                             \
    }                                                                                   \
}

/* First window: insert `size` values into a window of +inf. */
#define DEFINE_MEDIAN_FILL(NAME, T, INF)                                                \
static void NAME(const T *ext, int64_t size, T *win)                                    \
{                                                                                       \
    for (int64_t q = 0; q < size * L; q++)                                              \
        win[q] = INF;                                                                   \
    for (int64_t i = 0; i < size; i++) {                                                \
        const T *v = ext + i * L;                                                       \
        for (int l = 0; l < L; l++) {                                                   \
            T prev = -INF;                                                              \
            for (int64_t q = 0; q < size; q++) {                                        \
                T here = win[q * L + l];                                                \
                T lo = prev > v[l] ? prev : v[l];                                       \
                win[q * L + l] = here < lo ? here : lo;                                 \
                prev = here;                                                            \
            }                                                                           \
        }                                                                               \
    }                                                                                   \
}

/* Lines are processed L at a time.  When the lines are the contiguous
 * axis (e.g. the time-direction median of a spectrogram stored frame by
 * frame) the chunks of positions are the outer loop and every group keeps
 * its window between chunks, so memory is read row by row; otherwise each
 * group runs through all its positions at once. */
#define DEFINE_MEDIAN_FILTER(NAME, T, GATHER, SCATTER, STEPS, FILL)                     \
void NAME(const T *x, T *out, int64_t n_lines, int64_t n, int64_t line_stride,          \
          int64_t elem_stride, int64_t size, T *scratch)                                \
{                                                                                       \
    if (n <= 0 || size <= 0 || n_lines <= 0)                                            \
        return;                                                                         \
    const int64_t half = size / 2, n_groups = (n_lines + L - 1) / L;                    \
    const int chunk_outer = line_stride < elem_stride;                                  \
    T *ext = scratch;                                   /* (CHUNK + size) x L */        \
    T *res = ext + (RTD_MEDIAN_CHUNK + size) * L;       /* CHUNK x L */                 \
    T *wins = res + RTD_MEDIAN_CHUNK * L;               /* groups (or 1) x size x L */  \
    const int64_t outer_n = chunk_outer ? 1 + (n - 1 + RTD_MEDIAN_CHUNK - 1) / RTD_MEDIAN_CHUNK \
                                        : n_groups;                                     \
    const int64_t inner_n = chunk_outer ? n_groups : 1 + (n - 1 + RTD_MEDIAN_CHUNK - 1) / RTD_MEDIAN_CHUNK; \
    for (int64_t o = 0; o < outer_n; o++) {                                             \
        for (int64_t in = 0; in < inner_n; in++) {                                      \
            const int64_t grp = chunk_outer ? in : o, c = chunk_outer ? o : in;         \
            const int64_t first = grp * L;                                              \
            const int64_t g_count = n_lines - first < L ? n_lines - first : L;          \
            T *win = wins + (chunk_outer ? grp : 0) * size * L;                         \
            if (c == 0) {  /* output 0: the window of ext rows 0 .. size-1 */          \
                GATHER(x, first, g_count, n, half, line_stride, elem_stride, 0, size, ext); \
                FILL(ext, size, win);                                                   \
                memcpy(res, win + half * L, L * sizeof(T));                             \
                SCATTER(out, first, g_count, line_stride, elem_stride, 0, 1, res);      \
                continue;                                                               \
            }                                                                           \
            /* output i >= 1 removes ext row i-1 and inserts ext row i+size-1 */        \
            const int64_t i0 = 1 + (c - 1) * RTD_MEDIAN_CHUNK;                          \
            const int64_t count = n - i0 < RTD_MEDIAN_CHUNK ? n - i0 : RTD_MEDIAN_CHUNK; \
            GATHER(x, first, g_count, n, half, line_stride, elem_stride, i0 - 1,        \
                   count + size, ext);                                                  \
            STEPS(ext, res, count, size, win);                                          \
            SCATTER(out, first, g_count, line_stride, elem_stride, i0, count, res);     \
        }                                                                               \
    }                                                                                   \
}

DEFINE_MEDIAN_GATHER(median_gather_f32, float)
DEFINE_MEDIAN_GATHER(median_gather_f64, double)
DEFINE_MEDIAN_SCATTER(median_scatter_f32, float)
DEFINE_MEDIAN_SCATTER(median_scatter_f64, double)
DEFINE_MEDIAN_STEPS(median_steps_f32, float, HUGE_VALF)
DEFINE_MEDIAN_STEPS(median_steps_f64, double, HUGE_VAL)
DEFINE_MEDIAN_FILL(median_fill_f32, float, HUGE_VALF)
DEFINE_MEDIAN_FILL(median_fill_f64, double, HUGE_VAL)
DEFINE_MEDIAN_FILTER(rtd_median_filter_f32, float, median_gather_f32, median_scatter_f32,
                     median_steps_f32, median_fill_f32)
DEFINE_MEDIAN_FILTER(rtd_median_filter_f64, double, median_gather_f64, median_scatter_f64,
                     median_steps_f64, median_fill_f64)

#undef L

/* librosa.util.softmask of one bin: x^p / (x^p + r^p) after scaling both by
 * max(x, r) (r = ref * margin), `split` where that maximum is below TINY.
 * Shared by the mask kernel and the fused mask-and-apply kernel below. */
#define DEFINE_MASK_VALUE(NAME, T, TINY, POW)                                           \
static inline T NAME(T xv, T r, T margin, double power, T split)                        \
{                                                                                       \
    T rv = margin == (T)1 ? r : r * margin;                                             \
    T z = xv > rv ? xv : rv;                                                            \
    if (z < TINY)                                                                       \
        return split;                                                                   \
    T a = xv / z, b = rv / z;                                                           \
    if (power == 2.0) {                                                                 \
        a = a * a;                                                                      \
        b = b * b;                                                                      \
    } else if (power != 1.0) {                                                          \
        a = POW(a, (T)power);                                                           \
        b = POW(b, (T)power);                                                           \
    }                                                                                   \
    return a / (a + b);                                                                 \
}

DEFINE_MASK_VALUE(mask_value_f32, float, FLT_MIN, powf)
DEFINE_MASK_VALUE(mask_value_f64, double, DBL_MIN, pow)

#define DEFINE_SOFTMASK(NAME, T, VALUE)                                                 \
void NAME(const T *x, const T *ref, T margin, double power, T split, T *mask, int64_t n) \
{                                                                                       \
    for (int64_t i = 0; i < n; i++)                                                     \
        mask[i] = VALUE(x[i], ref[i], margin, power, split);                            \
}

DEFINE_SOFTMASK(rtd_softmask_f32, float, mask_value_f32)
DEFINE_SOFTMASK(rtd_softmask_f64, double, mask_value_f64)

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

/* out = D * softmask(x, ref): the two kernels above in one pass (the
 * harmonic spectrogram of hpss made block by block for the inverse STFT). */
#define DEFINE_MASKED(NAME, T, VALUE)                                                   \
void NAME(const T *D, const T *x, const T *ref, T margin, double power, T split, T *out, \
          int64_t n)                                                                    \
{                                                                                       \
    for (int64_t i = 0; i < n; i++) {                                                   \
        const T m = VALUE(x[i], ref[i], margin, power, split);                          \
        out[2 * i] = D[2 * i] * m;                                                      \
        out[2 * i + 1] = D[2 * i + 1] * m;                                              \
    }                                                                                   \
}

DEFINE_MASKED(rtd_softmask_apply_c64, float, mask_value_f32)
DEFINE_MASKED(rtd_softmask_apply_c128, double, mask_value_f64)
