/* vcf.c: EMS VCS3 diode-ladder VCF, specs/effects.md section 4.
 *
 * Four trapezoidal integrator stages coupled by tanh differential pairs,
 * global feedback vout = (gfdbk + 1/2)·vc4, and the delay-free loop solved
 * per sample by the repo's Gauss-Seidel fixed-point iteration (4.2):
 * initial guess vc4 = 0, vc4_prev = 1, relative tolerance 1e-3 on vc4,
 * at most 100 iterations.  Unlike the published C code (4.6) this uses
 * fabs (not the integer abs) and double everywhere.
 *
 * oversampling_factor L > 1 (spec 4.4): the input (times drive) goes
 * through the polyphase interpolator of 3.5, the model runs L steps at
 * T = 1/(L·fs), and the decimator returns one base-rate sample (latency 56
 * base samples).  Smoothers step once per base sample (as in the ring
 * modulator).  L = 1 bypasses both filters: the paper's model at fs.
 *
 * The same operation order is used by rtaudio/kernels/numba/vcf.py and
 * rtaudio/kernels/reference/vcf.py (spec 0.8).  Channels are processed one
 * after the other (at L = 1 two at a time, see vcf_step2) with the state
 * in locals; the parameter smoothers (spec 0.4) are shared by all
 * channels, so every channel replays the same deterministic smoother
 * trajectory from the block-start values.
 */
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"
#include "polyphase.h"

/* Constants of 4.1; the products are folded exactly as Python computes them. */
static const double VCF_VT = 0.026;
static const double VCF_ETA = 1.836;
static const double VCF_REL_ERR = 10e-4;
enum { VCF_MAX_ITER = 100 };

/* Per-channel state of 4.5, stored as st[0..15] in this order:
 * s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41 xc1 xc2 xc3 xc4. */
typedef struct {
    double s1, s2, s3, s4, vout, vc1, vc2, vc3, vc11, vc21, vc31, vc41, xc1, xc2, xc3, xc4;
} vcf_channel;

/* One pass of 4.2 step 2 (2.1 to 2.7) in Gauss-Seidel order. */
static inline void vcf_iterate(vcf_channel *c, double x, double K, double gfdbk, double half_T,
                               double *vc4, double *vc4_prev)
{
    const double two_vt = 2.0 * VCF_VT;
    const double two_gamma = 2.0 * (VCF_ETA * VCF_VT);
    const double six_gamma = 6.0 * (VCF_ETA * VCF_VT);
    *vc4_prev = *vc4;
    const double vin1 = tanh((x - c->vout) / two_vt);
    c->xc1 = K * (vin1 + c->vc11);
    c->vc1 = half_T * c->xc1 + c->s1;
    c->vc11 = tanh((c->vc2 - c->vc1) / two_gamma);
    c->xc2 = K * (c->vc21 - c->vc11);
    c->vc2 = half_T * c->xc2 + c->s2;
    c->vc21 = tanh((c->vc3 - c->vc2) / two_gamma);
    c->xc3 = K * (c->vc31 - c->vc21);
    c->vc3 = half_T * c->xc3 + c->s3;
    c->vc31 = tanh((*vc4 - c->vc3) / two_gamma);
    c->xc4 = K * (-c->vc41 - c->vc31);
    *vc4 = half_T * c->xc4 + c->s4;
    c->vc41 = tanh(*vc4 / six_gamma);
    c->vout = *vc4 / 2.0 + *vc4 * gfdbk;
}

/* After pass number `iters`: 0 when the cap of step 2.8 is reached (and
 * the sample is counted as non-converged) or the relative test of step 2
 * (with fabs, not the repo C's integer abs) is met; 1 to iterate again. */
static inline int vcf_pending(double vc4, double vc4_prev, int iters, int64_t *nonconverged)
{
    if (iters == VCF_MAX_ITER) {
        ++*nonconverged;
        return 0;
    }
    return fabs(vc4 - vc4_prev) > VCF_REL_ERR * fabs(vc4_prev);
}

