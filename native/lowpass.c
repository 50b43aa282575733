/* lowpass.c: one-pole low-pass, specs/effects.md section 2.1, with the
 * per-sample coefficient smoother of section 0.4. */
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

void rtd_lowpass_process(void *self_, float *buf, int frames, int channels)
{
    rtd_lowpass *self = (rtd_lowpass *)self_;
    const double a_target = rtd_load(self->params, 0);
    const double s = rtd_load(self->params, 1);
    double a = self->smooth[0];
    double one_minus_a = 1.0 - a;
    int64_t nonfinite = 0;

    if (channels == 1) {
        /* Mono fast path: same arithmetic, y1 kept in a register. */
        double y1 = self->state[0];
        for (int n = 0; n < frames; ++n) {
            if (a != a_target) {
                a = rtd_smooth_step(a, a_target, s);
                one_minus_a = 1.0 - a;
            }
            double x = (double)buf[n];
            float out_zero = 1.0f;
            if (!isfinite(x)) {  /* 0.5: the state sees 0.0, the output is 0.0 */
                x = 0.0;
                out_zero = 0.0f;
                ++nonfinite;
            }
            const double y = a * x + one_minus_a * y1;      /* eq. 2.1 */
            buf[n] = (float)y * out_zero;
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
                const double y = a * x + one_minus_a * y1[ch];
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
