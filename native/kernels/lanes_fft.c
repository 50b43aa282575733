/* lanes_fft.c: float32 real FFTs of 16 frames at once, one frame per SIMD
 * lane, fused with what the tuning estimate and the CQT octaves do with the
 * spectrum (docs/maths/features.md §3, §4).
 *
 * Sixteen frames are transposed into "lane vectors" (element m of every
 * frame in one 16-float vector, windowed on the way), so the FFT is the
 * scalar algorithm written once with vector operands: no shuffles inside
 * the transform, and every frame is transformed with the same operations.
 * A real frame of N samples is transformed as the complex sequence
 * z[n] = x[2n] + i x[2n+1] of M = N/2 points (split re/im arrays):
 * decimation in frequency, radix 4 (two radix-2 stages at once), depth first so
 * that blocks of 256 points (32 KiB) stay in the L1 cache; the output is
 * in bit-reversed order and is unpacked into the N/2 + 1 real-FFT bins
 *
 *   X[k] = (Z[k] + conj Z[M-k]) / 2 + e^{-2 pi i k / N} (Z[k] - conj Z[M-k]) / 2i.
 *
 * rtd_lanes_rfft_f32 writes the spectrum out (interleaved complex64).
 * The others use it without writing it to memory:
 *  - rtd_tuning_stft_peaks_f32 (Hann frames of the tuning estimate): each
 *    frame's largest magnitude over all bins, the magnitudes of the
 *    piptrack band, and librosa's peaks, gated for 16 frames at once (the
 *    float operations of rtaudio.analysis.cqt._peaks);
 *  - rtd_fft_banded_abs_f32 (rectangular frames of a CQT octave):
 *    |basis @ X| over each filter's band of bins (the sums of
 *    rtd_banded_abs_c64, 16 frames per vector).
 * Magnitudes are sqrt(re^2 + im^2) formed in float64 and rounded once.
 * Accuracy: that of a float32 FFT (~1e-7 of the frame's largest bin).
 * The vector type is 16 floats: one AVX-512 register, two AVX2 ones.
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "rtdsp.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(RTD_NO_TARGET_CLONES)
#define RTD_LANES_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RTD_LANES_CLONES
#endif

#define LANES 16
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float lane_f __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t lane_i __attribute__((vector_size(LANES * sizeof(int32_t))));
/* float64 work on a lane vector is done in two halves of 8 lanes (one
 * AVX-512 register each; a 16-double vector would go through memory) */
typedef float half_f __attribute__((vector_size(LANES / 2 * sizeof(float))));
typedef double half_d __attribute__((vector_size(LANES / 2 * sizeof(double))));
typedef int64_t half_l __attribute__((vector_size(LANES / 2 * sizeof(int64_t))));