/* Step 4: trapezoidal update of the integrator states, flushed (0.6). */
static inline void vcf_finish(vcf_channel *c, double vc4, double half_T)
{
    c->s1 = rtd_flush(half_T * c->xc1 + c->vc1);
    c->s2 = rtd_flush(half_T * c->xc2 + c->vc2);
    c->s3 = rtd_flush(half_T * c->xc3 + c->vc3);
    c->s4 = rtd_flush(half_T * c->xc4 + vc4);
}

/* One sample of 4.2 for one channel: the fixed-point loop (step 2, with
 * the initial guess of step 1 and the cap of step 2.8), then the
 * trapezoidal state update of step 4.  Returns the iteration count. */
static inline int vcf_step(vcf_channel *c, double x, double K, double gfdbk, double half_T,
                           int64_t *nonconverged)
{
    double vc4 = 0.0, vc4_prev = 1.0;     /* step 1: the repo's initial guess */
    int iters = 0, pending = 1;           /* |0 - 1| > 1e-3·1: one pass at least */
    while (pending) {
        vcf_iterate(c, x, K, gfdbk, half_T, &vc4, &vc4_prev);
        pending = vcf_pending(vc4, vc4_prev, ++iters, nonconverged);
    }
    vcf_finish(c, vc4, half_T);
    return iters;
}

/* Two channels of one sample at once (L = 1, stereo and wider).  Each
 * channel runs exactly the operations of vcf_step in the same order; the
 * two independent dependency chains are interleaved stage by stage so the
 * CPU overlaps their tanh latencies.  While both still iterate they share
 * the loop; the one that needs more iterations then finishes alone. */
static inline void vcf_step2(vcf_channel *a, vcf_channel *b, double xa, double xb, double K,
                             double gfdbk, double half_T, int64_t *nonconverged, int *ia, int *ib)
{
    double a4 = 0.0, a4p = 1.0, b4 = 0.0, b4p = 1.0;
    int na = 0, nb = 0, pa = 1, pb = 1;
    const double two_vt = 2.0 * VCF_VT;
    const double two_gamma = 2.0 * (VCF_ETA * VCF_VT);
    const double six_gamma = 6.0 * (VCF_ETA * VCF_VT);
    while (pa && pb) {              /* vcf_iterate on a and b, stage by stage */
        a4p = a4;
        b4p = b4;
        const double va = tanh((xa - a->vout) / two_vt);
        const double vb = tanh((xb - b->vout) / two_vt);
        a->xc1 = K * (va + a->vc11);
        b->xc1 = K * (vb + b->vc11);
        a->vc1 = half_T * a->xc1 + a->s1;
        b->vc1 = half_T * b->xc1 + b->s1;
        a->vc11 = tanh((a->vc2 - a->vc1) / two_gamma);
        b->vc11 = tanh((b->vc2 - b->vc1) / two_gamma);
        a->xc2 = K * (a->vc21 - a->vc11);
        b->xc2 = K * (b->vc21 - b->vc11);
        a->vc2 = half_T * a->xc2 + a->s2;
        b->vc2 = half_T * b->xc2 + b->s2;
        a->vc21 = tanh((a->vc3 - a->vc2) / two_gamma);
        b->vc21 = tanh((b->vc3 - b->vc2) / two_gamma);
        a->xc3 = K * (a->vc31 - a->vc21);
        b->xc3 = K * (b->vc31 - b->vc21);
        a->vc3 = half_T * a->xc3 + a->s3;
        b->vc3 = half_T * b->xc3 + b->s3;
        a->vc31 = tanh((a4 - a->vc3) / two_gamma);
        b->vc31 = tanh((b4 - b->vc3) / two_gamma);
        a->xc4 = K * (-a->vc41 - a->vc31);
        b->xc4 = K * (-b->vc41 - b->vc31);
        a4 = half_T * a->xc4 + a->s4;
        b4 = half_T * b->xc4 + b->s4;
        a->vc41 = tanh(a4 / six_gamma);
        b->vc41 = tanh(b4 / six_gamma);
        a->vout = a4 / 2.0 + a4 * gfdbk;
        b->vout = b4 / 2.0 + b4 * gfdbk;
        pa = vcf_pending(a4, a4p, ++na, nonconverged);
        pb = vcf_pending(b4, b4p, ++nb, nonconverged);
    }
    while (pa) {
        vcf_iterate(a, xa, K, gfdbk, half_T, &a4, &a4p);
        pa = vcf_pending(a4, a4p, ++na, nonconverged);
    }
    while (pb) {
        vcf_iterate(b, xb, K, gfdbk, half_T, &b4, &b4p);
        pb = vcf_pending(b4, b4p, ++nb, nonconverged);
    }
    vcf_finish(a, a4, half_T);
    vcf_finish(b, b4, half_T);
    *ia = na;
    *ib = nb;
}

