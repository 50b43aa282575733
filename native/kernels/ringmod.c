/* ringmod.c: diode ring modulator (docs/maths/ringmod.md).
 *
 * Per base-rate sample n (all arithmetic in double):
 *   1. smoothers (one step per base sample, shared by channels):
 *      carrier_level, input_gain k, output_gain;
 *   2. carrier (§1): vc[j] = level*sin(2*pi*phi), phi += inc, wrap,
 *      for the L high-rate steps j = 0..L-1 (phase shared by channels);
 *   3. per channel: x -> 0 if non-finite (counted); polyphase interpolation
 *      of k*x (§4) -> vin[0..L-1]; L model steps (§3 "stable" Newton /
 *      §2 "paper" explicit) -> v[0..L-1]; transposed polyphase
 *      decimation (§4) -> y; out = (float)(output_gain*y).
 * The Numba kernel (rtaudio/kernels/numba/ringmod.py) and the reference
 * (rtaudio/kernels/reference/ringmod.py) compute every value with the same
 * operations in the same order.  For speed the C kernel of model "stable"
 * schedules them differently (rm_stable_group: channel pairs with
 * interleaved Newton chains, filter work spread over the Newton solves),
 * which leaves every result bit-identical.
 */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"
#include "polyphase.h"

/* An AVX2 clone (4-wide filter loops) beside the baseline; -ffp-contract=off
 * keeps every multiply and add separate in both, so results are identical. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(RTD_NO_TARGET_CLONES)
#define RM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RM_SIMD_CLONES
#endif

#define RM_TWO_PI 6.283185307179586
#define RM_NEWTON_MAX_ITER 16
/* Stop rule (docs/maths/ringmod.md §3.3): |du1| + |du2| + |du3| of the
 * last Newton update <= this many volts; the convergence is quadratic
 * there, so the remaining error is ~1e-10 V or less (tests/test_ringmod.py
 * checks 1e-9 V against a float64 solve to 1e-13 V). */
#define RM_NEWTON_TOL_V 1e-6

typedef struct {
    double D1, D2, D3, cT, cpT, tLh, invRm, invRa, invRi, tC, tCp;
    double S, Dd, Dd2;   /* D1 + D2, D1 - D2, (D1 - D2)^2 */
} rm_consts;

/* Newton (docs/maths/ringmod.md §3.2) in the diode-voltage coordinates: y = (a, b, s) =
 * ((u1 - u2)/2, (u1 + u2)/2, u3 + vc), so that u4 = a - s, u5 = -(a + s),
 * u6 = b + s, u7 = s - b (§1).  Newton's iterates are invariant under
 * this affine change of variables (they equal the u-iterates up to
 * rounding), but each iteration's dependency chain is shorter: the diode
 * voltages are one add away from the iterate, and with P = dU/dy the
 * system K dy = G, K = P^T J P, G = P^T F is
 *   K = [[S + d4 + d5, Dd, d5 - d4], [Dd, S + d6 + d7, d6 - d7],
 *        [d5 - d4, d6 - d7, D3 + d4 + d5 + d6 + d7]],   S = D1 + D2, Dd = D1 - D2,
 *   G = (S a + Dd b - (r1 - r2) + g4 - g5,  Dd a + S b - (r1 + r2) + g6 - g7,
 *        D3 s - (r3 + D3 vc) + (g6 + g7) - (g4 + g5)),
 * with dk = g'(uk).  The stop rule in these coordinates
 * (|du1| + |du2| = 2 max(|da|, |db|)):  2 max(|da|, |db|) + |ds| <= 1e-6 V.
 * Start point: the linear extrapolation 2 u[m-1] - u[m-2] of the last two
 * solutions (u[m-2] kept in st[5..7], unused by model "stable"). */
typedef struct {
    double a, b, s;
    double ra, rb, rs;
    double i1o, i2o;
    double vc;
    int it;
    int done;
} rm_newton;

/* Start point: extrapolated from the last two steps; r (docs/maths/
 * ringmod.md §3.1) folded into G's constants. */
