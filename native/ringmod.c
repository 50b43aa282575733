/* ringmod.c: diode ring modulator, specs/effects.md section 3.
 *
 * Per base-rate sample n (all arithmetic in double):
 *   1. smoothers (0.4, one step per base sample, shared by channels):
 *      carrier_level, input_gain k, output_gain;
 *   2. carrier (3.6): vc[j] = level*sin(2*pi*phi), phi += inc, wrap,
 *      for the L high-rate steps j = 0..L-1 (phase shared by channels);
 *   3. per channel: x -> 0 if non-finite (0.5); polyphase interpolation
 *      of k*x (3.5) -> vin[0..L-1]; L model steps (3.4 "stable" Newton /
 *      3.3 "paper" explicit) -> v[0..L-1]; transposed polyphase
 *      decimation (3.5) -> y; out = (float)(output_gain*y).
 * The Numba kernel (rtaudio/kernels/numba/ringmod.py) and the reference
 * (rtaudio/kernels/reference/ringmod.py) follow the same operation order.
 */
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"
#include "polyphase.h"

#define RM_TWO_PI 6.283185307179586
#define RM_NEWTON_MAX_ITER 16
#define RM_NEWTON_TOL 1e-12

typedef struct {
    double D1, D2, D3, cT, cpT, tLh, invRm, invRa, invRi, tC, tCp;
} rm_consts;

/* 3.4: one backward-Euler step of the passive model, Newton on F(u) = 0.
 * st = [u1 u2 u3 i1 i2 ...]; returns u2. */
static inline double rm_stable_step(const rm_consts *c, double *st, double vin, double vc,
                                    int64_t *iterations, int64_t *failures)
{
    const double u1o = st[0], u2o = st[1], u3o = st[2], i1o = st[3], i2o = st[4];
    const double r1 = (c->cT * u1o + i1o) + vin * c->invRm;
    const double r2 = c->cT * u2o + i2o;
    const double r3 = c->cpT * u3o;
    double u1 = u1o, u2 = u2o, u3 = u3o;
    int it = 1;
    for (;; ++it) {
        /* diode voltages A*u + b*vc (3.1) */
        const double h1 = 0.5 * u1, h2 = 0.5 * u2, sd = u3 + vc;
        const double a = h1 - h2, bs = h1 + h2;
        const double w4 = a - sd, w5 = -a - sd, w6 = bs + sd, w7 = sd - bs;
        /* rectified law g(v) = 0.17 v^4, g'(v) = 0.68 v^3 for v > 0 (3.4.1) */
        const double p4 = w4 > 0.0 ? w4 : 0.0, p5 = w5 > 0.0 ? w5 : 0.0;
        const double p6 = w6 > 0.0 ? w6 : 0.0, p7 = w7 > 0.0 ? w7 : 0.0;
        const double q4 = p4 * p4, q5 = p5 * p5, q6 = p6 * p6, q7 = p7 * p7;
        const double g4 = (0.17 * q4) * q4, g5 = (0.17 * q5) * q5;
        const double g6 = (0.17 * q6) * q6, g7 = (0.17 * q7) * q7;
        const double d4 = (0.68 * q4) * p4, d5 = (0.68 * q5) * p5;
        const double d6 = (0.68 * q6) * p6, d7 = (0.68 * q7) * p7;
        /* F(u) = D u - r + A^T g (3.4.2) */
        const double ga = g4 - g5, gb = g6 - g7;
        const double F1 = (c->D1 * u1 - r1) + 0.5 * (ga + gb);
        const double F2 = (c->D2 * u2 - r2) + 0.5 * (gb - ga);
        const double F3 = (c->D3 * u3 - r3) + ((g6 + g7) - (g4 + g5));
        /* J = D + A^T diag(g') A, symmetric */
        const double d45 = d4 + d5, d67 = d6 + d7, dsum = d45 + d67;
        const double j11 = c->D1 + 0.25 * dsum, j22 = c->D2 + 0.25 * dsum, j33 = c->D3 + dsum;
        const double j12 = 0.25 * (d67 - d45);
        const double j13 = 0.5 * ((d5 + d6) - (d4 + d7));
        const double j23 = 0.5 * ((d4 + d6) - (d5 + d7));
        /* Cramer's rule with cofactors, fixed order (3.4.3) */
        const double c11 = j22 * j33 - j23 * j23;
        const double c12 = j13 * j23 - j12 * j33;
        const double c13 = j12 * j23 - j13 * j22;
        const double c22 = j11 * j33 - j13 * j13;
        const double c23 = j12 * j13 - j11 * j23;
        const double c33 = j11 * j22 - j12 * j12;
        const double det = (j11 * c11 + j12 * c12) + j13 * c13;
        const double inv = 1.0 / det;
        const double e1 = ((c11 * F1 + c12 * F2) + c13 * F3) * inv;
        const double e2 = ((c12 * F1 + c22 * F2) + c23 * F3) * inv;
        const double e3 = ((c13 * F1 + c23 * F2) + c33 * F3) * inv;
        u1 -= e1;
        u2 -= e2;
        u3 -= e3;
        if ((fabs(e1) + fabs(e2)) + fabs(e3)
                <= RM_NEWTON_TOL * (((1.0 + fabs(u1)) + fabs(u2)) + fabs(u3)))
            break;
        if (it == RM_NEWTON_MAX_ITER) {
            ++*failures;
            break;
        }
    }
    *iterations += it;
    st[0] = rtd_flush(u1);
    st[1] = rtd_flush(u2);
    st[2] = rtd_flush(u3);
    st[3] = rtd_flush(i1o - c->tLh * u1);   /* 3.4.2: i_new = i_old - (T/Lh) u_new */
    st[4] = rtd_flush(i2o - c->tLh * u2);
    return st[1];
}

