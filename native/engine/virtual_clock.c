/* virtual_clock.c: the virtual device, a clock thread that calls an audio
 * callback once per period like a sound card would (tests, and the fallback
 * when no audio device exists). It is not part of the real-time engine; it
 * only drives it.
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
#define PA_OUTPUT_UNDERFLOW 0x4u

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
        const PaStreamCallbackTimeInfo info = rtd_period_time_info((unsigned long)bs, v->samplerate);
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
