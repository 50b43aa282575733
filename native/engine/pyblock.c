/* pyblock.c: what the python-mode callback does after chain.process, in one
 * C call per block (docs/realtime.md §1): the input and output taps, the
 * recording ring and, after the last block of a callback, the monitor record
 * and the callback count. Uses the same rtd_engine struct and ring functions
 * as the native callback (callback.c, rings.c), so both modes fill the rings
 * identically. Also sets FTZ/DAZ for the calling thread (a no-op after the
 * first call: the flags are per thread and stay set).
 */
#include <stdint.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

void rtd_pyblock_end(rtd_engine *e, const float *chain_input, int frames, int last,
                     int64_t enter_ns, double input_time, double current_time, double output_time,
                     uint32_t callback_frames, uint32_t status, uint32_t nonfinite)
{
    rtd_enable_ftz_daz();
    const uint64_t samples = (uint64_t)frames * (uint64_t)e->channels;
    if (e->tap_in)
        rtd_float_ring_write(e->tap_in, chain_input, samples);
    if (e->tap_out)
        rtd_float_ring_write(e->tap_out, e->work, samples);
    if (e->record && !rtd_float_ring_write(e->record, e->work, samples))
        __atomic_fetch_add(&e->record_dropped_frames, (uint64_t)frames, __ATOMIC_RELAXED);
    if (!last)
        return;
    e->ftz_daz_seen = rtd_ftz_daz_enabled();
    __atomic_fetch_add(&e->nonfinite_total, (int64_t)nonfinite, __ATOMIC_RELAXED);
    const uint64_t index = __atomic_load_n(&e->callbacks, __ATOMIC_RELAXED);
    if (e->monitor)
        rtd_monitor_push_values(e->monitor, enter_ns, rtd_monotonic_ns(), input_time, current_time,
                                output_time, index, callback_frames, status, nonfinite);
    __atomic_store_n(&e->callbacks, index + 1, __ATOMIC_RELEASE);
}
