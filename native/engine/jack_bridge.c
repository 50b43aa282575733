/* jack_bridge.c: a JACK client's process callback that runs the native
 * engine callback (docs/realtime.md §4.1).
 *
 * JACK hands one non-interleaved float buffer per port; the engine callback
 * takes PortAudio's interleaved layout. The bridge copies between the two
 * through scratch blocks Python allocated, so the period costs two copies
 * and no allocation, lock or system call. The shutdown and xrun hooks run
 * in libjack's threads and only store flags; the engine's monitor thread
 * reads them (rtd_jack_bridge_lost) to notice a lost server and reopen.
 */
#include <stdint.h>
#include <string.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

#define PA_INPUT_OVERFLOW 0x2u
#define PA_OUTPUT_UNDERFLOW 0x4u
#define PA_CONTINUE 0

int rtd_jack_process(uint32_t nframes, void *arg)
{
    rtd_jack_bridge *b = (rtd_jack_bridge *)arg;
    const int ich = b->in_channels, och = b->out_channels;
    float *ins[64];
    float *outs[64];
    for (int c = 0; c < ich; ++c)
        ins[c] = (float *)b->port_get_buffer(b->in_ports[c], nframes);
    for (int c = 0; c < och; ++c)
        outs[c] = (float *)b->port_get_buffer(b->out_ports[c], nframes);

    unsigned long status = __atomic_exchange_n(&b->xrun, 0, __ATOMIC_ACQ_REL)
                           ? (PA_INPUT_OVERFLOW | PA_OUTPUT_UNDERFLOW) : 0u;
    uint32_t done = 0;
    while (done < nframes && !b->finished) {
        uint32_t n = nframes - done;
        if (n > b->max_frames)
            n = b->max_frames;
        for (uint32_t k = 0; k < n; ++k)
            for (int c = 0; c < ich; ++c)
                b->in_scratch[(size_t)k * (size_t)ich + (size_t)c] = ins[c][done + k];
        const PaStreamCallbackTimeInfo info = rtd_period_time_info(n, b->samplerate);
        const int rc = b->inner(ich > 0 ? b->in_scratch : NULL, b->out_scratch, n, &info, status,
                                b->inner_userdata);
        status = 0;
        for (uint32_t k = 0; k < n; ++k)
            for (int c = 0; c < och; ++c)
                outs[c][done + k] = b->out_scratch[(size_t)k * (size_t)och + (size_t)c];
        done += n;
        if (rc != PA_CONTINUE)
            b->finished = 1;
    }
    for (int c = 0; c < och; ++c)  /* after a stop request: silence */
        if (done < nframes)
            memset(outs[c] + done, 0, (size_t)(nframes - done) * sizeof(float));
    return 0;
}

void rtd_jack_shutdown(void *arg)
{
    rtd_jack_bridge *b = (rtd_jack_bridge *)arg;
    __atomic_store_n(&b->shutdown, 1, __ATOMIC_RELEASE);
}

int rtd_jack_xrun(void *arg)
{
    rtd_jack_bridge *b = (rtd_jack_bridge *)arg;
    __atomic_store_n(&b->xrun, 1, __ATOMIC_RELEASE);
    return 0;
}

int rtd_jack_bridge_lost(rtd_jack_bridge *b)
{
    return __atomic_load_n(&b->shutdown, __ATOMIC_ACQUIRE);
}

/* libjack reports connection failures through a process-wide printer; the
 * JACK backend installs this one (never called from the process callback). */
void rtd_jack_silent(const char *message)
{
    (void)message;
}
