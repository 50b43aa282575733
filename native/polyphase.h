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

static inline void rtd_pp_interp(const double *restrict taps, int L,
                                 double *restrict hist, double x,
                                 double *restrict out)
{
    for (int i = RTD_PP_SPAN; i > 0; --i)
        hist[i] = hist[i - 1];
    hist[0] = x;
    for (int j = 0; j < L; ++j)
        out[j] = 0.0;
    for (int i = 0; i < RTD_PP_HIST; ++i) {
        const double xi = hist[i];
        const double *restrict row = taps + (long)i * L;
        for (int j = 0; j < L; ++j)
            out[j] += row[j] * xi;
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
    for (int j = 1; j < L; ++j) {
        const double vj = v[j];
        const double *restrict row = taps + (long)j * RTD_PP_HIST;
        for (int i = 0; i < RTD_PP_SPAN; ++i)
            acc[i] += row[i] * vj;
    }
    return y;
}

#endif
