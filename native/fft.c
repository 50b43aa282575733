/* fft.c: compact real FFT and FFT autocorrelation (see rtd_fft.h).
 *
 * Radix-2 decimation-in-time complex FFT of size m = n/2 plus the
 * real-signal packing, so a real transform of length n costs one complex
 * transform of length n/2.  Every table comes from the caller; nothing
 * here allocates, locks or does I/O, so it is safe in the audio thread.
 * The operation order is mirrored by rtaudio/kernels/numba/fft.py (same
 * tables, no FMA contraction), so C and Numba agree bit for bit.
 */
#include <stdint.h>
#include "rtd_fft.h"

void rtd_fft_complex(const rtd_fft_plan *plan, double *z, int inverse)
{
    const int m = plan->n / 2;
    const double sign = inverse ? 1.0 : -1.0;
    const int32_t *bitrev = plan->bitrev;

    for (int j = 0; j < m; ++j) {            /* bit-reversal permutation */
        const int k = bitrev[j];
        if (k > j) {
            double t = z[2 * j]; z[2 * j] = z[2 * k]; z[2 * k] = t;
            t = z[2 * j + 1]; z[2 * j + 1] = z[2 * k + 1]; z[2 * k + 1] = t;
        }
    }
    /* stage len = 2: twiddle 1 */
    for (int s = 0; s < m; s += 2) {
        double *a = z + 2 * s, *b = a + 2;
        const double tr = b[0], ti = b[1];
        b[0] = a[0] - tr; b[1] = a[1] - ti;
        a[0] = a[0] + tr; a[1] = a[1] + ti;
    }
    for (int len = 4; len <= m; len <<= 1) {
        const int half = len >> 1;
        const int step = m / len;
        for (int j = 0; j < half; ++j) {
            const double wr = plan->cos_m[j * step];
            const double wi = sign * plan->sin_m[j * step];
            for (int s = j; s < m; s += len) {
                double *a = z + 2 * s, *b = z + 2 * (s + half);
                const double tr = b[0] * wr - b[1] * wi;
                const double ti = b[0] * wi + b[1] * wr;
                b[0] = a[0] - tr; b[1] = a[1] - ti;
                a[0] = a[0] + tr; a[1] = a[1] + ti;
            }
        }
    }
}

void rtd_autocorr(const rtd_fft_plan *plan, const double *x, int len,
                  double *work, double *out, int nlags)
{
    const int n = plan->n;
    const int m = n / 2;
    double *z = work;          /* m complex values */
    double *power = work + n;  /* |X[k]|², k = 0..m */

    /* pack: z[k] = x[2k] + i·x[2k+1], zero-padded to n real samples */
    for (int i = 0; i < n; ++i)
        z[i] = i < len ? x[i] : 0.0;
    rtd_fft_complex(plan, z, 0);

    /* split: X[k] = E[k] + W^k·O[k], E = (Z[k] + conj Z[m−k])/2,
     * O = (Z[k] − conj Z[m−k])/(2i), W = exp(−2πi/n); power = |X|² */
    power[0] = (z[0] + z[1]) * (z[0] + z[1]);
    power[m] = (z[0] - z[1]) * (z[0] - z[1]);
    for (int k = 1; k < m; ++k) {
        const double ar = z[2 * k], ai = z[2 * k + 1];
        const double br = z[2 * (m - k)], bi = -z[2 * (m - k) + 1];
        const double er = (ar + br) * 0.5, ei = (ai + bi) * 0.5;
        const double orr = (ai - bi) * 0.5, oi = (br - ar) * 0.5;
        const double c = plan->cos_n[k], s = plan->sin_n[k];
        const double xr = er + (c * orr + s * oi);
        const double xi = ei + (c * oi - s * orr);
        power[k] = xr * xr + xi * xi;
    }

    /* inverse split for the real, even spectrum P: Y[k] = E[k] + i·O[k],
     * E = (P[k] + P[m−k])/2, O = (P[k] − P[m−k])/2 · exp(+2πik/n) */
    for (int k = 0; k < m; ++k) {
        const double e = (power[k] + power[m - k]) * 0.5;
        const double h = (power[k] - power[m - k]) * 0.5;
        z[2 * k] = e - h * plan->sin_n[k];
        z[2 * k + 1] = h * plan->cos_n[k];
    }
    rtd_fft_complex(plan, z, 1);
    const double scale = 1.0 / (double)m;   /* exact: m is a power of two */
    for (int j = 0; j < nlags; ++j)
        out[j] = z[j] * scale;               /* z[2j] = r[2j], z[2j+1] = r[2j+1] */
}
