/* softclip.c: a drive stage in C for rtaudio.c_effect (see softclip.py).
 *
 * y = tanh(g·x) / tanh(g) after a one-pole DC blocker, g = 10^(drive_db/20);
 * `mix` blends dry and driven.  The DC blocker's memory (x1, y1 per channel)
 * is the effect's state.  PARAM_* and STATE_* are defined by rtaudio. */
void softclip_process(const rtd_effect_block *b, float *buf, int frames, int channels)
{
    const double *drive_db = rtd_param(b, PARAM_drive_db);
    const double *mix = rtd_param(b, PARAM_mix);
    const double r = exp(-2.0 * M_PI * 10.0 / b->sample_rate);   /* DC blocker pole, 10 Hz */
    for (int c = 0; c < channels; ++c) {
        double *dc = rtd_state(b, STATE_dc, c);                    /* [x1, y1] */
        double x1 = dc[0], y1 = dc[1];
        for (int n = 0; n < frames; ++n) {
            const double x = buf[n * channels + c];
            const double y = x - x1 + r * y1;
            x1 = x;
            y1 = y;
            const double g = pow(10.0, drive_db[n] / 20.0);
            const double wet = tanh(g * y) / tanh(g);
            buf[n * channels + c] = (float)((1.0 - mix[n]) * x + mix[n] * wet);
        }
        dc[0] = x1;
        dc[1] = fabs(y1) < 1e-30 ? 0.0 : y1;
    }
}