static inline void rm_newton_start(const rm_consts *c, rm_newton *z, const double *st,
                                   double vin, double vc)
{
    const double u1 = st[0], u2 = st[1], u3 = st[2];
    z->i1o = st[3];
    z->i2o = st[4];
    const double r1 = (c->cT * u1 + z->i1o) + vin * c->invRm;
    const double r2 = c->cT * u2 + z->i2o;
    const double r3 = c->cpT * u3;
    const double p1 = 2.0 * u1 - st[5], p2 = 2.0 * u2 - st[6], p3 = 2.0 * u3 - st[7];
    z->a = 0.5 * (p1 - p2);
    z->b = 0.5 * (p1 + p2);
    z->s = p3 + vc;
    z->ra = r1 - r2;
    z->rb = r1 + r2;
    z->rs = r3 + c->D3 * vc;
    z->vc = vc;
    z->it = 0;
    z->done = 0;
}

/* One Newton iteration (§3.2-3.3, coordinates above); sets z->done on
 * convergence or at the cap (then counts a failure). */
static inline void rm_newton_iterate(const rm_consts *c, rm_newton *z, int64_t *failures)
{
    const double a = z->a, b = z->b, s = z->s;
    const double w4 = a - s, w5 = -(a + s), w6 = b + s, w7 = s - b;
    const double p4 = w4 > 0.0 ? w4 : 0.0, p5 = w5 > 0.0 ? w5 : 0.0;
    const double p6 = w6 > 0.0 ? w6 : 0.0, p7 = w7 > 0.0 ? w7 : 0.0;
    const double q4 = p4 * p4, q5 = p5 * p5, q6 = p6 * p6, q7 = p7 * p7;
    const double g4 = (0.17 * q4) * q4, g5 = (0.17 * q5) * q5;
    const double g6 = (0.17 * q6) * q6, g7 = (0.17 * q7) * q7;
    const double d4 = (0.68 * p4) * q4, d5 = (0.68 * p5) * q5;
    const double d6 = (0.68 * p6) * q6, d7 = (0.68 * p7) * q7;
    /* G and the cofactors of the symmetric K (Cramer's rule, fixed order) */
    const double Ga = ((c->S * a + c->Dd * b) - z->ra) + (g4 - g5);
    const double Gb = ((c->Dd * a + c->S * b) - z->rb) + (g6 - g7);
    const double Gs = (c->D3 * s - z->rs) + ((g6 + g7) - (g4 + g5));
    const double d45 = d4 + d5, d67 = d6 + d7;
    const double kaa = c->S + d45, kbb = c->S + d67, kss = c->D3 + (d45 + d67);
    const double kas = d5 - d4, kbs = d6 - d7, kab = c->Dd;
    const double caa = kbb * kss - kbs * kbs;
    const double cab = kbs * kas - kab * kss;
    const double cas = kab * kbs - kbb * kas;
    const double cbb = kaa * kss - kas * kas;
    const double cbs = kab * kas - kaa * kbs;
    const double css = kaa * kbb - c->Dd2;
    const double inv_det = 1.0 / ((kaa * caa + kab * cab) + kas * cas);
    const double ea = ((caa * Ga + cab * Gb) + cas * Gs) * inv_det;
    const double eb = ((cab * Ga + cbb * Gb) + cbs * Gs) * inv_det;
    const double es = ((cas * Ga + cbs * Gb) + css * Gs) * inv_det;
    z->a = a - ea;
    z->b = b - eb;
    z->s = s - es;
    ++z->it;
    const double fa = fabs(ea), fb = fabs(eb);
    if (2.0 * (fa > fb ? fa : fb) + fabs(es) <= RM_NEWTON_TOL_V) {
        z->done = 1;
    } else if (z->it == RM_NEWTON_MAX_ITER) {
        ++*failures;
        z->done = 1;
    }
}

/* Store the new state (u back from y, currents from the new
 * voltages, 0.6 flush); returns u2. */
