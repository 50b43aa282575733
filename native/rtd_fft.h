/* rtd_fft.h: rtaudio's small real FFT (internal, not seen by CFFI).
 *
 * Method: an iterative radix-2 decimation-in-time complex FFT of size
 * m = n/2 (n a power of two), used for real signals of length n with the
 * usual "two reals in one complex" packing: z[k] = x[2k] + i·x[2k+1],
 * Z = FFT_m(z), then X[k] = (Z[k] + conj Z[m−k])/2 − (i/2)·W_n^k·(Z[k] −
 * conj Z[m−k]) for k = 0..m.  The inverse does the same steps backwards.
 * Cost: O(n log n); no allocation: every table and scratch array is
 * provided by the caller (Python-allocated NumPy arrays), built by
 * rtaudio.kernels.fft_tables.
 *
 * Tables (float64 / int32, all precomputed at prepare time):
 *   cos_m[j], sin_m[j]   = cos, sin(2πj/m),  j < m/2   (complex FFT)
 *   cos_n[k], sin_n[k]   = cos, sin(2πk/n),  k ≤ m/2   (real split)
 *   bitrev[j]            = bit reversal of j on log2(m) bits, j < m
 */
#ifndef RTD_FFT_H
#define RTD_FFT_H

#include <stdint.h>

typedef struct {
    int n;               /* real length, power of two, >= 4 */
    const double *cos_m;
    const double *sin_m;
    const double *cos_n;
    const double *sin_n;
    const int32_t *bitrev;
} rtd_fft_plan;

/* In-place complex FFT of size m = plan->n/2 on interleaved (re, im)
 * doubles.  inverse = 0: exp(−2πi jk/m); inverse = 1: exp(+2πi jk/m),
 * unscaled. */
void rtd_fft_complex(const rtd_fft_plan *plan, double *z, int inverse);

/* Autocorrelation of x[0..len-1] (zero-padded to n, n >= 2·len − 1):
 * out[j] = irfft(|rfft(x, n)|², n)[j] for j < nlags ≤ n.  work holds
 * n + n/2 + 1 doubles. */
void rtd_autocorr(const rtd_fft_plan *plan, const double *x, int len,
                  double *work, double *out, int nlags);

#endif
