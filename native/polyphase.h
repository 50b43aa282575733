/* polyphase.h: polyphase oversampling filters of specs/effects.md 3.5,
 * shared by the virtual-analog kernels (ring modulator, VCF).  Internal:
 * static inline helpers, not seen by CFFI (include after rtdsp.h).
 *
 * The tap tables are designed in Python (rtaudio/kernels/polyphase.py,
 * which documents the maths and the exact summation order) and handed
 * to C as NumPy-owned float64 arrays; Numba and the reference use the
 * same tables and the same order, so results agree bit for bit.
 *
 * API (L = oversampling factor, 1..128; RTD_PP_HIST = 57):
 *
 *   rtd_pp_interp(taps, L, hist, x, out)
 *       taps: (57, L) row-major, c[i][j] = L*h[i*L + j] (0 past 56*L);
 *       hist: this channel's 57 last base-rate inputs, hist[0] newest;
 *       pushes x, then writes the L high-rate samples out[j] =
 *       sum_{i=0..56} c[i][j]*hist[i] (summed from 0.0, ascending i).
 *
 *   y = rtd_pp_decim(taps, L, acc, v)
 *       taps: (L, 57) row-major (row 0: h[i*L]; row j>=1: h[(i+1)*L - j]);
 *       acc:  this channel's 57 partial sums (transposed form);
 *       v:    the L model outputs of the current base sample
 *             (high-rate indices n*L + j);
 *       returns y[n] = sum_k h[k]*v[n*L - k] (no output gain applied).
 *
 * Reset = all hist and acc entries 0.0.  Latency of up + down: 56 base
 * samples.  No allocation, no I/O; O(57*L) multiply-adds per call, in
 * loops the compiler can vectorise without re-association.
 */
#ifndef RTD_POLYPHASE_H
#define RTD_POLYPHASE_H

#define RTD_PP_SPAN 56
#define RTD_PP_HIST 57
#define RTD_PP_MAX_FACTOR 128

/* Both helpers work on blocks of 8 outputs / partial sums kept in
 * registers; every sum still adds its terms in the documented order
 * (interp: ascending i; decim: ascending high-rate index), so the result
 * is the same as the plain loops (and the Numba/reference versions). */
#define RTD_PP_FMA8(a, r, x) do { \
        a[0] += (r)[0] * (x); a[1] += (r)[1] * (x); a[2] += (r)[2] * (x); a[3] += (r)[3] * (x); \
        a[4] += (r)[4] * (x); a[5] += (r)[5] * (x); a[6] += (r)[6] * (x); a[7] += (r)[7] * (x); \
    } while (0)

static inline void rtd_pp_interp(const double *restrict taps, int L,
                                 double *restrict hist, double x,
                                 double *restrict out)
{
    for (int i = RTD_PP_SPAN; i > 0; --i)
        hist[i] = hist[i - 1];
    hist[0] = x;
    int j = 0;
    for (; j + 8 <= L; j += 8) {
        double a[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
        for (int i = 0; i < RTD_PP_HIST; ++i)
            RTD_PP_FMA8(a, taps + (long)i * L + j, hist[i]);
        for (int t = 0; t < 8; ++t)
            out[j + t] = a[t];
    }
    for (; j < L; ++j) {
        double a = 0.0;
        for (int i = 0; i < RTD_PP_HIST; ++i)
            a += taps[(long)i * L + j] * hist[i];
        out[j] = a;
    }
}

static inline double rtd_pp_decim(const double *restrict taps, int L,
                                  double *restrict acc,
                                  const double *restrict v)
{
    const double v0 = v[0];
    for (int i = 0; i < RTD_PP_HIST; ++i)
        acc[i] += taps[i] * v0;
    const double y = acc[0];
    for (int i = 0; i < RTD_PP_SPAN; ++i)
        acc[i] = acc[i + 1];
    acc[RTD_PP_SPAN] = 0.0;
    /* RTD_PP_SPAN = 56 = 7 blocks of 8 */
    for (int ib = 0; ib < RTD_PP_SPAN; ib += 8) {
        double a[8];
        for (int t = 0; t < 8; ++t)
            a[t] = acc[ib + t];
        for (int j = 1; j < L; ++j)
            RTD_PP_FMA8(a, taps + (long)j * RTD_PP_HIST + ib, v[j]);
        for (int t = 0; t < 8; ++t)
            acc[ib + t] = a[t];
    }
    return y;
}

#endif
