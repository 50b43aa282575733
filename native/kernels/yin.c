/* yin.c: streaming YIN pitch tracker, docs/maths/yin.md.
 *
 * Per channel a ring of the last N samples and a count n_seen; whenever
 * n_seen − N is a non-negative multiple of the hop, the last N samples
 * form frame t = (n_seen − N)/hop and are analysed exactly as
 * librosa.yin(center=False) does (5.3).  The autocorrelation is computed
 * with rtaudio's own real FFT (fft.c), by one of two exact methods:
 * - block path (when a block length L, a power of two, divides N and the
 *   hop; chosen at prepare time, e.g. L = 256 for N = 2048, hop = 512):
 *   per-block spectra computed once per block and combined per frame as
 *   cross-spectra of block pairs (see "block path" below);
 * - whole-frame path (any other parameters): one zero-padded real FFT of
 *   length n_fft ≥ 2N − 1 per frame.
 * Everything else is O(p_max) (plus O(N) energy on the whole-frame path).  Results go to a lock-free single-producer/single-consumer
 * ring; the kernel never allocates, locks or blocks.
 */
#include <stdint.h>
#include <math.h>
#include <float.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"
#include "rtd_fft.h"

/* ------------------------------------------------------------ ring */

/* One result into the ring (native/engine/rings.c); dropped and counted
 * there when the reader is `capacity` results behind. */
static void ring_push(rtd_ring *ring, int channel, int64_t frame, double time_s,
                      double f0_hz, double confidence, int voiced)
{
    rtd_pitch_result r;
    r.frame = frame;
    r.time_s = time_s;
    r.f0_hz = f0_hz;
    r.confidence = confidence;
    r.channel = channel;
    r.voiced = (uint8_t)voiced;
    r.reserved[0] = r.reserved[1] = r.reserved[2] = 0;
    rtd_ring_write(ring, &r, 1);
}

/* ------------------------------------------------------- one frame */

/* out[i] = Σ_{k≤i} v[i] for i < n as 4 interleaved segment chains (4 times
 * the throughput of one serial chain), then each segment offset by the
 * total of the segments before it.  Rounding differs from one serial sum
 * at the 1e-16 relative level; the Numba mirror does the same steps. */
RTD_SIMD_CLONES static void prefix_sum4(const double *v, double *out, int n)   /* in place ok */
{
    const int seg = (n + 3) / 4;
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    for (int i = 0; i < seg; ++i) {
        for (int s = 0; s < 4; ++s) {
            const int idx = s * seg + i;
            if (idx < n) {
                acc[s] = acc[s] + v[idx];
                out[idx] = acc[s];
            }
        }
    }
    for (int s = 1; s < 4 && s * seg < n; ++s) {
        double offset;
        offset = out[s * seg - 1];           /* total before segment s (already offset) */
        const int stop = (s + 1) * seg < n ? (s + 1) * seg : n;
        for (int idx = s * seg; idx < stop; ++idx)
            out[idx] = offset + out[idx];
    }
}

/* 5.3.2-4: energy prefix E, difference d (librosa form, d[1] has no energy
 * term), cumulative mean normalised difference x[0..M-1].
 * cs[τ]/τ is computed as cs[τ]·inv_tau[τ] (inv_tau[τ] = 1/τ, a prepare-time
 * table: one division per lag instead of two).  scratch holds 2·p_max
 * doubles; r[1..p_max] is overwritten by the running sum of d.  Returns
 * E[p_max − 1]. */
