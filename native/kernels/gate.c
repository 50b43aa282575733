/* gate.c: NoiseGate kernel, docs/maths/gate.md §1.4. */
#include <stdint.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

void rtd_gate_process(void *self_, float *buf, int frames, int channels)
{
    rtd_gate *self = (rtd_gate *)self_;
    const double alpha_attack = rtd_load(self->params, 0);
    const double alpha_release = rtd_load(self->params, 1);
    const double threshold_lin = rtd_load(self->params, 2);
    const double hold_samples = rtd_load(self->params, 3);
    int64_t nonfinite = 0;

    for (int ch = 0; ch < channels; ++ch) {
        double gs = self->state[2 * ch];
        double count = self->state[2 * ch + 1];
        float *p = buf + ch;
        for (int n = 0; n < frames; ++n, p += channels) {
            double x = (double)*p;
            if (!isfinite(x)) {          /* 0.5: never let NaN/Inf reach the state */
                x = 0.0;
                ++nonfinite;
            }
            const double xa = fabs(x);                      /* 1.4 step 1 */
            const double gc = xa >= threshold_lin ? 1.0 : 0.0; /* step 2 */
            if (gc == 1.0)                                  /* step 3 */
                count = 0.0;
            else
                count = count + 1.0 < hold_samples + 1.0 ? count + 1.0 : hold_samples + 1.0;
            if (gc > gs)                                    /* step 4: opening */
                gs = alpha_release * gs + (1.0 - alpha_release) * gc;
            else if (gc < gs && count > hold_samples)       /* closing after hold */
                gs = alpha_attack * gs + (1.0 - alpha_attack) * gc;
            *p = (float)(x * gs);                           /* step 5 */
            gs = rtd_flush(gs);
        }
        self->state[2 * ch] = gs;
        self->state[2 * ch + 1] = count;
    }
    self->counters[0] += nonfinite;
}

void rtd_gate_reset(void *self_)
{
    rtd_gate *self = (rtd_gate *)self_;
    const double hold_samples = rtd_load(self->params, 3);
    for (int ch = 0; ch < self->channels; ++ch) {
        self->state[2 * ch] = 0.0;                  /* 1.5: gate starts closed */
        self->state[2 * ch + 1] = hold_samples + 1.0; /* hold already expired */
    }
    self->counters[0] = 0;
}
