/* ringmod.c: diode ring modulator, specs/effects.md section 3.
 *
 * Per base-rate sample n (all arithmetic in double):
 *   1. smoothers (0.4, one step per base sample, shared by channels):
 *      carrier_level, input_gain k, output_gain;
 *   2. carrier (3.6): vc[j] = level*sin(2*pi*phi), phi += inc, wrap,
 *      for the L high-rate steps j = 0..L-1 (phase shared by channels);
 *   3. per channel (in pairs, see rm_stable_step2; the per-channel
 *      arithmetic is unchanged): x -> 0 if non-finite (0.5); polyphase interpolation
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

/* 3.4: the Newton problem of one backward-Euler step: F(u) = D u - r + A^T g(A u + b vc). */
typedef struct {
    double u1, u2, u3;      /* iterate (starts at u_old) */
    double r1, r2, r3;      /* r of 3.4.2 */
    double i1o, i2o;        /* currents at the old step */
    double vc;
    int it;                 /* iterations done */
    int done;
} rm_newton;

static inline void rm_newton_start(const rm_consts *c, rm_newton *z, const double *st,
                                   double vin, double vc)
{
    z->u1 = st[0];
    z->u2 = st[1];
    z->u3 = st[2];
    z->i1o = st[3];
    z->i2o = st[4];
    z->r1 = (c->cT * z->u1 + z->i1o) + vin * c->invRm;
    z->r2 = c->cT * z->u2 + z->i2o;
    z->r3 = c->cpT * z->u3;
    z->vc = vc;
    z->it = 0;
    z->done = 0;
}

/* One Newton iteration (3.4.3); sets z->done on convergence or at the cap
 * (then counts a failure). */
static inline void rm_newton_iterate(const rm_consts *c, rm_newton *z, int64_t *failures)
{
    const double u1 = z->u1, u2 = z->u2, u3 = z->u3;
    /* diode voltages A*u + b*vc (3.1) */
    const double h1 = 0.5 * u1, h2 = 0.5 * u2, sd = u3 + z->vc;
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
    const double F1 = (c->D1 * u1 - z->r1) + 0.5 * (ga + gb);
    const double F2 = (c->D2 * u2 - z->r2) + 0.5 * (gb - ga);
    const double F3 = (c->D3 * u3 - z->r3) + ((g6 + g7) - (g4 + g5));
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
    z->u1 = u1 - e1;
    z->u2 = u2 - e2;
    z->u3 = u3 - e3;
    ++z->it;
    if ((fabs(e1) + fabs(e2)) + fabs(e3)
            <= RM_NEWTON_TOL * (((1.0 + fabs(z->u1)) + fabs(z->u2)) + fabs(z->u3))) {
        z->done = 1;
    } else if (z->it == RM_NEWTON_MAX_ITER) {
        ++*failures;
        z->done = 1;
    }
}

/* 3.4.4: store the new state (currents from the new voltages, 0.6 flush); returns u2. */
static inline double rm_newton_finish(const rm_consts *c, const rm_newton *z, double *st,
                                      int64_t *iterations)
{
    *iterations += z->it;
    st[0] = rtd_flush(z->u1);
    st[1] = rtd_flush(z->u2);
    st[2] = rtd_flush(z->u3);
    st[3] = rtd_flush(z->i1o - c->tLh * z->u1);   /* i_new = i_old - (T/Lh) u_new */
    st[4] = rtd_flush(z->i2o - c->tLh * z->u2);
    return st[1];
}

/* 3.4: one backward-Euler step of one channel; st = [u1 u2 u3 i1 i2 ...]. */
static inline double rm_stable_step(const rm_consts *c, double *st, double vin, double vc,
                                    int64_t *iterations, int64_t *failures)
{
    rm_newton z;
    rm_newton_start(c, &z, st, vin, vc);
    do
        rm_newton_iterate(c, &z, failures);
    while (!z.done);
    return rm_newton_finish(c, &z, st, iterations);
}

/* The same step for two channels at once.  Their iterations alternate in
 * program order, so the CPU overlaps the two dependency chains; each
 * channel's arithmetic and stop decision are exactly those of
 * rm_stable_step. */
static inline void rm_stable_step2(const rm_consts *c, double *st0, double *st1,
                                   double vin0, double vin1, double vc,
                                   double *v0, double *v1,
                                   int64_t *iterations, int64_t *failures)
{
    rm_newton z0, z1;
    rm_newton_start(c, &z0, st0, vin0, vc);
    rm_newton_start(c, &z1, st1, vin1, vc);
    do {
        if (!z0.done)
            rm_newton_iterate(c, &z0, failures);
        if (!z1.done)
            rm_newton_iterate(c, &z1, failures);
    } while (!(z0.done && z1.done));
    *v0 = rm_newton_finish(c, &z0, st0, iterations);
    *v1 = rm_newton_finish(c, &z1, st1, iterations);
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
    double vin1[RTD_PP_MAX_FACTOR], v1[RTD_PP_MAX_FACTOR];

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
        int ch = 0;
        for (; ch + 2 <= channels; ch += 2) {       /* channel pairs */
            double x0 = (double)p[ch], x1 = (double)p[ch + 1];
            if (!isfinite(x0)) {                    /* 0.5 */
                x0 = 0.0;
                ++nonfinite;
            }
            if (!isfinite(x1)) {
                x1 = 0.0;
                ++nonfinite;
            }
            double *st0 = self->state + 9 * ch, *st1 = st0 + 9;
            rtd_pp_interp(self->interp_taps, L, self->interp_hist + RTD_PP_HIST * ch, k * x0, vin);
            rtd_pp_interp(self->interp_taps, L, self->interp_hist + RTD_PP_HIST * (ch + 1), k * x1, vin1);
            if (paper) {
                for (int j = 0; j < L; ++j) {
                    v[j] = rm_paper_step(&c, st0, vin[j], vc[j]);
                    v1[j] = rm_paper_step(&c, st1, vin1[j], vc[j]);
                }
            } else {
                for (int j = 0; j < L; ++j)
                    rm_stable_step2(&c, st0, st1, vin[j], vin1[j], vc[j], &v[j], &v1[j],
                                    &iterations, &failures);
            }
            const double y0 = rtd_pp_decim(self->decim_taps, L, self->decim_acc + RTD_PP_HIST * ch, v);
            const double y1 = rtd_pp_decim(self->decim_taps, L, self->decim_acc + RTD_PP_HIST * (ch + 1), v1);
            p[ch] = (float)(og * y0);
            p[ch + 1] = (float)(og * y1);
        }
        for (; ch < channels; ++ch) {               /* last odd channel */
            double x = (double)p[ch];
            if (!isfinite(x)) {
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
