/* cqt.c: kernels of the constant-Q transform and the tuning estimate
 * (docs/maths/features.md §3, §4).
 *
 * rtd_sliding_dft: the DFT bins lo..hi-1 of every frame of a signal
 * (frame t = x[t hop .. t hop + n_fft - 1], rectangular window), for the
 * CQT octaves whose hop is small next to n_fft.  One step moves the frame
 * by `hop` samples:
 *
 *   X_{t+1}[k] = e^{2 pi i k hop / N} (X_t[k] + sum_{j<hop} (x[t hop + N + j] - x[t hop + j]) e^{-2 pi i k j / N})
 *
 * in float64, so a step costs hop multiply-adds per bin instead of an
 * FFT per frame.  A sample's contribution leaves the sum exactly as it
 * entered, up to the rounding of the rotation (~1e-16 per step), so the
 * error is ~1e-16 of the largest frame since the sum was last rebuilt from
 * zero ("anchor": the frame's samples slid in one hop at a time).  Anchors
 * come every `anchor_every` frames, when the window holds only zeros (the
 * bins are then exactly 0, as the FFT gives) and when the window's energy
 * falls below 1e-10 of the largest since the last anchor, so every frame's
 * bins stay within ~1e-11 of its own magnitude.  Bins are processed
 * SLIDE_LANES at a time over batches of SLIDE_BATCH frames, so the
 * twiddles of a block stay in the L1 cache.
 *
 * rtd_banded_abs_c64: |basis @ X| over each filter's band of bins.  (The
 * tuning estimate's kernels are in lanes_fft.c.)
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "rtdsp.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(RTD_NO_TARGET_CLONES)
#define RTD_CQT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RTD_CQT_CLONES
#endif

#define SLIDE_LANES 8
#define SLIDE_BATCH 64   /* frames whose sample differences are formed at once */

enum { FRAME_SLIDE = 0, FRAME_ANCHOR = 1, FRAME_ZERO = 2 };

int64_t rtd_sliding_dft_scratch(int64_t n_frames, int64_t n_fft, int64_t hop, int64_t lo, int64_t hi)
{
    const int64_t k_pad = (hi - lo + SLIDE_LANES - 1) / SLIDE_LANES * SLIDE_LANES;
    /* twiddles, rotations, state, differences of a batch, frame kinds (bytes),
     * a batch of complex64 frames (rtd_sliding_dft_banded_abs) */
    return 2 * hop * k_pad + 4 * k_pad + SLIDE_BATCH * hop + (n_frames + 7) / 8 + 1
           + SLIDE_BATCH * (hi - lo);
}

/* SLIDE_LANES doubles as one GCC vector (one AVX-512 register, two AVX2
 * ones); unaligned loads and stores. */
typedef double slide_vec __attribute__((vector_size(SLIDE_LANES * sizeof(double)), aligned(8)));
typedef float slide_vec_f __attribute__((vector_size(SLIDE_LANES * sizeof(float))));
typedef float slide_vec_f2 __attribute__((vector_size(2 * SLIDE_LANES * sizeof(float))));

/* One block of SLIDE_LANES bins over frames t0 .. t0+count-1:
 * X <- rot * (X + sum_j d[t][j] tw[j]) after each frame (kind FRAME_SLIDE),
 * X = 0 (FRAME_ZERO), or X rebuilt from zero by sliding in the frame's
 * n_fft samples hop by hop (FRAME_ANCHOR: the same coefficients as the
 * recursion, so later removals cancel).  Four independent sums hide the
 * latency of the vector additions. */
#define load_vec(p) (*(const slide_vec *)(p))