static inline void vcf_flush_channel(vcf_channel *c)
{
    c->vout = rtd_flush(c->vout);
    c->vc1 = rtd_flush(c->vc1);
    c->vc2 = rtd_flush(c->vc2);
    c->vc3 = rtd_flush(c->vc3);
    c->vc11 = rtd_flush(c->vc11);
    c->vc21 = rtd_flush(c->vc21);
    c->vc31 = rtd_flush(c->vc31);
    c->vc41 = rtd_flush(c->vc41);
    c->xc1 = rtd_flush(c->xc1);
    c->xc2 = rtd_flush(c->xc2);
    c->xc3 = rtd_flush(c->xc3);
    c->xc4 = rtd_flush(c->xc4);
}

static inline void vcf_load_channel(vcf_channel *c, const double *st)
{
    c->s1 = st[0]; c->s2 = st[1]; c->s3 = st[2]; c->s4 = st[3];
    c->vout = st[4]; c->vc1 = st[5]; c->vc2 = st[6]; c->vc3 = st[7];
    c->vc11 = st[8]; c->vc21 = st[9]; c->vc31 = st[10]; c->vc41 = st[11];
    c->xc1 = st[12]; c->xc2 = st[13]; c->xc3 = st[14]; c->xc4 = st[15];
}

static inline void vcf_store_channel(const vcf_channel *c, double *st)
{
    st[0] = c->s1; st[1] = c->s2; st[2] = c->s3; st[3] = c->s4;
    st[4] = c->vout; st[5] = c->vc1; st[6] = c->vc2; st[7] = c->vc3;
    st[8] = c->vc11; st[9] = c->vc21; st[10] = c->vc31; st[11] = c->vc41;
    st[12] = c->xc1; st[13] = c->xc2; st[14] = c->xc3; st[15] = c->xc4;
}

