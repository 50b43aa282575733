/* user_effect.c: the shim in front of a user kernel (rtaudio.effect,
 * rtaudio.c_effect); docs/effects-api.md §5.
 *
 * Per call, in the audio thread and without Python:
 *   1. non-finite input samples become 0.0 (counted), so the user's state
 *      never sees them;
 *   2. each parameter target is read once (rtd_load) and expanded into
 *      per-sample values: smoothed parameters follow the built-ins' 10 ms
 *      one-pole smoother (rtd_smooth_step), the others are constant;
 *   3. the user kernel runs on at most max_block frames at a time;
 *   4. non-finite output samples become 0.0 (counted); a block with any
 *      of them also zeroes the kernel's state (and runs its reset kernel),
 *      so one bad value cannot keep the effect silent or poison the
 *      processors that follow. */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

/* Replace non-finite samples by 0.0; returns how many there were.  The
 * common case (none) is one branch-free, vectorisable counting pass. */
static int64_t sanitise(float *x, int count)
{
    int bad = 0;
    for (int k = 0; k < count; ++k)
        bad += !isfinite(x[k]);
    if (__builtin_expect(bad == 0, 1))
        return 0;
    for (int k = 0; k < count; ++k)
        if (!isfinite(x[k]))
            x[k] = 0.0f;
    return bad;
}

static void fill_params(rtd_user_effect *u, int frames)
{
    const int np = u->block.n_params;
    const double s = rtd_load(u->targets, np);
    for (int i = 0; i < np; ++i) {
        const double target = rtd_load(u->targets, i);
        double *row = u->param_values + (int64_t)i * u->block.param_stride;
        double cur = u->current[i];
        if (u->smoothed[i] && cur != target) {
            for (int n = 0; n < frames; ++n) {
                cur = rtd_smooth_step(cur, target, s);
                row[n] = cur;
            }
        } else {
            cur = target;
            for (int n = 0; n < frames; ++n)
                row[n] = cur;
        }
        u->current[i] = cur;
    }
}

/* The reset kernel sees one frame holding the parameters' current values
 * (docs/effects-api.md §2, §6); the next fill_params rewrites the rows. */
static void run_reset_kernel(rtd_user_effect *u)
{
    if (!u->reset_kernel)
        return;
    rtd_effect_block *b = &u->block;
    for (int i = 0; i < b->n_params; ++i)
        u->param_values[(int64_t)i * b->param_stride] = u->current[i];
    b->frames = 1;
    if (u->kind == 1)
        ((rtd_effect_reset_c_fn)u->reset_kernel)(b);
    else
        ((rtd_effect_reset_numba_fn)u->reset_kernel)(b->params, b->param_stride, b->state,
                                                     b->state_offset, b->state_size,
                                                     b->channels, b->sample_rate);
}

static void zero_state(rtd_user_effect *u)
{
    if (u->state_total > 0)
        memset(u->block.state, 0, (size_t)u->state_total * sizeof(double));
}

void rtd_user_effect_process(void *self, float *buf, int frames, int channels)
{
    rtd_user_effect *u = (rtd_user_effect *)self;
    rtd_effect_block *b = &u->block;
    const int max_block = b->max_block;
    int64_t bad_in = 0, bad_out = 0, bad_blocks = 0;
    if (__builtin_expect(__atomic_load_n(&u->reset_request, __ATOMIC_RELAXED), 0)
        && __atomic_exchange_n(&u->reset_request, 0, __ATOMIC_ACQ_REL))
        rtd_user_effect_reset(u);
    /* FTZ/DAZ for the user kernel everywhere (the native callback has them
     * on already): offline and python-mode runs then give the native bits,
     * and a decaying signal never slows the kernel with subnormals. */
    const int had_ftz_daz = rtd_ftz_daz_enabled();
    const unsigned int fp_mode = had_ftz_daz ? 0u : rtd_enable_ftz_daz();

    for (int done = 0; done < frames;) {
        int n = frames - done;
        if (n > max_block)
            n = max_block;
        float *x = buf + (int64_t)done * channels;
        const int count = n * channels;
        bad_in += sanitise(x, count);
        fill_params(u, n);
        b->frames = n;
        if (u->kind == 1)
            ((rtd_effect_c_fn)u->kernel)(b, x, n, channels);
        else
            ((rtd_effect_numba_fn)u->kernel)(x, n, channels, b->params, b->param_stride,
                                             b->state, b->state_offset, b->state_size,
                                             b->sample_rate);
        const int64_t bad = sanitise(x, count);
        if (bad) {
            bad_out += bad;
            ++bad_blocks;
            zero_state(u);
            run_reset_kernel(u);
        }
        done += n;
    }
    u->counters[0] += bad_in;
    u->counters[1] += bad_out;
    u->counters[2] += bad_blocks;
    if (!had_ftz_daz)
        rtd_restore_fp_mode(fp_mode);
}

void rtd_user_effect_reset(void *self)
{
    rtd_user_effect *u = (rtd_user_effect *)self;
    const int np = u->block.n_params;
    for (int i = 0; i < np; ++i)
        u->current[i] = rtd_load(u->targets, i);
    zero_state(u);
    const int had_ftz_daz = rtd_ftz_daz_enabled();
    const unsigned int fp_mode = had_ftz_daz ? 0u : rtd_enable_ftz_daz();
    run_reset_kernel(u);
    if (!had_ftz_daz)
        rtd_restore_fp_mode(fp_mode);
    u->counters[0] = u->counters[1] = u->counters[2] = 0;
}

void rtd_user_effect_request_reset(void *self)
{
    rtd_user_effect *u = (rtd_user_effect *)self;
    __atomic_store_n(&u->reset_request, 1, __ATOMIC_RELEASE);
}
