/* polyphase.h: polyphase oversampling filters of docs/maths/ringmod.md §4,
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
 * The same two filters split into pieces, so that a kernel can spread the
 * filtering over its model steps (the out-of-order core then overlaps it
 * with the model's dependency chain); every sum keeps its order, so the
 * results are bit-identical to rtd_pp_interp / rtd_pp_decim:
 *
 *   rtd_pp_push(hist, x)               the history part of rtd_pp_interp;
 *   rtd_pp_interp_units(taps, L, c0, hist, u0, u1, part, out)
 *       units u0..u1-1 of the sums of rtd_pp_interp for outputs c0..L-1,
 *       u = 57*blk + i (row i of the block of outputs c0+8*blk..c0+8*blk+7;
 *       rtd_pp_units(L, c0) units in all); part: 8 running sums of the
 *       block in progress;
 *       a block's outputs are written to out when its row 56 is done;
 *   y = rtd_pp_decim_first(taps, acc, v0)   phase 0 of rtd_pp_decim;
 *   rtd_pp_decim_phase(taps, j, acc, vj)    phase j >= 1 (in ascending j);
 *   rtd_pp_phase0_is_center, rtd_pp_interp_center,
 *   rtd_pp_decim_first_center: phase 0 by its one nonzero tap (below).
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

static inline double rtd_pp_decim_first(const double *restrict taps, double *restrict acc,
                                        double v0)
{
    for (int i = 0; i < RTD_PP_HIST; ++i)
        acc[i] += taps[i] * v0;
    const double y = acc[0];
    for (int i = 0; i < RTD_PP_SPAN; ++i)
        acc[i] = acc[i + 1];
    acc[RTD_PP_SPAN] = 0.0;
    return y;
}

static inline double rtd_pp_decim(const double *restrict taps, int L,
                                  double *restrict acc,
                                  const double *restrict v)
{
    const double y = rtd_pp_decim_first(taps, acc, v[0]);
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

static inline void rtd_pp_push(double *restrict hist, double x)
{
    for (int i = RTD_PP_SPAN; i > 0; --i)
        hist[i] = hist[i - 1];
    hist[0] = x;
}

static inline int rtd_pp_units(int L, int c0)
{
    return (L - c0 + 7) / 8 * RTD_PP_HIST;
}

static inline void rtd_pp_interp_units(const double *restrict taps, int L, int c0,
                                       const double *restrict hist, int u0, int u1,
                                       double *restrict part, double *restrict out)
{
    int blk = u0 / RTD_PP_HIST, i = u0 - blk * RTD_PP_HIST;
    /* one pass per block of outputs touched, its running sums in locals
     * (registers) rather than in `part`: same terms, same order */
    for (int u = u0; u < u1;) {
        const int j0 = c0 + 8 * blk, lanes = L - j0 < 8 ? L - j0 : 8;
        const int i_end = i + (u1 - u) < RTD_PP_HIST ? i + (u1 - u) : RTD_PP_HIST;
        u += i_end - i;
        if (i == 0)
            for (int t = 0; t < 8; ++t)
                part[t] = 0.0;
        if (lanes == 8) {
            double a[8];
            for (int t = 0; t < 8; ++t)
                a[t] = part[t];
            for (; i < i_end; ++i)
                RTD_PP_FMA8(a, taps + (long)i * L + j0, hist[i]);
            for (int t = 0; t < 8; ++t)
                part[t] = a[t];
        } else if (lanes == 3) {        /* L = 4 without phase 0 (the default) */
            double a0 = part[0], a1 = part[1], a2 = part[2];
            for (; i < i_end; ++i) {
                const double *row = taps + (long)i * L + j0;
                a0 += row[0] * hist[i];
                a1 += row[1] * hist[i];
                a2 += row[2] * hist[i];
            }
            part[0] = a0;
            part[1] = a1;
            part[2] = a2;
        } else {
            for (; i < i_end; ++i)
                for (int t = 0; t < lanes; ++t)
                    part[t] += taps[(long)i * L + j0 + t] * hist[i];
        }
        if (i == RTD_PP_HIST) {
            for (int t = 0; t < lanes; ++t)
                out[j0 + t] = part[t];
            i = 0;
            ++blk;
        }
    }
}

/* Phase 0 with one tap (docs/maths/ringmod.md §4): the prototype
 * h = firwin(56·L + 1, 1/L, ...) is a Nyquist-L filter, h[k] = 0 exactly
 * (rtaudio/kernels/polyphase.py) at k = 28·L + m·L, m != 0, so column 0 of
 * the interpolation table and row 0 of the decimation table have their only
 * nonzero entry at i = RTD_PP_CENTER.  rtd_pp_phase0_is_center checks
 * that (once per block); the two helpers after it then skip the zero
 * products.  That is bit-identical to the full sums for finite inputs:
 * every sum starts at +0.0, a sum that starts at +0.0 is never -0.0
 * (round to nearest), and adding ±0.0 leaves any other value unchanged. */
#define RTD_PP_CENTER 28

static inline int rtd_pp_phase0_is_center(const double *restrict interp_taps,
                                          const double *restrict decim_taps, int L)
{
    for (int i = 0; i < RTD_PP_HIST; ++i)
        if (i != RTD_PP_CENTER && (interp_taps[(long)i * L] != 0.0 || decim_taps[i] != 0.0))
            return 0;
    return 1;
}

/* Output 0 of rtd_pp_interp (hist already pushed). */
static inline double rtd_pp_interp_center(const double *restrict taps, int L,
                                          const double *restrict hist)
{
    return 0.0 + taps[(long)RTD_PP_CENTER * L] * hist[RTD_PP_CENTER];
}

/* rtd_pp_decim_first with the one tap of row 0. */
static inline double rtd_pp_decim_first_center(const double *restrict taps,
                                               double *restrict acc, double v0)
{
    acc[RTD_PP_CENTER] += taps[RTD_PP_CENTER] * v0;
    const double y = acc[0];
    for (int i = 0; i < RTD_PP_SPAN; ++i)
        acc[i] = acc[i + 1];
    acc[RTD_PP_SPAN] = 0.0;
    return y;
}

static inline void rtd_pp_decim_phase(const double *restrict taps, int j,
                                      double *restrict acc, double vj)
{
    const double *row = taps + (long)j * RTD_PP_HIST;
    for (int i = 0; i < RTD_PP_SPAN; ++i)
        acc[i] += row[i] * vj;
}

#endif
