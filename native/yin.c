/* yin.c: streaming YIN pitch tracker, specs/effects.md section 5.
 *
 * Per channel a ring of the last N samples and a count n_seen; whenever
 * n_seen − N is a non-negative multiple of the hop, the last N samples
 * form frame t = (n_seen − N)/hop and are analysed exactly as
 * librosa.yin(center=False) does (5.3).  The autocorrelation is computed
 * in O(N log N) with rtaudio's own real FFT (fft.c); everything else is
 * O(p_max).  Results go to a lock-free single-producer/single-consumer
 * ring; the kernel never allocates, locks or blocks.
 */
#include <stdint.h>
#include <math.h>
#include <float.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"
#include "rtd_fft.h"

/* ------------------------------------------------------------ ring */

int64_t rtd_yin_ring_head(const rtd_yin_ring *ring)
{
    return __atomic_load_n(&ring->index[0], __ATOMIC_ACQUIRE);
}

int64_t rtd_yin_ring_tail(const rtd_yin_ring *ring)
{
    return __atomic_load_n(&ring->index[8], __ATOMIC_ACQUIRE);
}

int64_t rtd_yin_ring_dropped(const rtd_yin_ring *ring)
{
    return __atomic_load_n(&ring->index[1], __ATOMIC_ACQUIRE);
}

/* Producer: make the results before `head` visible (release). */
void rtd_yin_ring_publish(rtd_yin_ring *ring, int64_t head, int64_t dropped)
{
    __atomic_store_n(&ring->index[1], dropped, __ATOMIC_RELEASE);
    __atomic_store_n(&ring->index[0], head, __ATOMIC_RELEASE);
}

/* Consumer: hand the slots before `tail` back to the producer (release). */
void rtd_yin_ring_consume(rtd_yin_ring *ring, int64_t tail)
{
    __atomic_store_n(&ring->index[8], tail, __ATOMIC_RELEASE);
}