RTD_SIMD_CLONES static double cmnd_from_autocorr(const double *y, double *r, int p_min,
                                                  int p_max, const double *inv_tau,
                                                  double *scratch, double *x)
{
    double *restrict energy = scratch;       /* E[0..p_max−1] */
    double *restrict diff = scratch + p_max; /* d[τ] at diff[τ − 1], τ = 1..p_max */
    for (int i = 0; i < p_max; ++i)
        energy[i] = y[i] * y[i];
    prefix_sum4(energy, energy, p_max);
    const double r0 = r[0];
    diff[0] = 2.0 * (r0 - r[1]) - 0.0;       /* d[1]: librosa zeroes E[0] */
    for (int tau = 2; tau <= p_max; ++tau)
        diff[tau - 1] = 2.0 * (r0 - r[tau]) - energy[tau - 1];   /* E[τ−1] */
    double *restrict cum = r + 1;            /* Σ_{j=1}^{τ} d[j] at cum[τ − 1] */
    prefix_sum4(diff, cum, p_max);
    const int first = p_min > 1 ? p_min : 1;
    for (int tau = first; tau <= p_max; ++tau)
        x[tau - p_min] = diff[tau - 1] / (cum[tau - 1] * inv_tau[tau] + DBL_MIN);
    return energy[p_max - 1];
}

/* 5.3.5-8 on x[0..M-1] plus confidence and voicing (energy = E[N−1]). */
static void pick_period(const rtd_yin *self, const double *x, double energy,
                        double trough_threshold, double silence_db, double *out)
{
    const int N = (int)self->config[0];
    const int p_min = (int)self->config[2];
    const int M = (int)self->config[3] - p_min + 1;
    /* 5.3.6-7: first trough below the threshold, else the global minimum
     * (first occurrence), found in one pass: the minimum is tracked while
     * searching for the trough. */
    int best = -1, best_min = 0;
    double x_min = x[0];
    if (x[0] < x[1] && x[0] < trough_threshold)
        best = 0;
    for (int i = 1; best < 0 && i < M - 1; ++i) {
        const double xi = x[i];
        if (xi < x_min) {
            x_min = xi;
            best_min = i;
        }
        if (xi < trough_threshold && xi < x[i - 1] && xi <= x[i + 1])
            best = i;
    }
    if (best < 0 && x[M - 1] < x[M - 2] && x[M - 1] < trough_threshold)
        best = M - 1;
    const int found = best >= 0;
    if (!found)
        best = x[M - 1] < x_min ? M - 1 : best_min;
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
    double mean_power = energy / (double)N;
    if (!(mean_power > 1e-20))
        mean_power = 1e-20;
    const double rms_db = 10.0 * log10(mean_power);
    out[0] = self->sample_rate / period;
    out[1] = confidence;
    out[2] = (found && rms_db > silence_db) ? 1.0 : 0.0;
    out[3] = (double)best;
}

/* Whole-frame path: one zero-padded real FFT of length n_fft ≥ 2N − 1. */
static void yin_frame(rtd_yin *self, const double *y, double trough_threshold,
                      double silence_db, double *out)
{
    const int N = (int)self->config[0];
    const int p_min = (int)self->config[2];
    const int p_max = (int)self->config[3];
    const int n_fft = (int)self->config[4];
    const rtd_fft_plan plan = {n_fft, self->cos_m, self->sin_m, self->cos_n,
                               self->sin_n, self->bitrev};
    double *r = self->work + 2 * n_fft;      /* r[0..p_max] */
    double *x = r + (p_max + 1);             /* cmnd[0..M-1] */

    /* 5.3.1: r[τ] = irfft(|rfft(y, n_fft)|²)[τ], τ ≤ p_max */
    rtd_autocorr(&plan, y, N, self->work, r, p_max + 1);
    double e = cmnd_from_autocorr(y, r, p_min, p_max, self->inv_tau,
                                  r + 2 * (p_max + 1), x);   /* scratch after x */
    for (int j = p_max; j < N; ++j)          /* E[N−1] for the rms */
        e = e + y[j] * y[j];
    pick_period(self, x, e, trough_threshold, silence_db, out);
}