RTD_CQT_CLONES static void slide_block(const double *restrict x, const double *restrict d,
                                       const uint8_t *restrict kind, int64_t t0, int64_t count,
                                       int64_t n_fft, int64_t hop, int64_t k_pad, int64_t k,
                                       const double *restrict tw_r, const double *restrict tw_i,
                                       const double *restrict rot_r, const double *restrict rot_i,
                                       double *restrict xr, double *restrict xi,
                                       void *out, int out_f32, int64_t k_count, int64_t out_t0)
{
    const slide_vec cr = load_vec(rot_r + k), ci = load_vec(rot_i + k);
    slide_vec ar = load_vec(xr + k), ai = load_vec(xi + k);
    const slide_vec zero = {0};
    for (int64_t b = 0; b < count; b++) {
        const int64_t t = t0 + b;
        if (kind[t] == FRAME_ZERO) {
            ar = zero;
            ai = zero;
        } else if (kind[t] == FRAME_ANCHOR) {
            ar = zero;
            ai = zero;
            /* ceil(n_fft / hop) steps from a window of zeros ending just before
             * the frame; when hop does not divide n_fft the first step's
             * leading samples lie before the frame and count as zeros */
            const double *frame = x + t * hop;
            for (int64_t start = n_fft - (n_fft + hop - 1) / hop * hop; start < n_fft; start += hop) {
                slide_vec sr0 = ar, si0 = ai;
                for (int64_t j = start < 0 ? -start : 0; j < hop; j++) {
                    sr0 += frame[start + j] * load_vec(tw_r + j * k_pad + k);
                    si0 += frame[start + j] * load_vec(tw_i + j * k_pad + k);
                }
                ar = sr0 * cr - si0 * ci;
                ai = sr0 * ci + si0 * cr;
            }
        }
        /* output frame t */
        const int64_t n_out = k_count - k < SLIDE_LANES ? k_count - k : SLIDE_LANES;
        if (out_f32 && n_out == SLIDE_LANES) {   /* one interleaved 16-float store */
            const slide_vec_f re = __builtin_convertvector(ar, slide_vec_f);
            const slide_vec_f im = __builtin_convertvector(ai, slide_vec_f);
            const slide_vec_f2 both = __builtin_shufflevector(re, im, 0, 8, 1, 9, 2, 10, 3, 11,
                                                              4, 12, 5, 13, 6, 14, 7, 15);
            memcpy((float *)out + 2 * ((t - out_t0) * k_count + k), &both, sizeof both);
        } else if (out_f32) {
            float *o = (float *)out + 2 * ((t - out_t0) * k_count + k);
            for (int64_t l = 0; l < n_out; l++) {
                o[2 * l] = (float)ar[l];
                o[2 * l + 1] = (float)ai[l];
            }
        } else {
            double *o = (double *)out + 2 * ((t - out_t0) * k_count + k);
            for (int64_t l = 0; l < n_out; l++) {
                o[2 * l] = ar[l];
                o[2 * l + 1] = ai[l];
            }
        }
        /* slide to frame t + 1 */
        const double *dt = d + b * hop;
        slide_vec r0 = ar, i0 = ai, r1 = zero, i1 = zero, r2 = zero, i2 = zero, r3 = zero, i3 = zero;
        int64_t j = 0;
        for (; j + 4 <= hop; j += 4) {
            const double *pr = tw_r + j * k_pad + k, *pi = tw_i + j * k_pad + k;
            r0 += dt[j] * load_vec(pr);
            i0 += dt[j] * load_vec(pi);
            r1 += dt[j + 1] * load_vec(pr + k_pad);
            i1 += dt[j + 1] * load_vec(pi + k_pad);
            r2 += dt[j + 2] * load_vec(pr + 2 * k_pad);
            i2 += dt[j + 2] * load_vec(pi + 2 * k_pad);
            r3 += dt[j + 3] * load_vec(pr + 3 * k_pad);
            i3 += dt[j + 3] * load_vec(pi + 3 * k_pad);
        }
        for (; j < hop; j++) {
            r0 += dt[j] * load_vec(tw_r + j * k_pad + k);
            i0 += dt[j] * load_vec(tw_i + j * k_pad + k);
        }
        const slide_vec sr = (r0 + r1) + (r2 + r3), si = (i0 + i1) + (i2 + i3);
        ar = sr * cr - si * ci;
        ai = sr * ci + si * cr;
    }
    *(slide_vec *)(xr + k) = ar;
    *(slide_vec *)(xi + k) = ai;
}

static double window_energy(const double *x, int64_t n, int64_t *nonzero)
{
    double e = 0.0;
    int64_t nz = 0;
    for (int64_t i = 0; i < n; i++) {
        e += x[i] * x[i];
        nz += x[i] != 0.0;
    }
    *nonzero = nz;
    return e;
}

/* The sliding DFT; with `banded` set, each batch of frames goes through
 * rtd_banded_abs_c64 from a complex64 batch buffer into mag_out instead of
 * being written to `out`. */
