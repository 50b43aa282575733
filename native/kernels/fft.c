/* fft.c: compact real FFTs for YIN (see rtd_fft.h for the method).
 *
 * Complex values are kept in split form (separate re[] and im[] arrays)
 * so the butterfly loops are contiguous and vectorise without fast-math.
 * The forward transform is decimation in frequency (natural order in,
 * bit-reversed out).  rtd_autocorr (whole-frame path) inverts with
 * decimation in time (bit-reversed in, natural out) and reads/writes the
 * real split through the bitrev table; rtd_rfft gathers the DIF output
 * into natural order first, and rtd_irfft runs the same forward DIF on
 * swapped re/im (swap·DFT·swap = unscaled inverse DFT) and reads its
 * output through the bitrev table, so both real-split loops vectorise.
 * DIF stages run in fused pairs (radix-2²) and the last two stages as a
 * transposed 4x4 kernel; both do exactly the per-element operations of
 * the plain radix-2 stages.  The first forward stage knows the upper half
 * of the zero-padded input is 0.  Nothing here allocates, locks or does
 * I/O.  rtaudio/kernels/numba/fft.py follows the same operation order per
 * element (no FMA contraction), so C and Numba agree bit for bit.
 */
#include <stdint.h>
#include "rtd_fft.h"


/* GCC vector extensions for the loops GCC does not vectorise by itself:
 * every lane performs exactly the scalar code's IEEE operations in the
 * same order (so the Numba mirror, written element-wise, gives the same
 * bits); compiled for AVX2 or SSE2 by the clones above. */