/* Unaligned loads and stores of a lane vector. */
static inline __attribute__((always_inline)) lane_f load_lane(const float *p)
{
    lane_f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store_lane(float *p, lane_f v)
{
    memcpy(p, &v, sizeof v);
}

/* Scratch layout (floats, after rounding the pointer up to 64 bytes):
 * re[M], im[M] lane vectors, cos/sin of 2 pi j / M (j < M/2), cos/sin of
 * 2 pi k / N (k <= M/2), bit reversal of M (int32), and room for the band
 * (per band bin: a double and a float lane vector, or two float ones), and
 * 16 frames of n_fft samples for the frames that reach into the padding. */
int64_t rtd_lanes_fft_scratch(int64_t n_fft, int64_t n_band)
{
    const int64_t m = n_fft / 2;
    return 16 + 2 * m * LANES + 2 * m + 2 * (m / 2 + 1) + m
           + (3 * n_band + 2) * LANES + LANES + n_fft * LANES;
}

typedef struct {
    int64_t m, n_fft;
    lane_f *re, *im;
    float *tw_c, *tw_s;   /* e^{-2 pi i j / M} = tw_c - i tw_s, j < M */
    float *pk_c, *pk_s;   /* e^{-2 pi i k / N} = pk_c - i pk_s, k <= M/2 */
    int32_t *bitrev;
    float *band;
    float *edge;
} lanes_plan;

static int make_plan(lanes_plan *p, int64_t n_fft, int64_t n_band, float *scratch)
{
    const int64_t m = n_fft / 2;
    if (n_fft < 8 || (n_fft & (n_fft - 1)))
        return 0;
    float *s = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    p->m = m;
    p->n_fft = n_fft;
    p->re = (lane_f *)s;
    p->im = p->re + m;
    s += 2 * m * LANES;
    p->tw_c = s;
    p->tw_s = s + m;
    p->pk_c = s + 2 * m;
    p->pk_s = p->pk_c + m / 2 + 1;
    p->bitrev = (int32_t *)(p->pk_s + m / 2 + 1);
    p->band = (float *)(((uintptr_t)(p->bitrev + m) + 63) & ~(uintptr_t)63);
    p->edge = p->band + (3 * n_band + 2) * LANES;
    const double two_pi = 6.283185307179586476925286766559;
    for (int64_t j = 0; j < m; j++) {
        p->tw_c[j] = (float)cos(two_pi * (double)j / (double)m);
        p->tw_s[j] = (float)sin(two_pi * (double)j / (double)m);
    }
    for (int64_t k = 0; k <= m / 2; k++) {
        p->pk_c[k] = (float)cos(two_pi * (double)k / (double)n_fft);
        p->pk_s[k] = (float)sin(two_pi * (double)k / (double)n_fft);
    }
    int bits = 0;
    while ((INT64_C(1) << bits) < m)
        bits++;
    for (int64_t k = 0; k < m; k++) {
        int64_t r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((k >> b) & 1) << (bits - 1 - b);
        p->bitrev[k] = (int32_t)r;
    }
    return 1;
}

/* The 16 x 16 block rows[f][i] -> cols[i][f], in four rounds that swap the
 * off-diagonal blocks of size 8, 4, 2, 1. */
static inline __attribute__((always_inline)) void transpose16(lane_f *v)
{
    static const lane_i lo8 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23};
    static const lane_i hi8 = {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31};
    static const lane_i lo4 = {0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27};
    static const lane_i hi4 = {4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31};
    static const lane_i lo2 = {0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29};
    static const lane_i hi2 = {2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31};
    static const lane_i lo1 = {0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30};
    static const lane_i hi1 = {1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31};
#define TRANSPOSE_ROUND(B, LO, HI)                                         \
    for (int i = 0; i < 16; i++)                                           \
        if (!(i & (B))) {                                                  \
            const lane_f a = v[i], b = v[i + (B)];                         \
            v[i] = __builtin_shuffle(a, b, LO);                            \
            v[i + (B)] = __builtin_shuffle(a, b, HI);                      \
        }
    TRANSPOSE_ROUND(8, lo8, hi8)
    TRANSPOSE_ROUND(4, lo4, hi4)
    TRANSPOSE_ROUND(2, lo2, hi2)
    TRANSPOSE_ROUND(1, lo1, hi1)
#undef TRANSPOSE_ROUND
}

/* Frames first .. first+15 of x padded with `pad` zeros on both sides
 * (frame t = samples t hop - pad .. t hop - pad + N - 1 of x, zero outside
 * 0 .. n_x - 1; lanes past the last frame repeat it) times the window
 * (NULL: rectangular) into the split z of the plan. */
static inline __attribute__((always_inline)) void load_frames(const lanes_plan *p, const float *x,
                                                              int64_t n_x, int64_t pad,
                                                              int64_t first, int64_t count,
                                                              int64_t hop, const float *window)
{
    const float *rows[LANES];
    for (int f = 0; f < LANES; f++) {
        const int64_t start = (first + (f < count ? f : count - 1)) * hop - pad;
        if (start >= 0 && start + p->n_fft <= n_x) {
            rows[f] = x + start;
            continue;
        }
        float *e = p->edge + f * p->n_fft;
        for (int64_t m = 0; m < p->n_fft; m++)
            e[m] = start + m >= 0 && start + m < n_x ? x[start + m] : 0.0f;
        rows[f] = e;
    }
    for (int64_t m0 = 0; m0 < p->n_fft; m0 += LANES) {
        lane_f v[LANES];
        for (int f = 0; f < LANES; f++)
            v[f] = load_lane(rows[f] + m0);
        transpose16(v);
        for (int i = 0; i < LANES; i += 2) {
            lane_f even = v[i], odd = v[i + 1];
            if (window) {
                even *= window[m0 + i];
                odd *= window[m0 + i + 1];
            }
            p->re[(m0 + i) / 2] = even;
            p->im[(m0 + i) / 2] = odd;
        }
    }
}