/* ---------------------------------------------------- block path
 *
 * Used when the block length L (config[5], a power of two ≥ 8 chosen at
 * prepare time) divides both N and the hop: the frame is B = N/L blocks
 * y_b, and r[τ] = Σ_{b ≤ b'} Σ_i y_b[i]·y_b'[i + τ − (b' − b)·L].  With
 * F_b = rfft(y_b, 2L) (computed once, when block b is complete, and reused
 * by every frame that contains it) and, for each block distance d,
 * S_d = Σ_{b=0}^{B−1−d} conj(F_b)·F_{b+d}, the circular cross-correlation
 * c_d = irfft(S_d, 2L) holds the lags k = −(L−1)..L−1 of block pairs at
 * distance d, so r[qL + j] = c_q[j] + c_{q+1}[L + j] for 0 ≤ j < L (index
 * L + j is lag j − L; the j = 0 term of c_{q+1} is 0 in exact arithmetic).
 * That sum is c_q plus c_{q+1} circularly shifted by L, so one inverse
 * gives it: U_q = S_q + (−1)^k·S_{q+1}, r[qL + j] = irfft(U_q, 2L)[j].
 * Only d < D = min(B, ⌈p_max/L⌉ + 1) reach lags ≤ p_max, and q ≤ p_max/L
 * (e.g. N = 2048, hop 512, p_max = 734: L = 256, 2 forward FFTs of length
 * 512 per hop, D = 4 cross-spectra, 3 inverse FFTs of length 512).
 * Exact maths (docs/maths/yin.md §5.3.1 allows any exact method);
 * rounding differs from one long FFT at the 1e-16·r[0] level. */

/* Spectra layout: re[0..L] at 0, im[0..L] at half_stride(L) = L + 8, one
 * block slot every slot_stride(L) = 2L + 32 doubles; the padding keeps
 * the arrays read together off 4 KiB multiples (store/load aliasing). */
static inline int64_t half_stride(int64_t L) { return L + 8; }
static inline int64_t slot_stride(int64_t L) { return 2 * L + 32; }

static rtd_fft_plan block_plan(const rtd_yin *self)
{
    const rtd_fft_plan plan = {2 * (int)self->config[5], self->cos_m, self->sin_m,
                               self->cos_n, self->sin_n, self->bitrev};
    return plan;
}

/* Spectrum and energy of one complete block y[0..L-1] into a slot. */
static void block_spectrum(rtd_yin *self, const double *y, double *spec, double *energy)
{
    const int L = (int)self->config[5];
    const rtd_fft_plan plan = block_plan(self);
    double *fft_work = self->work;           /* 4L doubles, free between frames */
    rtd_rfft(&plan, y, L, fft_work, spec, spec + half_stride(L));
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;   /* 4 chains: L % 4 == 0 */
    for (int i = 0; i < L; i += 4) {
        s0 = s0 + y[i] * y[i];
        s1 = s1 + y[i + 1] * y[i + 1];
        s2 = s2 + y[i + 2] * y[i + 2];
        s3 = s3 + y[i + 3] * y[i + 3];
    }
    *energy = (s0 + s1) + (s2 + s3);
}

/* S_d for one d: Σ_b conj(F_b)·F_{b+d}, b = 0..B−1−d, frame block b in
 * slot (first + b) % B.  Bins are rounded up to a multiple of 4 (L + 4):
 * the slots' padding (zeros, never written) makes the extra bins 0. */
static void cross_spectrum(const rtd_yin *self, const double *spectra, int first, int d,
                           double *s_re, double *s_im)
{
    const int L = (int)self->config[5];
    const int B = (int)self->config[7];
    rtd_cross_spectrum(spectra, first, B, slot_stride(L), d, (int)half_stride(L), L + 4,
                       s_re, s_im);
}

/* One frame from its block spectra (frame block b in slot (first + b) % B)
 * and the frame's first p_max samples y (energy prefix). */