/* 3.3: the paper's explicit step (even diode law), exact order.
 * st = [u1 u2 u3 i1 i2 u4 u5 u6 u7]; returns u2. */
static inline double rm_paper_step(const rm_consts *c, double *st, double vin, double vc)
{
    double u1 = st[0], u2 = st[1], u3 = st[2], i1 = st[3], i2 = st[4];
    const double q4 = st[5] * st[5], q5 = st[6] * st[6], q6 = st[7] * st[7], q7 = st[8] * st[8];
    const double g4 = (0.17 * q4) * q4, g5 = (0.17 * q5) * q5;
    const double g6 = (0.17 * q6) * q6, g7 = (0.17 * q7) * q7;
    u1 = u1 + c->tC * (((((i1 - g4 * 0.5) + g7 * 0.5) + g5 * 0.5) - g6 * 0.5) - (u1 - vin) * c->invRm);
    u2 = u2 + c->tC * (((((i2 + g4 * 0.5) + g7 * 0.5) - g5 * 0.5) - g6 * 0.5) - u2 * c->invRa);
    u3 = u3 + c->tCp * ((((g4 - g7) + g5) - g6) - u3 * c->invRi);
    st[5] = ((u1 * 0.5 - u3) - vc) - u2 * 0.5;
    st[6] = ((-u1 * 0.5 - u3) - vc) + u2 * 0.5;
    st[7] = ((u1 * 0.5 + u3) + vc) + u2 * 0.5;
    st[8] = ((-u1 * 0.5 + u3) + vc) - u2 * 0.5;
    i1 = i1 + c->tLh * (-u1);
    i2 = i2 + c->tLh * (-u2);
    st[0] = rtd_flush(u1);
    st[1] = rtd_flush(u2);
    st[2] = rtd_flush(u3);
    st[3] = rtd_flush(i1);
    st[4] = rtd_flush(i2);
    return st[1];
}

void rtd_ringmod_process(void *self_, float *buf, int frames, int channels)
{
    rtd_ringmod *self = (rtd_ringmod *)self_;
    const int L = self->factor;
    const int paper = self->model == 1;
    const double level_t = rtd_load(self->params, 0);
    const double k_t = rtd_load(self->params, 1);
    const double og_t = rtd_load(self->params, 2);
    const double s = rtd_load(self->params, 3);
    const double inc = rtd_load(self->params, 4);
    rm_consts c;
    c.D1 = rtd_load(self->params, 5);
    c.D2 = rtd_load(self->params, 6);
    c.D3 = rtd_load(self->params, 7);
    c.cT = rtd_load(self->params, 8);
    c.cpT = rtd_load(self->params, 9);
    c.tLh = rtd_load(self->params, 10);
    c.invRm = rtd_load(self->params, 11);
    c.invRa = rtd_load(self->params, 12);
    c.invRi = rtd_load(self->params, 13);
    c.tC = rtd_load(self->params, 14);
    c.tCp = rtd_load(self->params, 15);
    double level = self->smooth[0], k = self->smooth[1], og = self->smooth[2];
    double phi = self->smooth[3];
    int64_t nonfinite = 0, iterations = 0, failures = 0;
    double vc[RTD_PP_MAX_FACTOR], vin[RTD_PP_MAX_FACTOR], v[RTD_PP_MAX_FACTOR];

    for (int n = 0; n < frames; ++n) {
        level = rtd_smooth_step(level, level_t, s);
        k = rtd_smooth_step(k, k_t, s);
        og = rtd_smooth_step(og, og_t, s);
        for (int j = 0; j < L; ++j) {              /* 3.6 */
            vc[j] = level * sin(RM_TWO_PI * phi);
            phi += inc;
            if (phi >= 1.0)
                phi -= 1.0;
        }
        float *p = buf + (long)n * channels;
        for (int ch = 0; ch < channels; ++ch) {
            double x = (double)p[ch];
            if (!isfinite(x)) {                    /* 0.5 */
                x = 0.0;
                ++nonfinite;
            }
            double *st = self->state + 9 * ch;
            rtd_pp_interp(self->interp_taps, L, self->interp_hist + RTD_PP_HIST * ch, k * x, vin);
            if (paper) {
                for (int j = 0; j < L; ++j)
                    v[j] = rm_paper_step(&c, st, vin[j], vc[j]);
            } else {
                for (int j = 0; j < L; ++j)
                    v[j] = rm_stable_step(&c, st, vin[j], vc[j], &iterations, &failures);
            }
            const double y = rtd_pp_decim(self->decim_taps, L, self->decim_acc + RTD_PP_HIST * ch, v);
            p[ch] = (float)(og * y);
        }
    }
    self->smooth[0] = level;
    self->smooth[1] = k;
    self->smooth[2] = og;
    self->smooth[3] = phi;
    self->counters[0] += nonfinite;
    self->counters[1] += failures;
    self->counters[2] += iterations;
}

void rtd_ringmod_reset(void *self_)
{
    rtd_ringmod *self = (rtd_ringmod *)self_;
    const int channels = self->channels;
    for (int i = 0; i < 9 * channels; ++i)
        self->state[i] = 0.0;
    for (int i = 0; i < RTD_PP_HIST * channels; ++i) {
        self->interp_hist[i] = 0.0;
        self->decim_acc[i] = 0.0;
    }
    self->smooth[0] = rtd_load(self->params, 0);
    self->smooth[1] = rtd_load(self->params, 1);
    self->smooth[2] = rtd_load(self->params, 2);
    self->smooth[3] = 0.0;
    self->counters[0] = 0;
    self->counters[1] = 0;
    self->counters[2] = 0;
}
