/* lowpass.c: one-pole low-pass, docs/maths/lowpass.md §2.1, with the
 * per-sample coefficient smoother of docs/maths/conventions.md §0.4.
 *
 * Eq. 2.1 is evaluated as y = fma(1 − a, y1, a·x): the recursion's
 * loop-carried chain is then one fused multiply-add (4 cycles) instead of
 * a multiply and a dependent add (6–8 cycles), and y is rounded once
 * instead of twice.  This is a deliberate exception to
 * docs/maths/conventions.md §0.8 (no FMA the reference does not do): the
 * float64 reference rounds a·x + (1 − a)·y1 twice, so C and Numba (which
 * calls the same correctly rounded fma) agree with each other bit for bit
 * and with the reference within one float32 ulp (docs/maths/lowpass.md
 * §2.5; tests/test_backends_agree.py).  fma() is exact on every CPU; where
 * the CPU has no FMA unit (the "default" clone) it is libm's slower
 * software version, with the same result. */
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define RTD_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define RTD_FMA_CLONES
#endif

RTD_FMA_CLONES void rtd_lowpass_process(void *self_, float *buf, int frames, int channels)
{
    rtd_lowpass *self = (rtd_lowpass *)self_;
    const double a_target = rtd_load(self->params, 0);
    const double s = rtd_load(self->params, 1);
    double a = self->smooth[0];
    double one_minus_a = 1.0 - a;
    int64_t nonfinite = 0;

    if (channels == 1) {
        /* Mono fast path, same arithmetic.  The loop-carried chain is the
         * one fma of eq. 2.1; everything else is kept off it and out of the
         * loop so the loop runs at that latency: the coefficient is smoothed
         * only while it differs from its target (once snapped it stays
         * there, 0.4), and non-finite input is a predicted-not-taken branch. */
        double y1 = self->state[0];
        int n = 0;
        for (; n < frames && a != a_target; ++n) {
            a = rtd_smooth_step(a, a_target, s);
            one_minus_a = 1.0 - a;
            double x = (double)buf[n];
            float out_zero = 1.0f;
            if (!isfinite(x)) {  /* 0.5: the state sees 0.0, the output is 0.0 */
                x = 0.0;
                out_zero = 0.0f;
                ++nonfinite;
            }
            const double y = fma(one_minus_a, y1, a * x);    /* eq. 2.1 */
            buf[n] = (float)y * out_zero;
            y1 = rtd_flush(y);
        }
        for (; n < frames; ++n) {
            const double x = (double)buf[n];
            double y;
            if (__builtin_expect(isfinite(x), 1)) {
                y = fma(one_minus_a, y1, a * x);            /* eq. 2.1 */
                buf[n] = (float)y;
            } else {                                        /* 0.5, as above */
                y = fma(one_minus_a, y1, a * 0.0);
                buf[n] = (float)y * 0.0f;
                ++nonfinite;
            }
            y1 = rtd_flush(y);
        }
        self->state[0] = y1;
    } else {
        double *y1 = self->state;
        float *p = buf;
        for (int n = 0; n < frames; ++n) {
            if (a != a_target) {
                a = rtd_smooth_step(a, a_target, s);
                one_minus_a = 1.0 - a;
            }
            for (int ch = 0; ch < channels; ++ch, ++p) {
                double x = (double)*p;
                float out_zero = 1.0f;
                if (!isfinite(x)) {
                    x = 0.0;
                    out_zero = 0.0f;
                    ++nonfinite;
                }
                const double y = fma(one_minus_a, y1[ch], a * x);
                *p = (float)y * out_zero;
                y1[ch] = rtd_flush(y);
            }
        }
    }
    self->smooth[0] = a;
    self->counters[0] += nonfinite;
}

void rtd_lowpass_reset(void *self_)
{
    rtd_lowpass *self = (rtd_lowpass *)self_;
    for (int ch = 0; ch < self->channels; ++ch)
        self->state[ch] = 0.0;
    self->smooth[0] = rtd_load(self->params, 0);
    self->counters[0] = 0;
}