static void yin_frame_blocks(rtd_yin *self, const double *y, const double *spectra,
                             const double *block_energy, int first, double trough_threshold,
                             double silence_db, double *out)
{
    const int p_min = (int)self->config[2];
    const int p_max = (int)self->config[3];
    const int L = (int)self->config[5];
    const int D = (int)self->config[6];
    const int B = (int)self->config[7];
    const int M = p_max - p_min + 1;
    const int n_q = p_max / L + 1;                   /* lag ranges [qL, qL + L) */
    const int64_t stride = slot_stride(L), hs = half_stride(L);
    const rtd_fft_plan plan = block_plan(self);
    double *fft_work = self->work;                   /* 4L */
    double *r = fft_work + 4 * L;                    /* p_max + 1 */
    double *x = r + (p_max + 1);                     /* M */
    double *spec = x + M;                            /* D slots: S_d, then U_q */

    for (int d = 0; d < D; ++d)
        cross_spectrum(self, spectra, first, d, spec + d * stride, spec + d * stride + hs);
    for (int q = 0; q < n_q; ++q) {
        double *u = spec + q * stride;
        if (q + 1 < D)                               /* U_q = S_q + (−1)^k S_{q+1} */
            rtd_add_alternating(u, u + hs, u + stride, u + stride + hs, L + 1);
        const int jmax = p_max - q * L < L - 1 ? p_max - q * L : L - 1;
        rtd_irfft_head(&plan, u, u + hs, fft_work, r + q * L, jmax + 1);  /* r[qL + j] = u_q[j] */
    }
    const int n_q_all = p_max / L + 1;
    double *scratch = spec + D * stride + (int64_t)n_q_all * 2 * L;   /* 2·p_max */
    cmnd_from_autocorr(y, r, p_min, p_max, self->inv_tau, scratch, x);
    double e = block_energy[first % B];              /* E[N−1] = Σ block energies */
    for (int b = 1; b < B; ++b)
        e = e + block_energy[(first + b) % B];
    pick_period(self, x, e, trough_threshold, silence_db, out);
}

void rtd_yin_analyse(rtd_yin *self, const double *frame, double *out)
{
    const double threshold = rtd_load(self->params, 0), silence_db = rtd_load(self->params, 1);
    const int L = (int)self->config[5];
    if (L == 0) {
        yin_frame(self, frame, threshold, silence_db, out);
        return;
    }
    /* the spare spectra set after the channels' */
    const int B = (int)self->config[7];
    double *spectra = self->spectra + (int64_t)self->channels * B * slot_stride(L);
    double *energy = self->block_energy + (int64_t)self->channels * B;
    for (int b = 0; b < B; ++b)
        block_spectrum(self, frame + (int64_t)b * L, spectra + b * slot_stride(L),
                       energy + b);
    yin_frame_blocks(self, frame, spectra, energy, 0, threshold, silence_db, out);
}

/* ---------------------------------------------------------- stream */

/* Append `take` samples of every channel (interleaved buf, from frame pos)
 * to the history rings, non-finite values as 0.0 (5.0); returns the count
 * of non-finite values. */
RTD_SIMD_CLONES static int64_t append_samples(rtd_yin *self, const float *buf, int pos, int take,
                                              int channels, int64_t seen)
{
    const int64_t N = self->config[0];
    int64_t nonfinite = 0;
    for (int ch = 0; ch < channels; ++ch) {
        double *hist = self->history + (int64_t)ch * N;
        int64_t w = seen % N;
        const float *p = buf + (int64_t)pos * channels + ch;
        int done = 0;
        while (done < take) {                /* contiguous runs up to the ring's end */
            const int run = (int)(N - w < take - done ? N - w : take - done);
            double *restrict dst = hist + w;
            const float *restrict src = p + (int64_t)done * channels;
            int64_t bad = 0;
            if (channels == 1) {             /* unit stride: vectorises */
                for (int n = 0; n < run; ++n) {
                    const double v = (double)src[n];
                    const int finite = isfinite(v);
                    bad += !finite;
                    dst[n] = finite ? v : 0.0;
                }
            } else {
                for (int n = 0; n < run; ++n) {
                    const double v = (double)src[(int64_t)n * channels];
                    const int finite = isfinite(v);
                    bad += !finite;
                    dst[n] = finite ? v : 0.0;   /* 0.5: never buffer NaN/Inf */
                }
            }
            nonfinite += bad;
            done += run;
            w = w + run == N ? 0 : w + run;
        }
        self->n_seen[ch] = seen + take;
    }
    return nonfinite;
}

