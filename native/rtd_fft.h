/* rtd_fft.h: rtaudio's small real FFT (internal, not seen by CFFI).
 *
 * Method: a radix-2 complex FFT of size m = n/2 (n a power of two) in
 * split form (re[], im[]), used for real signals of length n with the
 * usual packing z[k] = x[2k] + i·x[2k+1], Z = FFT_m(z), then
 * X[k] = (Z[k] + conj Z[m−k])/2 − (i/2)·W_n^k·(Z[k] − conj Z[m−k]) for
 * k = 0..m; the inverse does the same steps backwards.  Forward is
 * decimation in frequency; the inverse is decimation in time
 * (rtd_autocorr) or the forward stages on swapped re/im (rtd_irfft), so no
 * separate bit-reversal pass is needed (see fft.c).  Cost O(n log n); no
 * allocation: every table and scratch array is provided by the caller (Python-allocated NumPy arrays built by
 * rtaudio.kernels.fft_tables at prepare time).
 *
 * Tables (float64 / int32):
 *   cos_m[h + j], sin_m[h + j] = cos, sin(πj/h) for every span
 *                                h = 1, 2, 4, .., m/2 and j < h (m entries)
 *   cos_n[k], sin_n[k]         = cos, sin(2πk/n), k < m   (real split)
 *   bitrev[k]                  = bit reversal of k on log2(m) bits, k < m
 */
#ifndef RTD_FFT_H
#define RTD_FFT_H

#include <stdint.h>

/* On x86-64 Linux with GCC, every function marked RTD_SIMD_CLONES is also
 * compiled for AVX2 and the best version is picked once at load time (ifunc).  AVX2 alone
 * (no FMA; -ffp-contract=off anyway) does the same IEEE operations on
 * wider vectors, so both versions give identical bits. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(RTD_NO_TARGET_CLONES)
#define RTD_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RTD_SIMD_CLONES
#endif

typedef struct {
    int n;               /* real length, power of two, >= 4 */
    const double *cos_m;
    const double *sin_m;
    const double *cos_n;
    const double *sin_n;
    const int32_t *bitrev;
} rtd_fft_plan;

/* Autocorrelation of x[0..len-1] (zero-padded to n, n >= 2·len − 1):
 * out[j] = irfft(|rfft(x, n)|², n)[j] for j < nlags ≤ n/2.  Needs len <= n/2
 * and n >= 16; work holds 2n + 1 doubles. */
void rtd_autocorr(const rtd_fft_plan *plan, const double *x, int len,
                  double *work, double *out, int nlags);

/* Spectrum of x[0..len-1] zero-padded to n (len <= n/2):
 * spec[k] = rfft(x, n)[k], k = 0..n/2 (n/2 + 1 values in spec_re, spec_im).
 * work holds 2n doubles. */
void rtd_rfft(const rtd_fft_plan *plan, const double *x, int len, double *work,
              double *spec_re, double *spec_im);

/* out[0..n-1] = irfft(spec, n) of a Hermitian spectrum spec[0..n/2]
 * (spec_im[0] and spec_im[n/2] must be 0).  Computed as the forward
 * DIF FFT on swapped re/im (no bit-reversal pass: the output is read
 * through the bitrev table).  work holds n doubles. */
void rtd_irfft(const rtd_fft_plan *plan, const double *spec_re, const double *spec_im,
               double *work, double *out);

/* The first `count` (≤ n) outputs of rtd_irfft only (same values). */
void rtd_irfft_head(const rtd_fft_plan *plan, const double *spec_re, const double *spec_im,
                    double *work, double *out, int count);

/* s = conj(f)·g over n bins (split re/im), or s += conj(f)·g when
 * accumulate != 0: re = fr·gr + fi·gi, im = fr·gi − fi·gr. */
void rtd_conj_product(const double *fr, const double *fi, const double *gr, const double *gi,
                      double *sr, double *si, int n, int accumulate);

/* rtd_conj_product with g = f: re = fr·fr + fi·fi, im = fr·fi − fi·fr,
 * which is exactly +0, so si is only zeroed (same bits, half the work). */
void rtd_power_sum(const double *fr, const double *fi, double *sr, double *si, int n,
                   int accumulate);

/* s[k] += (−1)^k·t[k], k < n (k even: s + t, k odd: s − t): a circular
 * shift by n_fft/2 of the signal whose spectrum is t. */
void rtd_add_alternating(double *sr, double *si, const double *tr, const double *ti, int n);

/* s = Σ_{b=0}^{count−1−d} conj(F_b)·F_{b+d} over `bins` bins; F_b is in
 * the ring of `count` slots of `stride` doubles at spectra, slot
 * (first + b) % count, re at 0 and im at im_offset.  Per element exactly
 * the sequence of rtd_power_sum (d = 0) / rtd_conj_product calls for
 * b = 0, 1, .., but accumulated in registers.  With bins % 4 == 0 whole
 * vectors are used: slots and s must have `bins` valid values each. */
void rtd_cross_spectrum(const double *spectra, int first, int count, int64_t stride, int d,
                        int im_offset, int bins, double *s_re, double *s_im);

#endif