/* Two DIF stages (span 2h, then h) on the block of 4h points at `base`, as
 * one radix-4 butterfly (W = e^{-2 pi i / 4h}): the outputs of the two
 * radix-2 stages at the same places, with three twiddle products instead
 * of four:
 *   a[j] = (x0 + x2) + (x1 + x3),        a[j+h]  = ((x0 + x2) - (x1 + x3)) W^2j,
 *   a[j+2h] = ((x0 - x2) - i(x1 - x3)) W^j, a[j+3h] = ((x0 - x2) + i(x1 - x3)) W^3j. */
static inline __attribute__((always_inline)) void dif_pair(const lanes_plan *p, int64_t base, int64_t h)
{
    lane_f *re = p->re + base, *im = p->im + base;
    const int64_t step = p->m / (4 * h);
    for (int64_t j = 0; j < h; j++) {
        const float c1 = p->tw_c[j * step], s1 = p->tw_s[j * step];
        const float c2 = p->tw_c[2 * j * step], s2 = p->tw_s[2 * j * step];
        const float c3 = p->tw_c[3 * j * step], s3 = p->tw_s[3 * j * step];
        const lane_f x0r = re[j], x0i = im[j], x1r = re[j + h], x1i = im[j + h];
        const lane_f x2r = re[j + 2 * h], x2i = im[j + 2 * h], x3r = re[j + 3 * h], x3i = im[j + 3 * h];
        const lane_f s02r = x0r + x2r, s02i = x0i + x2i, d02r = x0r - x2r, d02i = x0i - x2i;
        const lane_f s13r = x1r + x3r, s13i = x1i + x3i, d13r = x1r - x3r, d13i = x1i - x3i;
        const lane_f er = s02r - s13r, ei = s02i - s13i;
        const lane_f ar = d02r + d13i, ai = d02i - d13r;   /* (x0 - x2) - i (x1 - x3) */
        const lane_f br = d02r - d13i, bi = d02i + d13r;   /* (x0 - x2) + i (x1 - x3) */
        re[j] = s02r + s13r;
        im[j] = s02i + s13i;
        re[j + h] = er * c2 + ei * s2;
        im[j + h] = ei * c2 - er * s2;
        re[j + 2 * h] = ar * c1 + ai * s1;
        im[j + 2 * h] = ai * c1 - ar * s1;
        re[j + 3 * h] = br * c3 + bi * s3;
        im[j + 3 * h] = bi * c3 - br * s3;
    }
}

/* The whole DIF transform of the plan's z.  Stages over the whole array
 * until a block holds at most L1_POINTS points; then each block is
 * finished before the next one is touched, while it sits in the L1 cache.
 * Inlined into each caller so that it is compiled for the caller's clone. */
#define L1_POINTS 256

static inline __attribute__((always_inline)) void dif_all(const lanes_plan *p)
{
    const int64_t m = p->m;
    int64_t size = m;
    for (; size > L1_POINTS && size >= 4; size /= 4)
        for (int64_t base = 0; base < m; base += size)
            dif_pair(p, base, size / 4);
    for (int64_t block = 0; block < m; block += size) {
        int64_t s = size;
        for (; s >= 4; s /= 4)
            for (int64_t base = block; base < block + size; base += s)
                dif_pair(p, base, s / 4);
        if (s == 2)
            for (int64_t base = block; base < block + size; base += 2) {
                lane_f *re = p->re + base, *im = p->im + base;
                const lane_f ar = re[0], ai = im[0];
                re[0] = ar + re[1];
                im[0] = ai + im[1];
                re[1] = ar - re[1];
                im[1] = ai - im[1];
            }
    }
}