static inline double rm_newton_finish(const rm_consts *c, const rm_newton *z, double *st,
                                      int64_t *iterations)
{
    *iterations += z->it;
    const double u1 = z->a + z->b, u2 = z->b - z->a, u3 = z->s - z->vc;
    st[5] = st[0];                                  /* u[m-1] for the next prediction */
    st[6] = st[1];
    st[7] = st[2];
    st[0] = rtd_flush(u1);
    st[1] = rtd_flush(u2);
    st[2] = rtd_flush(u3);
    st[3] = rtd_flush(z->i1o - c->tLh * u1);
    st[4] = rtd_flush(z->i2o - c->tLh * u2);      /* i_new = i_old - (T/Lh) u_new */
    return st[1];
}

/* The Newton loop after its first iteration (always done), for one
 * channel or for two whose iterations alternate in program order (the CPU
 * overlaps the two dependency chains; each channel's arithmetic and stop
 * decision stay its own). */
static inline void rm_newton_complete(const rm_consts *c, rm_newton *z0, rm_newton *z1,
                                      int64_t *failures)
{
    if (!z1) {
        while (!z0->done)
            rm_newton_iterate(c, z0, failures);
        return;
    }
    while (!(z0->done && z1->done)) {
        if (!z0->done)
            rm_newton_iterate(c, z0, failures);
        if (!z1->done)
            rm_newton_iterate(c, z1, failures);
    }
}

/* §2: the paper's explicit step (even diode law), exact order.
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

/* Smoothed parameters and carrier phase (§1), shared by all channels. */
typedef struct {
    double level, k, og, phi;
} rm_osc;

typedef struct {
    double level, k, og, s, inc;   /* targets, smoothing pole, phase increment */
} rm_targets;

static inline void rm_osc_step(rm_osc *o, const rm_targets *t)
{
    o->level = rtd_smooth_step(o->level, t->level, t->s);
    o->k = rtd_smooth_step(o->k, t->k, t->s);
    o->og = rtd_smooth_step(o->og, t->og, t->s);
}

/* The carrier at the current phase, then the phase advanced. */
static inline double rm_carrier(rm_osc *o, double inc)
{
    const double vc = o->level * sin(RM_TWO_PI * o->phi);
    o->phi += inc;
    if (o->phi >= 1.0)
        o->phi -= 1.0;
    return vc;
}

/* 0.5: input sample widened to double, non-finite -> 0 (counted). */
static inline double rm_input(float x, int64_t *nonfinite)
{
    double v = (double)x;
    if (!isfinite(v)) {
        ++*nonfinite;
        v = 0.0;
    }
    return v;
}

/* One channel of a software-pipelined group (see rm_stable_group). */
typedef struct {
    double *st, *hist, *acc;
    double *vin, *vin_next;        /* interpolated input of samples n, n + 1 */
    double part[8];                /* running interpolation sums (rtd_pp_interp_units) */
} rm_chan;

/* A model output waiting for its decimation phase. */
typedef struct {
    int phase;                     /* j of v[n*L + j]; -1: none */
    long frame;                    /* n */
    double og;                     /* output gain of sample n */
    double v[2];
} rm_pending;

/* Decimation phase of a pending model output; phase 0 completes y[n]. */
static inline void rm_decim_pending(const rtd_ringmod *self, rm_chan *z, int nch,
                                    rm_pending *q, float *buf, int channels, int ch, int c0)
{
    if (q->phase < 0)
        return;
    for (int i = 0; i < nch; ++i) {
        if (q->phase == 0)
            buf[q->frame * channels + ch + i] = (float)(q->og * (
                c0 ? rtd_pp_decim_first_center(self->decim_taps, z[i].acc, q->v[i])
                   : rtd_pp_decim_first(self->decim_taps, z[i].acc, q->v[i])));
        else
            rtd_pp_decim_phase(self->decim_taps, q->phase, z[i].acc, q->v[i]);
    }
    q->phase = -1;
}