typedef struct {
    const int64_t *start, *len, *off;
    const float *coef;
    int64_t n_filters;
    const double *divisor;
    float *mag_out;
    int64_t out_stride;
} banded_args;

static void sliding_dft(const double *x, int64_t n_x, int64_t n_frames, int64_t n_fft, int64_t hop,
                        int64_t lo, int64_t hi, const double *cos_tab, const double *sin_tab,
                        int64_t anchor_every, double *scratch, void *out, int out_f32,
                        const banded_args *banded)
{
    const int64_t k_count = hi - lo, mask = n_fft - 1;
    const int64_t k_pad = (k_count + SLIDE_LANES - 1) / SLIDE_LANES * SLIDE_LANES;
    if (n_frames <= 0 || k_count <= 0 || hop <= 0 || (n_frames - 1) * hop + n_fft > n_x)
        return;
    double *tw_r = scratch, *tw_i = tw_r + hop * k_pad;
    double *rot_r = tw_i + hop * k_pad, *rot_i = rot_r + k_pad;
    double *xr = rot_i + k_pad, *xi = xr + k_pad;
    double *d = xi + k_pad;                               /* SLIDE_BATCH x hop */
    uint8_t *kind = (uint8_t *)(d + SLIDE_BATCH * hop);   /* n_frames */
    float *batch = (float *)(d + SLIDE_BATCH * hop + (n_frames + 7) / 8 + 1);
    for (int64_t j = 0; j < hop; j++)
        for (int64_t k = 0; k < k_pad; k++) {
            const int64_t idx = ((lo + k) * j) & mask;
            tw_r[j * k_pad + k] = k < k_count ? cos_tab[idx] : 0.0;
            tw_i[j * k_pad + k] = k < k_count ? -sin_tab[idx] : 0.0;
        }
    for (int64_t k = 0; k < k_pad; k++) {
        const int64_t idx = ((lo + k) * hop) & mask;
        rot_r[k] = k < k_count ? cos_tab[idx] : 0.0;
        rot_i[k] = k < k_count ? sin_tab[idx] : 0.0;
        xr[k] = xi[k] = 0.0;
    }
    /* which frames are evaluated afresh */
    int64_t last_anchor = 0, nonzero = 0;
    double energy = 0.0, peak = 0.0;
    for (int64_t t = 0; t < n_frames; t++) {
        const double *frame = x + t * hop;
        if (t > 0) {
            for (int64_t j = 0; j < hop; j++) {
                const double in = frame[n_fft - hop + j], leaving = frame[j - hop];
                energy += in * in - leaving * leaving;
                nonzero += (in != 0.0) - (leaving != 0.0);
            }
            if (energy > peak)
                peak = energy;
        }
        if (t == 0 || t - last_anchor >= anchor_every || nonzero == 0 || energy < 1e-10 * peak) {
            energy = window_energy(frame, n_fft, &nonzero);
            peak = energy;
            last_anchor = t;
            kind[t] = nonzero == 0 ? FRAME_ZERO : FRAME_ANCHOR;
        } else {
            kind[t] = FRAME_SLIDE;
        }
    }
    for (int64_t t0 = 0; t0 < n_frames; t0 += SLIDE_BATCH) {
        const int64_t count = n_frames - t0 < SLIDE_BATCH ? n_frames - t0 : SLIDE_BATCH;
        for (int64_t b = 0; b < count; b++) {
            const int64_t t = t0 + b;
            const double *frame = x + t * hop;
            for (int64_t j = 0; j < hop; j++)   /* the last frame never slides on */
                d[b * hop + j] = t + 1 < n_frames ? frame[n_fft + j] - frame[j] : 0.0;
        }
        for (int64_t k = 0; k < k_pad; k += SLIDE_LANES)
            slide_block(x, d, kind, t0, count, n_fft, hop, k_pad, k, tw_r, tw_i, rot_r, rot_i,
                        xr, xi, banded ? (void *)batch : out, banded ? 1 : out_f32, k_count,
                        banded ? t0 : 0);
        if (banded)
            rtd_banded_abs_c64(batch, count, k_count, banded->start, banded->len, banded->off,
                               banded->coef, banded->n_filters, banded->divisor,
                               banded->mag_out + t0, banded->out_stride);
    }
}