/* Real-FFT bin k (0 <= k <= M) of the 16 frames from the bit-reversed Z. */
static inline __attribute__((always_inline)) void real_bin(const lanes_plan *p, int64_t k,
                                                           lane_f *xr, lane_f *xi)
{
    const int64_t m = p->m;
    const int64_t ia = p->bitrev[k == m ? 0 : k], ib = p->bitrev[k == 0 ? 0 : m - k];
    const lane_f ar = p->re[ia], ai = p->im[ia], br = p->re[ib], bi = -p->im[ib];
    /* E = (a + b) / 2, O = (a - b) / 2i, X = E + e^{-2 pi i k / N} O */
    const lane_f er = (ar + br) * 0.5f, ei = (ai + bi) * 0.5f;
    const lane_f o_r = (ai - bi) * 0.5f, o_i = (br - ar) * 0.5f;
    float c, s;
    if (k <= m / 2) {
        c = p->pk_c[k];
        s = p->pk_s[k];
    } else {   /* e^{-2 pi i k / N} = -conj(e^{-2 pi i (M - k) / N}) */
        c = -p->pk_c[m - k];
        s = p->pk_s[m - k];
    }
    *xr = er + (o_r * c + o_i * s);
    *xi = ei + (o_i * c - o_r * s);
}

/* re^2 + im^2 in float64 of lanes 0-7 (half 0) or 8-15 (half 1). */
static inline __attribute__((always_inline)) half_d power_half(lane_f xr, lane_f xi, int half)
{
    half_f r, i;
    if (half) {
        r = __builtin_shufflevector(xr, xr, 8, 9, 10, 11, 12, 13, 14, 15);
        i = __builtin_shufflevector(xi, xi, 8, 9, 10, 11, 12, 13, 14, 15);
    } else {
        r = __builtin_shufflevector(xr, xr, 0, 1, 2, 3, 4, 5, 6, 7);
        i = __builtin_shufflevector(xi, xi, 0, 1, 2, 3, 4, 5, 6, 7);
    }
    const half_d rd = __builtin_convertvector(r, half_d), id = __builtin_convertvector(i, half_d);
    return rd * rd + id * id;
}

static inline __attribute__((always_inline)) half_d max_half(half_d a, half_d b)
{
    const half_l more = a > b;
    return (half_d)(((half_l)a & more) | ((half_l)b & ~more));
}

/* out[f] = (float)sqrt(power of lane f), from the two halves. */
static inline __attribute__((always_inline)) void lane_sqrt(half_d lo, half_d hi, float *out)
{
    double tmp[LANES];
    memcpy(tmp, &lo, sizeof lo);
    memcpy(tmp + LANES / 2, &hi, sizeof hi);
    for (int f = 0; f < LANES; f++)
        out[f] = (float)sqrt(tmp[f]);
}

/* librosa's piptrack peak at bin k with magnitudes mid = |S[k]|, left =
 * |S[k-1]|, right = |S[k+1]| (edges repeated): the parabolic shift and
 * the skew-corrected magnitude, with the float operations of
 * rtaudio.analysis.cqt._peaks (float32 sums, float64 products). */
static inline __attribute__((always_inline)) void peak_value(float mid, float left, float right,
                                                             int64_t k, int64_t n_total, double sr,
                                                             int64_t n_fft, float *pitch, float *mag)
{
    float avg;
    if (k == 0)
        avg = right - mid;
    else if (k == n_total - 1)
        avg = mid - left;
    else
        avg = (right - left) / 2.0f;
    float shift = 0.0f;
    if (k != 0 && k != n_total - 1) {
        const double a = (double)(right + left) - 2.0 * (double)mid;
        const double b = (double)(right - left) / 2.0;
        shift = fabs(b) >= fabs(a) ? 0.0f : (float)(-b / a);
    }
    const float dskew = 0.5f * avg * shift;
    *pitch = (float)(((double)k + (double)shift) * sr / (double)n_fft);
    *mag = mid + dskew;
}

