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
 * after the other with the state in locals; the parameter smoothers
 * (spec 0.4) are shared by all channels, so every channel replays the same
 * deterministic smoother trajectory from the block-start values.
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

/* One sample of 4.2 for one channel, state in st[0..15]:
 * s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41 xc1 xc2 xc3 xc4. */
typedef struct {
    double s1, s2, s3, s4, vout, vc1, vc2, vc3, vc11, vc21, vc31, vc41, xc1, xc2, xc3, xc4;
} vcf_channel;

static inline int vcf_step(vcf_channel *c, double x, double K, double gfdbk, double half_T,
                           int64_t *nonconverged)
{
    const double two_vt = 2.0 * VCF_VT;
    const double gamma = VCF_ETA * VCF_VT;
    const double two_gamma = 2.0 * gamma;
    const double six_gamma = 6.0 * gamma;
    double vc4 = 0.0, vc4_prev = 1.0;     /* 4.2 step 1: the repo's initial guess */
    int iters = 0;
    while (fabs(vc4 - vc4_prev) > VCF_REL_ERR * fabs(vc4_prev)) {   /* step 2 */
        vc4_prev = vc4;
        const double vin1 = tanh((x - c->vout) / two_vt);
        c->xc1 = K * (vin1 + c->vc11);
        c->vc1 = half_T * c->xc1 + c->s1;
        c->vc11 = tanh((c->vc2 - c->vc1) / two_gamma);
        c->xc2 = K * (c->vc21 - c->vc11);
        c->vc2 = half_T * c->xc2 + c->s2;
        c->vc21 = tanh((c->vc3 - c->vc2) / two_gamma);
        c->xc3 = K * (c->vc31 - c->vc21);
        c->vc3 = half_T * c->xc3 + c->s3;
        c->vc31 = tanh((vc4 - c->vc3) / two_gamma);
        c->xc4 = K * (-c->vc41 - c->vc31);
        vc4 = half_T * c->xc4 + c->s4;
        c->vc41 = tanh(vc4 / six_gamma);
        c->vout = vc4 / 2.0 + vc4 * gfdbk;                /* step 2.7 */
        if (++iters == VCF_MAX_ITER) {                    /* step 2.8 */
            ++*nonconverged;
            break;
        }
    }
    /* step 4: trapezoidal state update, then flush (0.6) */
    c->s1 = rtd_flush(half_T * c->xc1 + c->vc1);
    c->s2 = rtd_flush(half_T * c->xc2 + c->vc2);
    c->s3 = rtd_flush(half_T * c->xc3 + c->vc3);
    c->s4 = rtd_flush(half_T * c->xc4 + vc4);
    return iters;
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

    for (int ch = 0; ch < channels; ++ch) {
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