/* Slice `part` of `parts` of the interpolation and carrier of sample n + 1. */
static inline void rm_next_slice(const rtd_ringmod *self, const rm_targets *t, rm_osc *osc,
                                 rm_chan *z, int nch, double *vc_next, int part, int parts,
                                 int c0)
{
    const int L = self->factor, units = rtd_pp_units(L, c0);
    for (int i = 0; i < nch; ++i) {
        if (c0 && part == 0)       /* output 0: its one tap */
            z[i].vin_next[0] = rtd_pp_interp_center(self->interp_taps, L, z[i].hist);
        rtd_pp_interp_units(self->interp_taps, L, c0, z[i].hist, part * units / parts,
                            (part + 1) * units / parts, z[i].part, z[i].vin_next);
    }
    for (int j = part * L / parts; j < (part + 1) * L / parts; ++j)
        vc_next[j] = rm_carrier(osc, t->inc);
}

/* Model "stable" for channel ch (and ch + 1 if pair) over the whole block.
 *
 * Per base sample n the L Newton solves form one long dependency chain;
 * the filter work does not depend on it, so it is spread over the solves
 * (software pipelining): right after the first Newton iteration of solve j
 * (so that the chain is already in flight) come the decimation phase of
 * the previous model output and 1/(L-1) of the interpolation and carrier
 * of sample n + 1.  Every value is computed with the same operations in
 * the same order as in the plain per-sample order of the file header, so
 * the output is bit-identical to it.  osc is this group's copy of the
 * shared smoother/phase state (each group advances it identically). */
static inline __attribute__((always_inline)) void rm_stable_group(const rtd_ringmod *self, const rm_consts *c,
                                   const rm_targets *t, rm_osc *osc, float *buf,
                                   int frames, int channels, int ch, const int pair,
                                   int64_t *nonfinite, int64_t *iterations, int64_t *failures)
{
    const int L = self->factor, nch = pair ? 2 : 1;
    /* 1: phase 0 of both filters by its one nonzero tap (native/polyphase.h) */
    const int c0 = rtd_pp_phase0_is_center(self->interp_taps, self->decim_taps, L);
    double vc_buf[2][RTD_PP_MAX_FACTOR], vin_buf[2][2][RTD_PP_MAX_FACTOR];
    double *vc = vc_buf[0], *vc_next = vc_buf[1];
    rm_chan z[2];
    rm_pending q = {-1, 0, 0.0, {0.0, 0.0}};
    for (int i = 0; i < nch; ++i) {
        z[i].st = self->state + 9 * (ch + i);
        z[i].hist = self->interp_hist + RTD_PP_HIST * (ch + i);
        z[i].acc = self->decim_acc + RTD_PP_HIST * (ch + i);
        z[i].vin = vin_buf[i][0];
        z[i].vin_next = vin_buf[i][1];
    }
    /* prologue: sample 0 in one piece */
    rm_osc_step(osc, t);
    for (int j = 0; j < L; ++j)
        vc[j] = rm_carrier(osc, t->inc);
    for (int i = 0; i < nch; ++i)
        rtd_pp_interp(self->interp_taps, L, z[i].hist, osc->k * rm_input(buf[ch + i], nonfinite),
                      z[i].vin);
    for (int n = 0; n < frames; ++n) {
        const int next = n + 1 < frames;
        const double og = osc->og;
        if (next) {
            rm_osc_step(osc, t);
            for (int i = 0; i < nch; ++i)
                rtd_pp_push(z[i].hist, osc->k * rm_input(buf[(long)(n + 1) * channels + ch + i],
                                                         nonfinite));
        }
        for (int j = 0; j < L; ++j) {
            /* Newton states as plain locals (kept in registers) */
            rm_newton z0, z1;
            rm_newton_start(c, &z0, z[0].st, z[0].vin[j], vc[j]);
            rm_newton_iterate(c, &z0, failures);
            if (pair) {
                rm_newton_start(c, &z1, z[1].st, z[1].vin[j], vc[j]);
                rm_newton_iterate(c, &z1, failures);
            }
            rm_decim_pending(self, z, nch, &q, buf, channels, ch, c0);
            if (next && j > 0)
                rm_next_slice(self, t, osc, z, nch, vc_next, j - 1, L - 1, c0);
            rm_newton_complete(c, &z0, pair ? &z1 : NULL, failures);
            q.phase = j;
            q.frame = n;
            q.og = og;
            q.v[0] = rm_newton_finish(c, &z0, z[0].st, iterations);
            if (pair)
                q.v[1] = rm_newton_finish(c, &z1, z[1].st, iterations);
        }
        if (next && L == 1)
            rm_next_slice(self, t, osc, z, nch, vc_next, 0, 1, c0);
        for (int i = 0; i < nch; ++i) {
            double *swap = z[i].vin;
            z[i].vin = z[i].vin_next;
            z[i].vin_next = swap;
        }
        double *swap = vc;
        vc = vc_next;
        vc_next = swap;
    }
    rm_decim_pending(self, z, nch, &q, buf, channels, ch, c0);
}