/* v where v > ref, else +0 (lane by lane). */
static inline __attribute__((always_inline)) lane_f gate(lane_f v, lane_f ref)
{
    return (lane_f)((lane_i)v & (v > ref));
}

/* Per 16 frames: every bin's power (float64) for the frame maxima, the
 * magnitudes of bins r0 .. r1-1 (bin-major, a lane per frame), then the
 * peaks in k0 .. k1-1: gated local maxima of S * [S > threshold * max S],
 * tested for all 16 frames at once; each peak's value is computed for its
 * lane.  Peaks come out bin by bin within each group of 16 frames. */
RTD_LANES_CLONES int64_t rtd_tuning_stft_peaks_f32(const float *x, int64_t n_x, int64_t pad,
                                                   int64_t n_frames,
                                                   int64_t n_fft, int64_t hop, const float *window,
                                                   int64_t k0, int64_t k1, float threshold, double sr,
                                                   float *scratch, float *pitch, float *mag)
{
    lanes_plan p;
    const int64_t n_rows = n_fft / 2 + 1;
    const int64_t r0 = k0 > 0 ? k0 - 1 : 0, r1 = k1 + 1 < n_rows ? k1 + 1 : n_rows;
    const int64_t n_cols = r1 - r0;
    if (k1 <= k0 || k0 < 0 || k1 > n_rows || !make_plan(&p, n_fft, n_cols, scratch) || n_frames <= 0
        || hop <= 0 || pad < 0 || (n_frames - 1) * hop + n_fft > n_x + 2 * pad)
        return 0;
    double *band_pw = (double *)p.band;                     /* n_cols x 16 */
    float *band_mag = (float *)(band_pw + n_cols * LANES);  /* n_cols x 16 */
    int64_t n_peaks = 0;
    for (int64_t first = 0; first < n_frames; first += LANES) {
        const int64_t count = n_frames - first < LANES ? n_frames - first : LANES;
        load_frames(&p, x, n_x, pad, first, count, hop, window);
        dif_all(&p);
        half_d best_lo = {0}, best_hi = {0};
        for (int64_t k = 0; k < n_rows; k++) {
            lane_f xr, xi;
            real_bin(&p, k, &xr, &xi);
            const half_d pw_lo = power_half(xr, xi, 0), pw_hi = power_half(xr, xi, 1);
            best_lo = max_half(pw_lo, best_lo);
            best_hi = max_half(pw_hi, best_hi);
            if (k >= r0 && k < r1) {
                memcpy(band_pw + (k - r0) * LANES, &pw_lo, sizeof pw_lo);
                memcpy(band_pw + (k - r0) * LANES + LANES / 2, &pw_hi, sizeof pw_hi);
            }
        }
        for (int64_t i = 0; i < n_cols * LANES; i++)
            band_mag[i] = (float)sqrt(band_pw[i]);
        float best_mag[LANES];
        lane_sqrt(best_lo, best_hi, best_mag);
        const lane_f ref = threshold * load_lane(best_mag);
        const uint32_t lanes_of_count = count == LANES ? 0xffffu : (1u << count) - 1u;
        for (int64_t k = k0; k < k1; k++) {
            const int64_t kl = k > 0 ? k - 1 : 0, kr = k + 1 < n_rows ? k + 1 : n_rows - 1;
            const lane_f mid = load_lane(band_mag + (k - r0) * LANES);
            const lane_f left = load_lane(band_mag + (kl - r0) * LANES);
            const lane_f right = load_lane(band_mag + (kr - r0) * LANES);
            const lane_f g_mid = gate(mid, ref);
            const lane_i is_peak = (g_mid > gate(left, ref)) & (g_mid >= gate(right, ref));
            int32_t flags[LANES];
            memcpy(flags, &is_peak, sizeof flags);
            uint32_t lanes = 0;   /* one bit per lane holding a peak */
            for (int f = 0; f < LANES; f++)
                lanes |= (uint32_t)(flags[f] & 1) << f;
            lanes &= lanes_of_count;
            if (!lanes)
                continue;
            float mids[LANES], lefts[LANES], rights[LANES];
            memcpy(mids, &mid, sizeof mids);
            memcpy(lefts, &left, sizeof lefts);
            memcpy(rights, &right, sizeof rights);
            for (; lanes; lanes &= lanes - 1) {
                const int f = __builtin_ctz(lanes);
                peak_value(mids[f], lefts[f], rights[f], k, n_rows, sr, n_fft, pitch + n_peaks,
                           mag + n_peaks);
                n_peaks++;
            }
        }
    }
    return n_peaks;
}