static void ring_push(rtd_yin_ring *ring, int channel, int64_t frame, double time_s,
                      double f0_hz, double confidence, int voiced)
{
    const int64_t head = __atomic_load_n(&ring->index[0], __ATOMIC_RELAXED);
    const int64_t tail = __atomic_load_n(&ring->index[8], __ATOMIC_ACQUIRE);
    if (head - tail >= ring->capacity) {       /* reader behind: drop, count */
        const int64_t dropped = __atomic_load_n(&ring->index[1], __ATOMIC_RELAXED);
        __atomic_store_n(&ring->index[1], dropped + 1, __ATOMIC_RELEASE);
        return;
    }
    const int64_t slot = head & (ring->capacity - 1);
    ring->channel[slot] = channel;
    ring->frame[slot] = frame;
    ring->time_s[slot] = time_s;
    ring->f0_hz[slot] = f0_hz;
    ring->confidence[slot] = confidence;
    ring->voiced[slot] = (uint8_t)voiced;
    __atomic_store_n(&ring->index[0], head + 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------- one frame */

static void yin_frame(rtd_yin *self, const double *y, double trough_threshold,
                      double silence_db, double *out)
{
    const int N = (int)self->config[0];
    const int p_min = (int)self->config[2];
    const int p_max = (int)self->config[3];
    const int n_fft = (int)self->config[4];
    const int M = p_max - p_min + 1;
    const rtd_fft_plan plan = {n_fft, self->cos_m, self->sin_m, self->cos_n,
                               self->sin_n, self->bitrev};
    double *r = self->work + 2 * n_fft;      /* r[0..p_max] */
    double *x = r + (p_max + 1);             /* cmnd[0..M-1] */

    /* 5.3.1: r[τ] = irfft(|rfft(y, n_fft)|²)[τ], τ ≤ p_max */
    rtd_autocorr(&plan, y, N, self->work, r, p_max + 1);

    /* 5.3.2-4: energy prefix E, difference d (librosa form, d[1] has no
     * energy term), cumulative mean normalised difference.  d is not
     * stored: cmnd only needs d[τ] and the running sum of d[1..τ]. */
    const double r0 = r[0];
    double e = y[0] * y[0];                  /* E[0] */
    double d = 2.0 * (r0 - r[1]) - 0.0;      /* d[1]: librosa zeroes E[0] */
    double cs = d;                           /* Σ_{j=1}^{τ} d[j] */
    if (p_min <= 1)
        x[1 - p_min] = d / (cs / 1.0 + DBL_MIN);
    for (int tau = 2; tau <= p_max; ++tau) {
        e = e + y[tau - 1] * y[tau - 1];     /* E[τ−1] */
        d = 2.0 * (r0 - r[tau]) - e;
        cs = cs + d;
        if (tau >= p_min)
            x[tau - p_min] = d / (cs / (double)tau + DBL_MIN);
    }
    for (int j = p_max; j < N; ++j)          /* E[N−1] for the rms */
        e = e + y[j] * y[j];

    /* 5.3.6-7: first trough below the threshold, else the global minimum */
    int best = -1;
    for (int i = 0; i < M; ++i) {
        int trough;
        if (i == 0)
            trough = x[0] < x[1];
        else if (i == M - 1)
            trough = x[M - 1] < x[M - 2];
        else
            trough = x[i] < x[i - 1] && x[i] <= x[i + 1];
        if (trough && x[i] < trough_threshold) {
            best = i;
            break;
        }
    }
    const int found = best >= 0;
    if (!found) {
        best = 0;
        for (int i = 1; i < M; ++i)
            if (x[i] < x[best])
                best = i;
    }
    /* 5.3.5: parabolic shift at the chosen index */
    double shift = 0.0;
    if (best > 0 && best < M - 1) {
        const double a = x[best + 1] + x[best - 1] - 2.0 * x[best];
        const double b = (x[best + 1] - x[best - 1]) / 2.0;
        if (!(fabs(b) >= fabs(a)))
            shift = -b / a;
    }
    const double period = (double)(p_min + best) + shift;   /* 5.3.8 */
    double confidence = 1.0 - x[best];
    confidence = confidence < 0.0 ? 0.0 : (confidence > 1.0 ? 1.0 : confidence);
    double mean_power = e / (double)N;
    if (!(mean_power > 1e-20))
        mean_power = 1e-20;
    const double rms_db = 10.0 * log10(mean_power);
    out[0] = self->sample_rate / period;
    out[1] = confidence;
    out[2] = (found && rms_db > silence_db) ? 1.0 : 0.0;
    out[3] = (double)best;
}

void rtd_yin_analyse(rtd_yin *self, const double *frame, double *out)
{
    yin_frame(self, frame, rtd_load(self->params, 0), rtd_load(self->params, 1), out);
}

/* ---------------------------------------------------------- stream */

void rtd_yin_process(void *self_, float *buf, int frames, int channels)
{
    rtd_yin *self = (rtd_yin *)self_;
    const double trough_threshold = rtd_load(self->params, 0);
    const double silence_db = rtd_load(self->params, 1);
    const int64_t N = self->config[0];
    const int64_t hop = self->config[1];
    const double fs = self->sample_rate;
    int64_t seen = self->n_seen[0];          /* equal for all channels */
    int64_t nonfinite = 0;
    int pos = 0;

    while (pos < frames) {
        /* n_seen at which the next frame completes (5.2) */
        const int64_t next = seen < N ? N : N + ((seen - N) / hop + 1) * hop;
        const int64_t room = (int64_t)(frames - pos);
        const int take = (int)(next - seen < room ? next - seen : room);
        for (int ch = 0; ch < channels; ++ch) {
            double *hist = self->history + (int64_t)ch * N;
            int64_t w = seen % N;
            const float *p = buf + (int64_t)pos * channels + ch;
            for (int n = 0; n < take; ++n, p += channels) {
                double v = (double)*p;
                if (!isfinite(v)) {          /* 0.5: never buffer NaN/Inf */
                    v = 0.0;
                    ++nonfinite;
                }
                hist[w] = v;
                if (++w == N)
                    w = 0;
            }
            self->n_seen[ch] = seen + take;
        }
        seen += take;
        pos += take;
        if (seen == next) {                  /* frame complete in every channel */
            const int64_t t = (seen - N) / hop;
            const double time_s = ((double)(t * hop) + (double)N / 2.0) / fs;
            const int64_t oldest = seen % N;
            for (int ch = 0; ch < channels; ++ch) {
                const double *hist = self->history + (int64_t)ch * N;
                int64_t k = 0;
                for (int64_t i = oldest; i < N; ++i)
                    self->frame[k++] = hist[i];
                for (int64_t i = 0; i < oldest; ++i)
                    self->frame[k++] = hist[i];
                double out[4];
                yin_frame(self, self->frame, trough_threshold, silence_db, out);
                ring_push(self->ring, ch, t, time_s, out[0], out[1], out[2] != 0.0);
            }
            self->counters[1] += 1;
        }
    }
    self->counters[0] += nonfinite;
}

void rtd_yin_reset(void *self_)
{
    rtd_yin *self = (rtd_yin *)self_;
    const int64_t N = self->config[0];
    for (int64_t i = 0; i < (int64_t)self->channels * N; ++i)
        self->history[i] = 0.0;
    for (int ch = 0; ch < self->channels; ++ch)
        self->n_seen[ch] = 0;
    self->counters[0] = 0;
    self->counters[1] = 0;
}