void rtd_sliding_dft(const double *x, int64_t n_x, int64_t n_frames, int64_t n_fft, int64_t hop,
                     int64_t lo, int64_t hi, const double *cos_tab, const double *sin_tab,
                     int64_t anchor_every, double *scratch, void *out, int out_f32)
{
    sliding_dft(x, n_x, n_frames, n_fft, hop, lo, hi, cos_tab, sin_tab, anchor_every, scratch, out,
                out_f32, NULL);
}

void rtd_sliding_dft_banded_abs(const double *x, int64_t n_x, int64_t n_frames, int64_t n_fft,
                                int64_t hop, int64_t lo, int64_t hi, const double *cos_tab,
                                const double *sin_tab, int64_t anchor_every, double *scratch,
                                const int64_t *start, const int64_t *len, const int64_t *off,
                                const float *coef, int64_t n_filters, const double *divisor,
                                float *out, int64_t out_stride)
{
    const banded_args banded = {start, len, off, coef, n_filters, divisor, out, out_stride};
    sliding_dft(x, n_x, n_frames, n_fft, hop, lo, hi, cos_tab, sin_tab, anchor_every, scratch, NULL,
                1, &banded);
}

/* |basis @ X| for a banded basis: filter f has the coefficients
 * coef[off[f] .. off[f] + len[f]) (interleaved complex64) on bins
 * start[f] .. start[f] + len[f] of X (n_frames x k_count interleaved
 * complex64).  out[f * out_stride + t] = |sum_k coef X[t, k]| (float32
 * sums, float64 magnitude), divided by divisor[f] unless it is NULL.
 * Frames are taken BANDED_FRAMES at a time,
 * split into real and imaginary planes, and every filter's sums run over
 * those frames in SIMD lanes. */
#define BANDED_FRAMES 32

RTD_CQT_CLONES void rtd_banded_abs_c64(const float *X, int64_t n_frames, int64_t k_count,
                                       const int64_t *start, const int64_t *len, const int64_t *off,
                                       const float *coef, int64_t n_filters, const double *divisor,
                                       float *out, int64_t out_stride)
{
    float xr[k_count > 0 ? k_count : 1][BANDED_FRAMES], xi[k_count > 0 ? k_count : 1][BANDED_FRAMES];
    for (int64_t t0 = 0; t0 < n_frames; t0 += BANDED_FRAMES) {
        const int64_t count = n_frames - t0 < BANDED_FRAMES ? n_frames - t0 : BANDED_FRAMES;
        for (int64_t b = 0; b < BANDED_FRAMES; b++) {
            const float *row = X + 2 * (t0 + (b < count ? b : count - 1)) * k_count;
            for (int64_t k = 0; k < k_count; k++) {
                xr[k][b] = row[2 * k];
                xi[k][b] = row[2 * k + 1];
            }
        }
        for (int64_t f = 0; f < n_filters; f++) {
            float ar[BANDED_FRAMES] = {0}, ai[BANDED_FRAMES] = {0};
            const float *c = coef + 2 * off[f];
            for (int64_t j = 0; j < len[f]; j++) {
                const float cr = c[2 * j], ci = c[2 * j + 1];
                const float *pr = xr[start[f] + j], *pi = xi[start[f] + j];
                for (int b = 0; b < BANDED_FRAMES; b++) {
                    ar[b] += cr * pr[b] - ci * pi[b];
                    ai[b] += cr * pi[b] + ci * pr[b];
                }
            }
            float *o = out + f * out_stride + t0;
            for (int64_t b = 0; b < count; b++)
                o[b] = (float)sqrt((double)ar[b] * ar[b] + (double)ai[b] * ai[b]);
            if (divisor)   /* NumPy's float32 /= float64: divided in float64, rounded */
                for (int64_t b = 0; b < count; b++)
                    o[b] = (float)((double)o[b] / divisor[f]);
        }
    }
}

/* x[i] = (float)((double)x[i] / divisor): NumPy's float32 /= float64 scalar
 * (librosa's resampling scale) in one vectorised pass. */
RTD_CQT_CLONES void rtd_divide_f32_by_f64(float *x, int64_t n, double divisor)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)((double)x[i] / divisor);
}