RTD_LANES_CLONES void rtd_fft_banded_abs_f32(const float *x, int64_t n_x, int64_t pad,
                                             int64_t n_frames,
                                             int64_t n_fft, int64_t hop, int64_t lo, int64_t k_count,
                                             const int64_t *start, const int64_t *len,
                                             const int64_t *off, const float *coef,
                                             int64_t n_filters, const double *divisor,
                                             float *scratch, float *out, int64_t out_stride)
{
    lanes_plan p;
    if (k_count <= 0 || !make_plan(&p, n_fft, k_count, scratch) || n_frames <= 0 || hop <= 0 || lo < 0
        || lo + k_count > n_fft / 2 + 1 || pad < 0 || (n_frames - 1) * hop + n_fft > n_x + 2 * pad)
        return;
    lane_f *band_r = (lane_f *)p.band, *band_i = band_r + k_count;
    for (int64_t first = 0; first < n_frames; first += LANES) {
        const int64_t count = n_frames - first < LANES ? n_frames - first : LANES;
        load_frames(&p, x, n_x, pad, first, count, hop, NULL);
        dif_all(&p);
        for (int64_t k = 0; k < k_count; k++)
            real_bin(&p, lo + k, band_r + k, band_i + k);
        for (int64_t f = 0; f < n_filters; f++) {
            lane_f ar = {0}, ai = {0};
            const float *c = coef + 2 * off[f];
            const lane_f *pr = band_r + start[f], *pi = band_i + start[f];
            for (int64_t j = 0; j < len[f]; j++) {
                const float cr = c[2 * j], ci = c[2 * j + 1];
                ar += cr * pr[j] - ci * pi[j];
                ai += cr * pi[j] + ci * pr[j];
            }
            float mags[LANES];
            lane_sqrt(power_half(ar, ai, 0), power_half(ar, ai, 1), mags);
            if (divisor)   /* NumPy's float32 /= float64: divided in float64, rounded */
                for (int b = 0; b < LANES; b++)
                    mags[b] = (float)((double)mags[b] / divisor[f]);
            memcpy(out + f * out_stride + first, mags, (size_t)count * sizeof(float));
        }
    }
}

RTD_LANES_CLONES void rtd_lanes_rfft_f32(const float *x, int64_t n_x, int64_t pad, int64_t n_frames,
                                         int64_t n_fft,
                                         int64_t hop, const float *window, float *scratch, float *out)
{
    lanes_plan p;
    const int64_t n_rows = n_fft / 2 + 1;
    if (!make_plan(&p, n_fft, 0, scratch) || n_frames <= 0 || hop <= 0 || pad < 0
        || (n_frames - 1) * hop + n_fft > n_x + 2 * pad)
        return;
    for (int64_t first = 0; first < n_frames; first += LANES) {
        const int64_t count = n_frames - first < LANES ? n_frames - first : LANES;
        load_frames(&p, x, n_x, pad, first, count, hop, window);
        dif_all(&p);
        for (int64_t k = 0; k < n_rows; k++) {
            lane_f xr, xi;
            real_bin(&p, k, &xr, &xi);
            for (int64_t f = 0; f < count; f++) {
                out[2 * ((first + f) * n_rows + k)] = xr[f];
                out[2 * ((first + f) * n_rows + k) + 1] = xi[f];
            }
        }
    }
}
