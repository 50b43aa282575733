/* rtaudio_effect.h: the C interface of a user effect (rtaudio.c_effect).
 *
 * A C effect is one function
 *
 *     void my_process(const rtd_effect_block *b, float *buf, int frames, int channels);
 *
 * called by rtaudio's native shim once per block (frames <= b->max_block),
 * in the audio thread, with no Python and no GIL.  `buf` holds `frames`
 * interleaved frames of `channels` float32 samples (sample n of channel c
 * at buf[n * channels + c]), processed in place.  Before the call the shim
 * has replaced non-finite input samples by 0 and filled the per-sample
 * parameter values; after it, non-finite output samples become 0.
 *
 * Rules (docs/effects-api.md): no allocation, locks, I/O or system calls;
 * keep everything that must survive the block in the state arrays.
 *
 * rtaudio prepends, for each declared parameter and state field,
 *     #define PARAM_<name> <index>      #define STATE_<name> <index>
 * so `rtd_param(b, PARAM_gain_db)` names its parameter.  This header is
 * also compiled into rtaudio itself: the struct layout is the ABI.
 */
#ifndef RTAUDIO_EFFECT_H
#define RTAUDIO_EFFECT_H

#include <stdint.h>
#include <math.h>

#define RTAUDIO_EFFECT_ABI 1

typedef struct rtd_effect_block {
    const double *params;          /* n_params rows of param_stride doubles: row i holds the
                                      per-sample values of parameter i for this block */
    double *state;                 /* every state field, one contiguous float64 array */
    const int64_t *state_offset;   /* n_state: where field j starts in `state` */
    const int64_t *state_size;     /* n_state: values per channel of field j; channel c of
                                      field j is state[state_offset[j] + c * state_size[j] ...] */
    double sample_rate;            /* Hz */
    int32_t channels;
    int32_t frames;                /* frames of this call */
    int32_t max_block;             /* largest `frames` the kernel will see */
    int32_t param_stride;          /* doubles between two parameter rows (>= max_block) */
    int32_t n_params;
    int32_t n_state;
} rtd_effect_block;

/* Per-sample values of parameter `index` (use the PARAM_<name> constants). */
static inline const double *rtd_param(const rtd_effect_block *b, int index)
{
    return b->params + (int64_t)index * b->param_stride;
}

/* State field `index` for channel `channel`: state_size[index] doubles. */
static inline double *rtd_state(const rtd_effect_block *b, int index, int channel)
{
    return b->state + b->state_offset[index] + (int64_t)channel * b->state_size[index];
}

/* Values per channel of state field `index`. */
static inline int64_t rtd_state_size(const rtd_effect_block *b, int index)
{
    return b->state_size[index];
}

#endif