/* Model "paper" (§2) for all channels, in the plain per-sample order. */
static void rm_paper_block(const rtd_ringmod *self, const rm_consts *c, const rm_targets *t,
                           rm_osc *osc, float *buf, int frames, int channels, int64_t *nonfinite)
{
    const int L = self->factor;
    double vc[RTD_PP_MAX_FACTOR], vin[RTD_PP_MAX_FACTOR], v[RTD_PP_MAX_FACTOR];
    for (int n = 0; n < frames; ++n) {
        rm_osc_step(osc, t);
        for (int j = 0; j < L; ++j)
            vc[j] = rm_carrier(osc, t->inc);
        float *p = buf + (long)n * channels;
        for (int ch = 0; ch < channels; ++ch) {
            double *st = self->state + 9 * ch;
            rtd_pp_interp(self->interp_taps, L, self->interp_hist + RTD_PP_HIST * ch,
                          osc->k * rm_input(p[ch], nonfinite), vin);
            for (int j = 0; j < L; ++j)
                v[j] = rm_paper_step(c, st, vin[j], vc[j]);
            p[ch] = (float)(osc->og * rtd_pp_decim(self->decim_taps, L,
                                                   self->decim_acc + RTD_PP_HIST * ch, v));
        }
    }
}

RM_SIMD_CLONES void rtd_ringmod_process(void *self_, float *buf, int frames, int channels)
{
    rtd_ringmod *self = (rtd_ringmod *)self_;
    rm_targets t;
    t.level = rtd_load(self->params, 0);
    t.k = rtd_load(self->params, 1);
    t.og = rtd_load(self->params, 2);
    t.s = rtd_load(self->params, 3);
    t.inc = rtd_load(self->params, 4);
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
    c.S = c.D1 + c.D2;
    c.Dd = c.D1 - c.D2;
    c.Dd2 = c.Dd * c.Dd;
    const rm_osc start = {self->smooth[0], self->smooth[1], self->smooth[2], self->smooth[3]};
    rm_osc osc = start;
    int64_t nonfinite = 0, iterations = 0, failures = 0;
    if (frames <= 0)
        return;
    if (self->model == 1) {
        rm_paper_block(self, &c, &t, &osc, buf, frames, channels, &nonfinite);
    } else {
        /* channel pairs (two interleaved Newton chains), then the odd one;
         * every group replays the shared smoothers and carrier from the
         * block start (identical values) */
        int ch = 0;
        for (; ch + 2 <= channels; ch += 2) {
            osc = start;
            rm_stable_group(self, &c, &t, &osc, buf, frames, channels, ch, 1,
                            &nonfinite, &iterations, &failures);
        }
        if (ch < channels) {
            osc = start;
            rm_stable_group(self, &c, &t, &osc, buf, frames, channels, ch, 0,
                            &nonfinite, &iterations, &failures);
        }
    }
    self->smooth[0] = osc.level;
    self->smooth[1] = osc.k;
    self->smooth[2] = osc.og;
    self->smooth[3] = osc.phi;
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
