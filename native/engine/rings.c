/* rings.c: the one single-producer / single-consumer ring between the audio
 * thread and Python (docs/architecture.md §Rings).  It carries fixed-size
 * items: monitor records, float32 audio samples (taps, recording) and pitch
 * results.
 *
 * Indices are 64-bit and only grow; capacity is a power of two; item q lives
 * in slot q & (capacity − 1).  The producer publishes with a release store of
 * `head` after writing the slots, the consumer with a release store of `tail`
 * after copying them; each side reads the other's index with acquire.  A
 * write is all-or-nothing: with too little room the items are counted in
 * `dropped` and not written, and the producer never waits.
 */
#include <stdint.h>
#include <string.h>
#include "rtdsp.h"
#include "rtdsp_internal.h"

/* ---- the ring ------------------------------------------------------ */

int rtd_ring_write(rtd_ring *ring, const void *src, uint64_t count)
{
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (ring->capacity - (head - tail) < count) {
        __atomic_fetch_add(&ring->dropped, count, __ATOMIC_RELAXED);
        return 0;
    }
    const uint64_t size = ring->item_size;
    const uint64_t start = head & (ring->capacity - 1);
    uint64_t first = ring->capacity - start;   /* items up to the array's end */
    if (first > count)
        first = count;
    const unsigned char *bytes = (const unsigned char *)src;
    memcpy(ring->data + start * size, bytes, first * size);
    memcpy(ring->data, bytes + first * size, (count - first) * size);
    __atomic_store_n(&ring->head, head + count, __ATOMIC_RELEASE);
    return 1;
}

uint64_t rtd_ring_read(rtd_ring *ring, void *dst, uint64_t max)
{
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
    const uint64_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
    uint64_t n = head - tail;
    if (n > max)
        n = max;
    const uint64_t size = ring->item_size;
    const uint64_t start = tail & (ring->capacity - 1);
    uint64_t first = ring->capacity - start;
    if (first > n)
        first = n;
    unsigned char *bytes = (unsigned char *)dst;
    memcpy(bytes, ring->data + start * size, first * size);
    memcpy(bytes + first * size, ring->data, (n - first) * size);
    __atomic_store_n(&ring->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

uint64_t rtd_ring_available(const rtd_ring *ring)
{
    const uint64_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE) - tail;
}

uint64_t rtd_ring_head(const rtd_ring *ring)
{
    return __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
}

uint64_t rtd_ring_tail(const rtd_ring *ring)
{
    return __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
}

uint64_t rtd_ring_dropped(const rtd_ring *ring)
{
    return __atomic_load_n(&ring->dropped, __ATOMIC_ACQUIRE);
}

/* A producer that fills the slots itself (the Numba and reference YIN
 * kernels) makes the items before `head` visible here (release). */
void rtd_ring_publish(rtd_ring *ring, uint64_t head, uint64_t dropped)
{
    __atomic_store_n(&ring->dropped, dropped, __ATOMIC_RELEASE);
    __atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
}

/* ---- typed names kept for the callbacks ----------------------------- */

int rtd_monitor_push(rtd_monitor_ring *ring, const rtd_monitor_record *record)
{
    return rtd_ring_write(ring, record, 1);
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
    return rtd_ring_write(ring, &r, 1);
}

uint64_t rtd_monitor_pop(rtd_monitor_ring *ring, rtd_monitor_record *out, uint64_t max)
{
    return rtd_ring_read(ring, out, max);
}

int rtd_float_ring_write(rtd_float_ring *ring, const float *src, uint64_t count)
{
    return rtd_ring_write(ring, src, count);
}

uint64_t rtd_float_ring_read(rtd_float_ring *ring, float *dst, uint64_t max)
{
    return rtd_ring_read(ring, dst, max);
}

uint64_t rtd_float_ring_available(rtd_float_ring *ring)
{
    return rtd_ring_available(ring);
}