#if defined(__GNUC__) && !defined(__clang__)
#define RTD_VECTOR_EXT 1
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double rtd_v4d __attribute__((vector_size(32)));
typedef long long rtd_v4i __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) rtd_v4d load4(const double *p)
{
    rtd_v4d v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

#define store4(p, v)                                                  \
    do {                                                              \
        const rtd_v4d store4_value_ = (v);                            \
        __builtin_memcpy((p), &store4_value_, sizeof store4_value_);  \
    } while (0)

static inline __attribute__((always_inline)) void transpose4(rtd_v4d *a, rtd_v4d *b, rtd_v4d *c, rtd_v4d *d)
{
    const rtd_v4i lo = {0, 4, 2, 6}, hi = {1, 5, 3, 7};
    const rtd_v4i first = {0, 1, 4, 5}, second = {2, 3, 6, 7};
    const rtd_v4d t0 = __builtin_shuffle(*a, *b, lo), t1 = __builtin_shuffle(*a, *b, hi);
    const rtd_v4d t2 = __builtin_shuffle(*c, *d, lo), t3 = __builtin_shuffle(*c, *d, hi);
    *a = __builtin_shuffle(t0, t2, first);
    *c = __builtin_shuffle(t0, t2, second);
    *b = __builtin_shuffle(t1, t3, first);
    *d = __builtin_shuffle(t1, t3, second);
}

#else
#define RTD_VECTOR_EXT 0
#endif

/* One decimation-in-frequency stage of span h (forward, w = exp(−iπj/h)). */
RTD_SIMD_CLONES static void dif_stage(double *restrict re, double *restrict im, int m, int h,
                      const double *restrict c, const double *restrict s)
{
    for (int b = 0; b < m; b += 2 * h) {
        double *restrict ar = re + b, *restrict ai = im + b;
        double *restrict br = re + b + h, *restrict bi = im + b + h;
        for (int j = 0; j < h; ++j) {
            const double dr = ar[j] - br[j], di = ai[j] - bi[j];
            ar[j] = ar[j] + br[j];
            ai[j] = ai[j] + bi[j];
            br[j] = dr * c[j] + di * s[j];
            bi[j] = di * c[j] - dr * s[j];
        }
    }
}

/* Two DIF stages in one pass: span 2h (twiddles c2, s2 = exp(−iπj/2h))
 * then span h (c1, s1).  Each element goes through exactly the operations
 * of dif_stage(2h) followed by dif_stage(h) (same bits), with half the
 * loads and stores. */
RTD_SIMD_CLONES static void dif_stage_pair(double *restrict re, double *restrict im, int m,
                                           int h, const double *restrict c2,
                                           const double *restrict s2,
                                           const double *restrict c1,
                                           const double *restrict s1)
{
#if RTD_VECTOR_EXT
    if (h % 4 == 0) {
        for (int b = 0; b < m; b += 4 * h) {
            double *r0 = re + b, *i0 = im + b, *r1 = re + b + h, *i1 = im + b + h;
            double *r2 = re + b + 2 * h, *i2 = im + b + 2 * h;
            double *r3 = re + b + 3 * h, *i3 = im + b + 3 * h;
            for (int j = 0; j < h; j += 4) {
                const rtd_v4d x0 = load4(r0 + j), y0 = load4(i0 + j);
                const rtd_v4d x1 = load4(r1 + j), y1 = load4(i1 + j);
                const rtd_v4d x2 = load4(r2 + j), y2 = load4(i2 + j);
                const rtd_v4d x3 = load4(r3 + j), y3 = load4(i3 + j);
                const rtd_v4d ca = load4(c2 + j), sa = load4(s2 + j);
                const rtd_v4d cb = load4(c2 + h + j), sb = load4(s2 + h + j);
                const rtd_v4d c = load4(c1 + j), s_ = load4(s1 + j);
                const rtd_v4d dr02 = x0 - x2, di02 = y0 - y2;
                const rtd_v4d ar0 = x0 + x2, ai0 = y0 + y2;
                const rtd_v4d ar2 = dr02 * ca + di02 * sa, ai2 = di02 * ca - dr02 * sa;
                const rtd_v4d dr13 = x1 - x3, di13 = y1 - y3;
                const rtd_v4d ar1 = x1 + x3, ai1 = y1 + y3;
                const rtd_v4d ar3 = dr13 * cb + di13 * sb, ai3 = di13 * cb - dr13 * sb;
                const rtd_v4d dr01 = ar0 - ar1, di01 = ai0 - ai1;
                store4(r0 + j, ar0 + ar1);
                store4(i0 + j, ai0 + ai1);
                store4(r1 + j, dr01 * c + di01 * s_);
                store4(i1 + j, di01 * c - dr01 * s_);
                const rtd_v4d dr23 = ar2 - ar3, di23 = ai2 - ai3;
                store4(r2 + j, ar2 + ar3);
                store4(i2 + j, ai2 + ai3);
                store4(r3 + j, dr23 * c + di23 * s_);
                store4(i3 + j, di23 * c - dr23 * s_);
            }
        }
        return;
    }
#endif
    for (int b = 0; b < m; b += 4 * h) {
        double *r0 = re + b, *i0 = im + b;
        double *r1 = re + b + h, *i1 = im + b + h;
        double *r2 = re + b + 2 * h, *i2 = im + b + 2 * h;
        double *r3 = re + b + 3 * h, *i3 = im + b + 3 * h;
        const double *c2b = c2 + h, *s2b = s2 + h;
        for (int j = 0; j < h; ++j) {
            /* span 2h: (0, 2) with twiddle j, (1, 3) with twiddle j + h */
            const double dr02 = r0[j] - r2[j], di02 = i0[j] - i2[j];
            const double ar0 = r0[j] + r2[j], ai0 = i0[j] + i2[j];
            const double ar2 = dr02 * c2[j] + di02 * s2[j];
            const double ai2 = di02 * c2[j] - dr02 * s2[j];
            const double dr13 = r1[j] - r3[j], di13 = i1[j] - i3[j];
            const double ar1 = r1[j] + r3[j], ai1 = i1[j] + i3[j];
            const double ar3 = dr13 * c2b[j] + di13 * s2b[j];
            const double ai3 = di13 * c2b[j] - dr13 * s2b[j];
            /* span h: (0, 1) and (2, 3) with twiddle j */
            const double dr01 = ar0 - ar1, di01 = ai0 - ai1;
            r0[j] = ar0 + ar1;
            i0[j] = ai0 + ai1;
            r1[j] = dr01 * c1[j] + di01 * s1[j];
            i1[j] = di01 * c1[j] - dr01 * s1[j];
            const double dr23 = ar2 - ar3, di23 = ai2 - ai3;
            r2[j] = ar2 + ar3;
            i2[j] = ai2 + ai3;
            r3[j] = dr23 * c1[j] + di23 * s1[j];
            i3[j] = di23 * c1[j] - dr23 * s1[j];
        }
    }
}

/* DIF stages of spans h_first, h_first/2, .., 4 (pairs fused). */
static void dif_stages(double *re, double *im, int m, int h_first, const double *ct,
                       const double *st)
{
    int h = h_first;
    for (; h >= 8; h >>= 2)
        dif_stage_pair(re, im, m, h / 2, ct + h, st + h, ct + h / 2, st + h / 2);
    if (h == 4)
        dif_stage(re, im, m, 4, ct + 4, st + 4);
}

/* One decimation-in-time stage of span h (inverse, w = exp(+iπj/h)). */
RTD_SIMD_CLONES static void dit_stage(double *restrict re, double *restrict im, int m, int h,
                      const double *restrict c, const double *restrict s)
{
    for (int b = 0; b < m; b += 2 * h) {
        double *restrict ar = re + b, *restrict ai = im + b;
        double *restrict br = re + b + h, *restrict bi = im + b + h;
        for (int j = 0; j < h; ++j) {
            const double tr = br[j] * c[j] - bi[j] * s[j];
            const double ti = bi[j] * c[j] + br[j] * s[j];
            br[j] = ar[j] - tr;
            bi[j] = ai[j] - ti;
            ar[j] = ar[j] + tr;
            ai[j] = ai[j] + ti;
        }
    }
}

/* Spans 2 and 1 fused (forward, DIF): on each group of 4 the span-2
 * twiddles are exactly 1 and −i, then span-1 butterflies. */
RTD_SIMD_CLONES static void dif_last2_scalar(double *restrict re, double *restrict im, int m)
{
    for (int b = 0; b < m; b += 4) {
        const double r0 = re[b] + re[b + 2], i0 = im[b] + im[b + 2];
        const double r2 = re[b] - re[b + 2], i2 = im[b] - im[b + 2];
        const double r1 = re[b + 1] + re[b + 3], i1 = im[b + 1] + im[b + 3];
        const double r3 = im[b + 1] - im[b + 3], i3 = re[b + 3] - re[b + 1]; /* ·(−i) */
        re[b] = r0 + r1;     im[b] = i0 + i1;
        re[b + 1] = r0 - r1; im[b + 1] = i0 - i1;
        re[b + 2] = r2 + r3; im[b + 2] = i2 + i3;
        re[b + 3] = r2 - r3; im[b + 3] = i2 - i3;
    }
}

#if RTD_VECTOR_EXT
RTD_SIMD_CLONES static void dif_last2(double *restrict re, double *restrict im, int m)
{
    if (m % 16) {                        /* m = 4, 8: scalar */
        dif_last2_scalar(re, im, m);
        return;
    }
    for (int b = 0; b < m; b += 16) {
        rtd_v4d x0 = load4(re + b), x1 = load4(re + b + 4);
        rtd_v4d x2 = load4(re + b + 8), x3 = load4(re + b + 12);
        rtd_v4d y0 = load4(im + b), y1 = load4(im + b + 4);
        rtd_v4d y2 = load4(im + b + 8), y3 = load4(im + b + 12);
        transpose4(&x0, &x1, &x2, &x3);      /* xk = element k of 4 groups */
        transpose4(&y0, &y1, &y2, &y3);
        const rtd_v4d r0 = x0 + x2, i0 = y0 + y2;
        const rtd_v4d r2 = x0 - x2, i2 = y0 - y2;
        const rtd_v4d r1 = x1 + x3, i1 = y1 + y3;
        const rtd_v4d r3 = y1 - y3, i3 = x3 - x1;   /* ·(−i) */
        x0 = r0 + r1; y0 = i0 + i1;
        x1 = r0 - r1; y1 = i0 - i1;
        x2 = r2 + r3; y2 = i2 + i3;
        x3 = r2 - r3; y3 = i2 - i3;
        transpose4(&x0, &x1, &x2, &x3);
        transpose4(&y0, &y1, &y2, &y3);
        store4(re + b, x0); store4(re + b + 4, x1);
        store4(re + b + 8, x2); store4(re + b + 12, x3);
        store4(im + b, y0); store4(im + b + 4, y1);
        store4(im + b + 8, y2); store4(im + b + 12, y3);
    }
}
#else
#define dif_last2 dif_last2_scalar
#endif /* RTD_VECTOR_EXT */

/* Spans 1 and 2 fused (inverse, DIT): span-1 butterflies, then span 2
 * with twiddles exactly 1 and +i. */
RTD_SIMD_CLONES static void dit_first2(double *restrict re, double *restrict im, int m)
{
    for (int b = 0; b < m; b += 4) {
        const double r0 = re[b] + re[b + 1], i0 = im[b] + im[b + 1];
        const double r1 = re[b] - re[b + 1], i1 = im[b] - im[b + 1];
        const double r2 = re[b + 2] + re[b + 3], i2 = im[b + 2] + im[b + 3];
        const double r3 = im[b + 3] - im[b + 2], i3 = re[b + 2] - re[b + 3]; /* ·(+i) */
        re[b] = r0 + r2;     im[b] = i0 + i2;
        re[b + 2] = r0 - r2; im[b + 2] = i0 - i2;
        re[b + 1] = r1 + r3; im[b + 1] = i1 + i3;
        re[b + 3] = r1 - r3; im[b + 3] = i1 - i3;
    }
}

RTD_SIMD_CLONES void rtd_autocorr(const rtd_fft_plan *plan, const double *x, int len,
                                  double *work, double *out, int nlags)
{
    const int n = plan->n;
    const int m = n / 2;                 /* complex length; len <= m */
    const int32_t *bitrev = plan->bitrev;
    const double *ct = plan->cos_m, *st = plan->sin_m;
    double *re = work, *im = work + m, *power = work + 2 * m;
    int h = m / 2;

    /* pack z[k] = x[2k] + i·x[2k+1] and do the first DIF stage: the upper
     * half is zero padding, so (a + 0, (a − 0)·w) */
    for (int j = 0; j < h; ++j) {
        const double ar = 2 * j < len ? x[2 * j] : 0.0;
        const double ai = 2 * j + 1 < len ? x[2 * j + 1] : 0.0;
        re[j] = ar;
        im[j] = ai;
        re[j + h] = ar * ct[h + j] + ai * st[h + j];
        im[j + h] = ai * ct[h + j] - ar * st[h + j];
    }
    for (h = m / 4; h >= 4; h >>= 1)
        dif_stage(re, im, m, h, ct + h, st + h);
    dif_last2(re, im, m);                /* Z[k] now at position bitrev[k] */

    /* real split: X[k] = E + W^k·O, E = (Z[k] + conj Z[m−k])/2,
     * O = (Z[k] − conj Z[m−k])/(2i), W = exp(−2πi/n); power = |X[k]|² */
    power[0] = (re[0] + im[0]) * (re[0] + im[0]);
    power[m] = (re[0] - im[0]) * (re[0] - im[0]);
    for (int k = 1; k < m; ++k) {
        const int p = bitrev[k], q = bitrev[m - k];
        const double ar = re[p], ai = im[p];
        const double br = re[q], bi = -im[q];
        const double er = (ar + br) * 0.5, ei = (ai + bi) * 0.5;
        const double orr = (ai - bi) * 0.5, oi = (br - ar) * 0.5;
        const double c = plan->cos_n[k], s = plan->sin_n[k];
        const double xr = er + (c * orr + s * oi);
        const double xi = ei + (c * oi - s * orr);
        power[k] = xr * xr + xi * xi;
    }

    /* inverse split of the real, even spectrum P: Y[k] = E + i·O,
     * E = (P[k] + P[m−k])/2, O = (P[k] − P[m−k])/2 · exp(+2πik/n),
     * stored at bitrev[k] for the DIT inverse */
    for (int k = 0; k < m; ++k) {
        const double e = (power[k] + power[m - k]) * 0.5;
        const double hk = (power[k] - power[m - k]) * 0.5;
        const int p = bitrev[k];
        re[p] = e - hk * plan->sin_n[k];
        im[p] = hk * plan->cos_n[k];
    }
    dit_first2(re, im, m);
    for (h = 4; h < m / 2; h <<= 1)
        dit_stage(re, im, m, h, ct + h, st + h);
    /* last stage: only outputs j < ceil(nlags/2) (all in the lower half) */
    h = m / 2;
    int jmax = (nlags + 1) / 2;
    if (jmax > h)
        jmax = h;
    for (int j = 0; j < jmax; ++j) {
        const double tr = re[j + h] * ct[h + j] - im[j + h] * st[h + j];
        const double ti = im[j + h] * ct[h + j] + re[j + h] * st[h + j];
        re[j] = re[j] + tr;
        im[j] = im[j] + ti;
    }
    const double scale = 1.0 / (double)m;   /* exact: m is a power of two */
    for (int j = 0; j < nlags; ++j)
        out[j] = ((j & 1) ? im[j >> 1] : re[j >> 1]) * scale;
}

/* Pack x (len <= m real samples, zero-padded to n) into z[k] = x[2k] +
 * i·x[2k+1] and run the forward DIF FFT of size m: Z[k] ends up at
 * position bitrev[k] of (re, im).  The first stage knows the upper half
 * of z is zero padding, so it is (a + 0, (a − 0)·w). */
RTD_SIMD_CLONES static void forward_packed(const rtd_fft_plan *plan, const double *x, int len,
                                           double *re, double *im)
{
    const int m = plan->n / 2;
    const double *ct = plan->cos_m, *st = plan->sin_m;
    int h = m / 2;
    for (int j = 0; j < h; ++j) {
        const double ar = 2 * j < len ? x[2 * j] : 0.0;
        const double ai = 2 * j + 1 < len ? x[2 * j + 1] : 0.0;
        re[j] = ar;
        im[j] = ai;
        re[j + h] = ar * ct[h + j] + ai * st[h + j];
        im[j + h] = ai * ct[h + j] - ar * st[h + j];
    }
    dif_stages(re, im, m, m / 4, ct, st);
    dif_last2(re, im, m);
}

/* Real split of the forward transform, natural order in (zr, zi):
 * X[k] = E + W^k·O, E = (Z[k] + conj Z[m−k])/2, O = (Z[k] − conj Z[m−k])/(2i),
 * W = exp(−2πi/n), k = 1..m−1 (vectorises: no index table). */
RTD_SIMD_CLONES static void split_forward(const double *restrict zr, const double *restrict zi,
                                          const double *restrict cos_n,
                                          const double *restrict sin_n, double *restrict xr,
                                          double *restrict xi, int m)
{
    for (int k = 1; k < m; ++k) {
        const double ar = zr[k], ai = zi[k];
        const double br = zr[m - k], bi = -zi[m - k];
        const double er = (ar + br) * 0.5, ei = (ai + bi) * 0.5;
        const double orr = (ai - bi) * 0.5, oi = (br - ar) * 0.5;
        const double c = cos_n[k], s = sin_n[k];
        xr[k] = er + (c * orr + s * oi);
        xi[k] = ei + (c * oi - s * orr);
    }
}

RTD_SIMD_CLONES void rtd_rfft(const rtd_fft_plan *plan, const double *x, int len, double *work,
                              double *spec_re, double *spec_im)
{
    const int m = plan->n / 2;
    const int32_t *bitrev = plan->bitrev;
    double *re = work, *im = work + m;            /* bit-reversed order */
    double *zr = work + 2 * m, *zi = work + 3 * m; /* natural order */
    forward_packed(plan, x, len, re, im);
    for (int k = 0; k < m; ++k) {
        zr[k] = re[bitrev[k]];
        zi[k] = im[bitrev[k]];
    }
    spec_re[0] = zr[0] + zi[0];
    spec_im[0] = 0.0;
    spec_re[m] = zr[0] - zi[0];
    spec_im[m] = 0.0;
    split_forward(zr, zi, plan->cos_n, plan->sin_n, spec_re, spec_im, m);
}

/* Inverse split of a Hermitian spectrum S, natural order out: with
 * A = S[k], B = conj S[m−k], Ze = (A + B)/2, D = (A − B)/2,
 * Zo = D·exp(+2πik/n), Z = Ze + i·Zo, k = 0..m−1. */
RTD_SIMD_CLONES static void split_inverse(const double *restrict sr, const double *restrict si,
                                          const double *restrict cos_n,
                                          const double *restrict sin_n, double *restrict zr,
                                          double *restrict zi, int m)
{
    for (int k = 0; k < m; ++k) {
        const double ar = sr[k], ai = si[k];
        const double br = sr[m - k], bi = -si[m - k];
        const double er = (ar + br) * 0.5, ei = (ai + bi) * 0.5;
        const double dr = (ar - br) * 0.5, di = (ai - bi) * 0.5;
        const double c = cos_n[k], s = sin_n[k];
        zr[k] = er - (dr * s + di * c);
        zi[k] = ei + (dr * c - di * s);
    }
}

RTD_SIMD_CLONES void rtd_irfft(const rtd_fft_plan *plan, const double *spec_re,
                               const double *spec_im, double *work, double *out)
{
    rtd_irfft_head(plan, spec_re, spec_im, work, out, plan->n);
}

RTD_SIMD_CLONES void rtd_irfft_head(const rtd_fft_plan *plan, const double *spec_re,
                                    const double *spec_im, double *work, double *out,
                                    int count)
{
    const int m = plan->n / 2;
    const int32_t *bitrev = plan->bitrev;
    const double *ct = plan->cos_m, *st = plan->sin_m;
    double *re = work, *im = work + m;
    split_inverse(spec_re, spec_im, plan->cos_n, plan->sin_n, re, im, m);
    /* unscaled inverse DFT = swap(DFT(swap(Z))), swap exchanging re and im:
     * the forward DIF stages on (im, re), natural in, bit-reversed out */
    dif_stages(im, re, m, m / 2, ct, st);
    dif_last2(im, re, m);
    const double scale = 1.0 / (double)m;   /* exact: m is a power of two */
    int j = 0;
    for (; 2 * j + 1 < count; ++j) {
        out[2 * j] = re[bitrev[j]] * scale;
        out[2 * j + 1] = im[bitrev[j]] * scale;
    }
    if (2 * j < count)
        out[2 * j] = re[bitrev[j]] * scale;
}

RTD_SIMD_CLONES void rtd_conj_product(const double *restrict fr, const double *restrict fi,
                                      const double *restrict gr, const double *restrict gi,
                                      double *restrict sr, double *restrict si, int n,
                                      int accumulate)
{
    if (accumulate) {
        for (int k = 0; k < n; ++k) {
            sr[k] = sr[k] + (fr[k] * gr[k] + fi[k] * gi[k]);
            si[k] = si[k] + (fr[k] * gi[k] - fi[k] * gr[k]);
        }
    } else {
        for (int k = 0; k < n; ++k) {
            sr[k] = fr[k] * gr[k] + fi[k] * gi[k];
            si[k] = fr[k] * gi[k] - fi[k] * gr[k];
        }
    }
}

RTD_SIMD_CLONES void rtd_power_sum(const double *restrict fr, const double *restrict fi,
                                   double *restrict sr, double *restrict si, int n,
                                   int accumulate)
{
    if (accumulate) {
        for (int k = 0; k < n; ++k)
            sr[k] = sr[k] + (fr[k] * fr[k] + fi[k] * fi[k]);
    } else {
        for (int k = 0; k < n; ++k) {
            sr[k] = fr[k] * fr[k] + fi[k] * fi[k];
            si[k] = 0.0;
        }
    }
}

RTD_SIMD_CLONES void rtd_add_alternating(double *restrict sr, double *restrict si,
                                         const double *restrict tr,
                                         const double *restrict ti, int n)
{
    int k = 0;
    for (; k + 1 < n; k += 2) {
        sr[k] = sr[k] + tr[k];
        si[k] = si[k] + ti[k];
        sr[k + 1] = sr[k + 1] - tr[k + 1];
        si[k + 1] = si[k + 1] - ti[k + 1];
    }
    if (k < n) {                              /* n odd: last k is even */
        sr[k] = sr[k] + tr[k];
        si[k] = si[k] + ti[k];
    }
}

/* Slot of frame block b in a ring of `count` slots starting at `first`. */
static inline const double *ring_slot(const double *base, int first, int count, int b,
                                      int64_t stride)
{
    int idx = first + b;
    if (idx >= count)
        idx -= count;
    return base + idx * stride;
}

RTD_SIMD_CLONES void rtd_cross_spectrum(const double *spectra, int first, int count,
                                        int64_t stride, int d, int im_offset, int bins,
                                        double *restrict s_re, double *restrict s_im)
{
#if RTD_VECTOR_EXT
    if (bins % 4 == 0) {
        for (int k = 0; k < bins; k += 4) {
            rtd_v4d acc_r = {0.0, 0.0, 0.0, 0.0}, acc_i = {0.0, 0.0, 0.0, 0.0};
            if (d == 0) {                    /* conj(F)·F: re = fr² + fi², im = +0 */
                const double *f = ring_slot(spectra, first, count, 0, stride);
                const rtd_v4d fr = load4(f + k), fi = load4(f + im_offset + k);
                acc_r = fr * fr + fi * fi;
                for (int b = 1; b < count; ++b) {
                    const double *g = ring_slot(spectra, first, count, b, stride);
                    const rtd_v4d gr = load4(g + k), gi = load4(g + im_offset + k);
                    acc_r = acc_r + (gr * gr + gi * gi);
                }
            } else {
                for (int b = 0; b + d < count; ++b) {
                    const double *f = ring_slot(spectra, first, count, b, stride);
                    const double *g = ring_slot(spectra, first, count, b + d, stride);
                    const rtd_v4d fr = load4(f + k), fi = load4(f + im_offset + k);
                    const rtd_v4d gr = load4(g + k), gi = load4(g + im_offset + k);
                    const rtd_v4d pr = fr * gr + fi * gi, pi = fr * gi - fi * gr;
                    acc_r = b == 0 ? pr : acc_r + pr;
                    acc_i = b == 0 ? pi : acc_i + pi;
                }
            }
            store4(s_re + k, acc_r);
            store4(s_im + k, acc_i);
        }
        return;
    }
#endif
    for (int b = 0; b + d < count; ++b) {
        const double *f = ring_slot(spectra, first, count, b, stride);
        const double *g = ring_slot(spectra, first, count, b + d, stride);
        if (d == 0)
            rtd_power_sum(f, f + im_offset, s_re, s_im, bins, b > 0);
        else
            rtd_conj_product(f, f + im_offset, g, g + im_offset, s_re, s_im, bins, b > 0);
    }
}
