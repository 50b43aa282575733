/* callback.c: the native chain and the PortAudio callback (the rings are in
 * rings.c, the virtual device's clock in virtual_clock.c).
 *
 * The callback never allocates, locks, logs or calls Python: everything it
 * touches (engine struct, chain slots, work buffer, rings) was allocated by
 * Python before the stream started and is kept alive by the Engine.
 * Cross-thread data moves only through __atomic release/acquire operations
 * on 64-bit indices (single producer, single consumer).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

#define PA_CONTINUE 0
#define PA_ABORT 2
#define PA_OUTPUT_UNDERFLOW 0x4u

int64_t rtd_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + (int64_t)ts.tv_nsec;
}

/* ---- engine -------------------------------------------------------- */

void rtd_engine_set_chain(rtd_engine *engine, rtd_chain_desc *chain)
{
    __atomic_store_n(&engine->chain, chain, __ATOMIC_RELEASE);
}

uint64_t rtd_engine_callbacks(rtd_engine *engine)
{
    return __atomic_load_n(&engine->callbacks, __ATOMIC_ACQUIRE);
}

void rtd_engine_request_stop(rtd_engine *engine, int stop)
{
    __atomic_store_n(&engine->stop, stop, __ATOMIC_RELEASE);
}

/* Input channel c of the chain reads stream channel c mod in_channels (a
 * mono microphone feeds every channel); counts non-finite input samples. */
static uint32_t load_input(const rtd_engine *e, const float *in, float *work, int frames)
{
    const int ch = e->channels;
    uint32_t nonfinite = 0;
    if (in == NULL || e->in_channels <= 0) {
        memset(work, 0, (size_t)frames * (size_t)ch * sizeof(float));
        return 0;
    }
    const int ich = e->in_channels;
    for (int n = 0; n < frames; ++n) {
        const float *src = in + (size_t)n * (size_t)ich;
        float *dst = work + (size_t)n * (size_t)ch;
        for (int c = 0; c < ch; ++c) {
            const float x = src[ich >= ch ? c : c % ich];
            nonfinite += !isfinite(x);
            dst[c] = x;
        }
    }
    return nonfinite;
}

/* Whatever the kernels wrote (user kernels included), no NaN/Inf reaches
 * the device, the taps or the recorder: non-finite samples become 0.0 and
 * are counted with the input's (docs/effects-api.md §10). */
static uint32_t sanitise_output(float *work, int count)
{
    uint32_t nonfinite = 0;
    for (int k = 0; k < count; ++k) {
        if (__builtin_expect(!isfinite(work[k]), 0)) {
            work[k] = 0.0f;
            ++nonfinite;
        }
    }
    return nonfinite;
}

/* Output channel c takes chain channel c mod channels. */
static void store_output(const rtd_engine *e, const float *work, float *out, int frames)
{
    const int ch = e->channels;
    const int och = e->out_channels;
    for (int n = 0; n < frames; ++n) {
        const float *src = work + (size_t)n * (size_t)ch;
        float *dst = out + (size_t)n * (size_t)och;
        for (int c = 0; c < och; ++c)
            dst[c] = src[och <= ch ? c : c % ch];
    }
}

int rtd_engine_callback(const void *input, void *output, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time_info,
                        unsigned long status, void *userdata)
{
    const int64_t enter = rtd_monotonic_ns();
    rtd_engine *e = (rtd_engine *)userdata;
    /* FTZ/DAZ are per thread and a new stream thread starts without them. */
    rtd_enable_ftz_daz();
    e->ftz_daz_seen = rtd_ftz_daz_enabled();

    const rtd_chain_desc *chain = __atomic_load_n(&e->chain, __ATOMIC_ACQUIRE);
    const float *in = (const float *)input;
    float *out = (float *)output;
    const int ch = e->channels;
    uint32_t nonfinite = 0;

    for (unsigned long done = 0; done < frames;) {
        int n = (int)(frames - done);
        if (n > e->max_block)
            n = e->max_block;
        nonfinite += load_input(e, in ? in + done * (unsigned long)e->in_channels : NULL, e->work, n);
        if (e->tap_in)
            rtd_float_ring_write(e->tap_in, e->work, (uint64_t)n * (uint64_t)ch);
        if (chain) {
            for (int s = 0; s < chain->count; ++s) {
                const rtd_slot *slot = &chain->slots[s];
                if (!slot->bypass)
                    slot->process(slot->self, e->work, n, ch);
            }
        }
        nonfinite += sanitise_output(e->work, n * ch);
        if (e->tap_out)
            rtd_float_ring_write(e->tap_out, e->work, (uint64_t)n * (uint64_t)ch);
        if (e->record && !rtd_float_ring_write(e->record, e->work, (uint64_t)n * (uint64_t)ch))
            __atomic_fetch_add(&e->record_dropped_frames, (uint64_t)n, __ATOMIC_RELAXED);
        if (out)
            store_output(e, e->work, out + done * (unsigned long)e->out_channels, n);
        done += (unsigned long)n;
    }
    __atomic_fetch_add(&e->nonfinite_total, (int64_t)nonfinite, __ATOMIC_RELAXED);

    const uint64_t index = __atomic_load_n(&e->callbacks, __ATOMIC_RELAXED);
    if (e->monitor) {
        rtd_monitor_record r;
        r.enter_ns = enter;
        r.input_time = time_info ? time_info->inputBufferAdcTime : 0.0;
        r.current_time = time_info ? time_info->currentTime : 0.0;
        r.output_time = time_info ? time_info->outputBufferDacTime : 0.0;
        r.index = index;
        r.frames = (uint32_t)frames;
        r.status = (uint32_t)status;
        r.nonfinite = nonfinite;
        r.reserved = 0;
        r.exit_ns = rtd_monotonic_ns();
        rtd_monitor_push(e->monitor, &r);
    }
    __atomic_store_n(&e->callbacks, index + 1, __ATOMIC_RELEASE);
    return __atomic_load_n(&e->stop, __ATOMIC_ACQUIRE) ? PA_ABORT : PA_CONTINUE;
}