/* Copy the first `count` samples of the frame ending at n_seen = seen. */
static void copy_frame(const rtd_yin *self, const double *hist, int64_t seen, int64_t count)
{
    const int64_t N = self->config[0];
    const int64_t oldest = seen % N;
    const int64_t first_part = N - oldest < count ? N - oldest : count;
    for (int64_t i = 0; i < first_part; ++i)
        self->frame[i] = hist[oldest + i];
    for (int64_t i = first_part; i < count; ++i)
        self->frame[i] = hist[i - first_part];
}

/* Whole-frame path (config[5] == 0): stop at each frame completion. */
static int64_t process_frames(rtd_yin *self, float *buf, int frames, int channels,
                              double trough_threshold, double silence_db)
{
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
        nonfinite += append_samples(self, buf, pos, take, channels, seen);
        seen += take;
        pos += take;
        if (seen == next) {                  /* frame complete in every channel */
            const int64_t t = (seen - N) / hop;
            const double time_s = ((double)(t * hop) + (double)N / 2.0) / fs;
            for (int ch = 0; ch < channels; ++ch) {
                copy_frame(self, self->history + (int64_t)ch * N, seen, N);
                double out[4];
                yin_frame(self, self->frame, trough_threshold, silence_db, out);
                ring_push(self->ring, ch, t, time_s, out[0], out[1], out[2] != 0.0);
            }
            self->counters[1] += 1;
        }
    }
    return nonfinite;
}

/* Block path (config[5] = L > 0): stop at each block completion, keep its
 * spectrum and energy; frames complete at block boundaries (L | hop, L | N). */
static int64_t process_blocks(rtd_yin *self, float *buf, int frames, int channels,
                              double trough_threshold, double silence_db)
{
    const int64_t N = self->config[0];
    const int64_t hop = self->config[1];
    const int p_max = (int)self->config[3];
    const int64_t L = self->config[5];
    const int64_t B = self->config[7];
    const int64_t stride = slot_stride(L);
    const double fs = self->sample_rate;
    int64_t seen = self->n_seen[0];          /* equal for all channels */
    int64_t nonfinite = 0;
    int pos = 0;
    while (pos < frames) {
        const int64_t next = (seen / L + 1) * L;    /* next block boundary */
        const int64_t room = (int64_t)(frames - pos);
        const int take = (int)(next - seen < room ? next - seen : room);
        nonfinite += append_samples(self, buf, pos, take, channels, seen);
        seen += take;
        pos += take;
        if (seen != next)
            continue;
        const int64_t slot = (seen / L - 1) % B;    /* block just completed */
        for (int ch = 0; ch < channels; ++ch) {
            const double *hist = self->history + (int64_t)ch * N;
            block_spectrum(self, hist + (seen - L) % N,        /* contiguous: L | N */
                           self->spectra + (ch * B + slot) * stride,
                           self->block_energy + ch * B + slot);
        }
        if (seen >= N && (seen - N) % hop == 0) {   /* frame complete (5.2) */
            const int64_t t = (seen - N) / hop;
            const double time_s = ((double)(t * hop) + (double)N / 2.0) / fs;
            const int first = (int)(((seen - N) / L) % B);
            for (int ch = 0; ch < channels; ++ch) {
                copy_frame(self, self->history + (int64_t)ch * N, seen, p_max);
                double out[4];
                yin_frame_blocks(self, self->frame, self->spectra + ch * B * stride,
                                 self->block_energy + ch * B, first, trough_threshold,
                                 silence_db, out);
                ring_push(self->ring, ch, t, time_s, out[0], out[1], out[2] != 0.0);
            }
            self->counters[1] += 1;
        }
    }
    return nonfinite;
}

void rtd_yin_process(void *self_, float *buf, int frames, int channels)
{
    rtd_yin *self = (rtd_yin *)self_;
    const double trough_threshold = rtd_load(self->params, 0);
    const double silence_db = rtd_load(self->params, 1);
    const int64_t nonfinite = self->config[5] > 0
        ? process_blocks(self, buf, frames, channels, trough_threshold, silence_db)
        : process_frames(self, buf, frames, channels, trough_threshold, silence_db);
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
