/* player.c: a sound file as the input of a live stream (`--play FILE`).
 *
 * The device opens an output-only stream; its callback is
 * rtd_player_callback, which takes the next frames of the preloaded file
 * (looping or, past the end, silence) and hands them to the engine's
 * callback as if they were the device's input. Nothing is allocated here:
 * Python allocates the file data and the scratch block.
 */
#include <stdint.h>
#include <string.h>
#include "rtdsp.h"

uint64_t rtd_player_fill(rtd_player *p, float *dst, uint64_t frames)
{
    const size_t ch = (size_t)p->channels;
    uint64_t done = 0;
    uint64_t pos = p->pos;
    while (done < frames) {
        if (pos >= p->frames) {
            if (p->loop && p->frames > 0) {
                pos = 0;
            } else {
                memset(dst + done * ch, 0, (size_t)(frames - done) * ch * sizeof(float));
                __atomic_store_n(&p->finished, 1, __ATOMIC_RELEASE);
                break;
            }
        }
        uint64_t n = p->frames - pos;
        if (n > frames - done)
            n = frames - done;
        memcpy(dst + done * ch, p->data + pos * ch, (size_t)n * ch * sizeof(float));
        pos += n;
        done += n;
    }
    p->pos = pos;
    return done;
}

int rtd_player_callback(const void *input, void *output, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time_info,
                        unsigned long status, void *userdata)
{
    (void)input;
    rtd_player *p = (rtd_player *)userdata;
    int rc = 0;
    for (unsigned long done = 0; done < frames;) {
        unsigned long n = frames - done;
        if (n > (unsigned long)p->max_frames)
            n = (unsigned long)p->max_frames;
        rtd_player_fill(p, p->scratch, n);
        float *out = output ? (float *)output + done * (unsigned long)p->out_channels : NULL;
        rc = p->inner(p->scratch, out, n, time_info, status, p->inner_userdata);
        done += n;
        if (rc != 0)
            break;
    }
    return rc;
}