void rtd_vcf_process(void *self_, float *buf, int frames, int channels)
{
    rtd_vcf *self = (rtd_vcf *)self_;
    const double k_target = rtd_load(self->params, 0);
    const double g_target = rtd_load(self->params, 1);
    const double d_target = rtd_load(self->params, 2);
    const double o_target = rtd_load(self->params, 3);
    const double s = rtd_load(self->params, 4);
    const double half_T = rtd_load(self->params, 5) / 2.0;
    const int L = self->factor;
    int64_t nonfinite = 0, nonconverged = 0, total_iters = 0;
    int max_iters = 0;
    double K = 0.0, gfdbk = 0.0, drive = 0.0, gain = 0.0;
    double vin[RTD_PP_MAX_FACTOR], v[RTD_PP_MAX_FACTOR];

    int first_single = 0;
    if (L == 1) {
        for (int ch = 0; ch + 1 < channels; ch += 2) {   /* channel pairs */
            K = self->smooth[0];
            gfdbk = self->smooth[1];
            drive = self->smooth[2];
            gain = self->smooth[3];
            vcf_channel a, b;
            vcf_load_channel(&a, self->state + 16 * ch);
            vcf_load_channel(&b, self->state + 16 * (ch + 1));
            float *p = buf + ch;
            for (int n = 0; n < frames; ++n, p += channels) {
                K = rtd_smooth_step(K, k_target, s);
                gfdbk = rtd_smooth_step(gfdbk, g_target, s);
                drive = rtd_smooth_step(drive, d_target, s);
                gain = rtd_smooth_step(gain, o_target, s);
                double xa = (double)p[0], xb = (double)p[1];
                const int bad_a = !isfinite(xa), bad_b = !isfinite(xb);
                if (bad_a) {
                    xa = 0.0;
                    ++nonfinite;
                }
                if (bad_b) {
                    xb = 0.0;
                    ++nonfinite;
                }
                xa = xa * drive;
                xb = xb * drive;
                int ia, ib;
                vcf_step2(&a, &b, xa, xb, K, gfdbk, half_T, &nonconverged, &ia, &ib);
                total_iters += ia + ib;
                if (ia > max_iters)
                    max_iters = ia;
                if (ib > max_iters)
                    max_iters = ib;
                p[0] = bad_a ? 0.0f : (float)(a.vout * gain);
                p[1] = bad_b ? 0.0f : (float)(b.vout * gain);
                vcf_flush_channel(&a);
                vcf_flush_channel(&b);
            }
            vcf_store_channel(&a, self->state + 16 * ch);
            vcf_store_channel(&b, self->state + 16 * (ch + 1));
        }
        first_single = channels - channels % 2;
    }
    for (int ch = first_single; ch < channels; ++ch) {
        K = self->smooth[0];
        gfdbk = self->smooth[1];
        drive = self->smooth[2];
        gain = self->smooth[3];
        vcf_channel c;
        vcf_load_channel(&c, self->state + 16 * ch);
        double *hist = self->interp_hist + RTD_PP_HIST * ch;
        double *acc = self->decim_acc + RTD_PP_HIST * ch;
        float *p = buf + ch;
        for (int n = 0; n < frames; ++n, p += channels) {
            K = rtd_smooth_step(K, k_target, s);
            gfdbk = rtd_smooth_step(gfdbk, g_target, s);
            drive = rtd_smooth_step(drive, d_target, s);
            gain = rtd_smooth_step(gain, o_target, s);
            double x = (double)*p;
            const int bad = !isfinite(x);
            if (bad) {                   /* spec 0.5: 0.0 in, 0.0 out, counted */
                x = 0.0;
                ++nonfinite;
            }
            x = x * drive;
            double y;
            if (L == 1) {                /* the paper's setting: model at fs */
                const int iters = vcf_step(&c, x, K, gfdbk, half_T, &nonconverged);
                total_iters += iters;
                if (iters > max_iters)
                    max_iters = iters;
                y = c.vout * gain;                            /* step 3 */
                vcf_flush_channel(&c);
            } else {                     /* model at L·fs between 3.5 filters */
                rtd_pp_interp(self->interp_taps, L, hist, x, vin);
                for (int j = 0; j < L; ++j) {
                    const int iters = vcf_step(&c, vin[j], K, gfdbk, half_T, &nonconverged);
                    total_iters += iters;
                    if (iters > max_iters)
                        max_iters = iters;
                    v[j] = c.vout;
                    vcf_flush_channel(&c);
                }
                y = gain * rtd_pp_decim(self->decim_taps, L, acc, v);
            }
            *p = bad ? 0.0f : (float)y;
        }
        vcf_store_channel(&c, self->state + 16 * ch);
    }
    if (channels > 0 && frames > 0) {
        self->smooth[0] = K;
        self->smooth[1] = gfdbk;
        self->smooth[2] = drive;
        self->smooth[3] = gain;
    }
    self->counters[0] += nonfinite;
    self->counters[1] += nonconverged;
    self->counters[2] = max_iters;
    self->counters[3] += total_iters;
    self->counters[4] += (int64_t)frames * channels * L;
}

void rtd_vcf_reset(void *self_)
{
    rtd_vcf *self = (rtd_vcf *)self_;
    for (int i = 0; i < 16 * self->channels; ++i)
        self->state[i] = 0.0;
    if (self->factor > 1) {
        for (int i = 0; i < RTD_PP_HIST * self->channels; ++i) {
            self->interp_hist[i] = 0.0;
            self->decim_acc[i] = 0.0;
        }
    }
    for (int i = 0; i < 4; ++i)
        self->smooth[i] = rtd_load(self->params, i);
    for (int i = 0; i < 5; ++i)
        self->counters[i] = 0;
}
