/* rings.c: the single-producer / single-consumer rings between the audio
 * thread and Python: monitor records and float audio taps.
 *
 * Indices are 64-bit and only grow; capacity is a power of two. The producer
 * publishes with a release store of `head`, the consumer with a release store
 * of `tail`; each side reads the other's index with acquire.
 */
#include <stdint.h>
#include <string.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

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
