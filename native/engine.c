/* engine.c: the native chain, the PortAudio callback, the SPSC rings of the
 * monitor and the audio taps, and the virtual device's clock.
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

/* ---- monitor ring -------------------------------------------------- */

int rtd_monitor_push(rtd_monitor_ring *ring, const rtd_monitor_record *record)
{
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= ring->capacity) {
        __atomic_fetch_add(&ring->lost, 1, __ATOMIC_RELAXED);
        return 0;
    }
    ring->records[head & (ring->capacity - 1)] = *record;
    __atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE);
    return 1;
}

int rtd_monitor_push_values(rtd_monitor_ring *ring, int64_t enter_ns, int64_t exit_ns,
                            double input_time, double current_time, double output_time,
                            uint64_t index, uint32_t frames, uint32_t status, uint32_t nonfinite)
{
    rtd_monitor_record r;
    r.enter_ns = enter_ns;
    r.exit_ns = exit_ns;
    r.input_time = input_time;
    r.current_time = current_time;
    r.output_time = output_time;
    r.index = index;
    r.frames = frames;
    r.status = status;
    r.nonfinite = nonfinite;
    r.reserved = 0;
    return rtd_monitor_push(ring, &r);
}

uint64_t rtd_monitor_pop(rtd_monitor_ring *ring, rtd_monitor_record *out, uint64_t max)
{
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
    uint64_t n = head - tail;
    if (n > max)
        n = max;
    for (uint64_t i = 0; i < n; ++i)
        out[i] = ring->records[(tail + i) & (ring->capacity - 1)];
    __atomic_store_n(&ring->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

/* ---- float ring ---------------------------------------------------- */

int rtd_float_ring_write(rtd_float_ring *ring, const float *src, uint64_t count)
{
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (ring->capacity - (head - tail) < count) {
        __atomic_fetch_add(&ring->dropped, count, __ATOMIC_RELAXED);
        return 0;
    }
    const uint64_t mask = ring->capacity - 1;
    const uint64_t start = head & mask;
    uint64_t first = ring->capacity - start;
    if (first > count)
        first = count;
    memcpy(ring->data + start, src, first * sizeof(float));
    memcpy(ring->data, src + first, (count - first) * sizeof(float));
    __atomic_store_n(&ring->head, head + count, __ATOMIC_RELEASE);
    return 1;
}

uint64_t rtd_float_ring_available(rtd_float_ring *ring)
{
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) - tail;
}

uint64_t rtd_float_ring_read(rtd_float_ring *ring, float *dst, uint64_t max)
{
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
    uint64_t n = head - tail;
    if (n > max)
        n = max;
    const uint64_t mask = ring->capacity - 1;
    const uint64_t start = tail & mask;
    uint64_t first = ring->capacity - start;
    if (first > n)
        first = n;
    memcpy(dst, ring->data + start, first * sizeof(float));
    memcpy(dst + first, ring->data, (n - first) * sizeof(float));
    __atomic_store_n(&ring->tail, tail + n, __ATOMIC_RELEASE);
    return n;
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

/* ---- virtual device ------------------------------------------------ */

static void add_ns(struct timespec *ts, int64_t ns)
{
    int64_t total = (int64_t)ts->tv_nsec + ns;
    ts->tv_sec += (time_t)(total / 1000000000LL);
    ts->tv_nsec = (long)(total % 1000000000LL);
}

static int64_t ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000000000LL + (int64_t)ts->tv_nsec;
}

void rtd_virtual_request_stop(rtd_virtual *device)
{
    __atomic_store_n(&device->stop, 1, __ATOMIC_RELEASE);
}

uint64_t rtd_virtual_run(rtd_virtual *v)
{
    const int bs = v->blocksize;
    const int64_t period_ns = (int64_t)llround(1e9 * (double)bs / v->samplerate);
    const int64_t step_ns = v->speed > 0.0 ? (int64_t)llround((double)period_ns / v->speed) : 0;
    uint64_t in_pos = 0;
    struct timespec deadline;
    unsigned long status = 0;
    if (v->realtime) {  /* best effort: SCHED_FIFO like JACK's -R; ignored if refused */
        struct sched_param param;
        memset(&param, 0, sizeof param);
        param.sched_priority = 10;
        pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);

    while (!__atomic_load_n(&v->stop, __ATOMIC_ACQUIRE)) {
        const uint64_t done = __atomic_load_n(&v->callbacks, __ATOMIC_RELAXED);
        if (v->max_callbacks && done >= v->max_callbacks)
            break;
        if (step_ns > 0) {
            add_ns(&deadline, step_ns);
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {
            }
            /* Like a device with `buffer_periods` of buffering: a late thread
             * catches up with back-to-back callbacks while the lag fits in
             * the buffer; beyond it, the lost periods are skipped and
             * reported as an output underflow. */
            const int64_t late = rtd_monotonic_ns() - ts_ns(&deadline);
            const int64_t slack = (int64_t)(v->buffer_periods > 1 ? v->buffer_periods : 1) * step_ns;
            if (late > slack) {
                const int64_t skipped = late / step_ns;
                add_ns(&deadline, skipped * step_ns);
                v->missed += (uint64_t)skipped;
                status |= PA_OUTPUT_UNDERFLOW;
            }
        }
        /* input: cyclic over the source */
        if (v->input && v->input_frames && v->in_channels > 0) {
            for (int n = 0; n < bs; ++n) {
                memcpy(v->in_block + (size_t)n * (size_t)v->in_channels,
                       v->input + in_pos * (uint64_t)v->in_channels,
                       (size_t)v->in_channels * sizeof(float));
                if (++in_pos == v->input_frames)
                    in_pos = 0;
            }
        } else if (v->in_channels > 0) {
            memset(v->in_block, 0, (size_t)bs * (size_t)v->in_channels * sizeof(float));
        }
        PaStreamCallbackTimeInfo info;
        const double now_s = (double)rtd_monotonic_ns() * 1e-9;
        const double period_s = (double)bs / v->samplerate;
        info.currentTime = now_s;
        info.inputBufferAdcTime = now_s - period_s;
        info.outputBufferDacTime = now_s + period_s;
        const int rc = v->callback(v->in_channels > 0 ? v->in_block : NULL, v->out_block,
                                   (unsigned long)bs, &info, status, v->userdata);
        status = 0;
        const uint64_t written = v->output_written;
        if (v->output && written < v->output_frames) {
            uint64_t n = v->output_frames - written;
            if (n > (uint64_t)bs)
                n = (uint64_t)bs;
            memcpy(v->output + written * (uint64_t)v->out_channels, v->out_block,
                   (size_t)n * (size_t)v->out_channels * sizeof(float));
            __atomic_store_n(&v->output_written, written + n, __ATOMIC_RELEASE);
        }
        __atomic_store_n(&v->callbacks, done + 1, __ATOMIC_RELEASE);
        if (rc != PA_CONTINUE) {
            v->result = rc;
            break;
        }
    }
    return __atomic_load_n(&v->callbacks, __ATOMIC_ACQUIRE);
}
