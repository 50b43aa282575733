/* node.c: one processor in a stream, and the only way its state changes
 * under the audio thread (docs/realtime.md §2).
 *
 * Every chain slot (native mode) and every per-block call from Python
 * (python mode) goes through rtd_node_process. The node holds a pointer to
 * the kernel's current state struct. A structural change builds, configures
 * and resets a new struct off the audio thread and publishes it with one
 * atomic pointer swap (rtd_node_publish); a reset requested while streaming
 * is a flag the audio thread consumes at the start of its next block.
 *
 * Retiring the old struct: the audio thread numbers its blocks
 * (`entered`, then `finished` once the kernel returned). rtd_node_publish
 * swaps the pointer and then reads `entered` = E (both sequentially
 * consistent): every block numbered above E loads the pointer after the swap,
 * so the old struct is unused once `finished` >= E. One thread at a time
 * calls a node (the stream's callback thread).
 */
#include <stdint.h>
#include <stddef.h>
#include "rtdsp.h"

void rtd_node_process(void *self, float *buf, int frames, int channels)
{
    rtd_node *node = (rtd_node *)self;
    const uint64_t block = __atomic_add_fetch(&node->entered, 1, __ATOMIC_SEQ_CST);
    void *state = __atomic_load_n(&node->state, __ATOMIC_SEQ_CST);
    if (__atomic_exchange_n(&node->reset_requested, 0, __ATOMIC_ACQ_REL) && node->reset != NULL)
        node->reset(state);
    node->process(state, buf, frames, channels);
    __atomic_store_n(&node->finished, block, __ATOMIC_RELEASE);
}

uint64_t rtd_node_publish(rtd_node *node, void *state)
{
    __atomic_store_n(&node->state, state, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&node->entered, __ATOMIC_SEQ_CST);
}

void rtd_node_request_reset(rtd_node *node)
{
    __atomic_store_n(&node->reset_requested, 1, __ATOMIC_RELEASE);
}

int rtd_node_take_reset(rtd_node *node)
{
    return __atomic_exchange_n(&node->reset_requested, 0, __ATOMIC_ACQ_REL);
}

uint64_t rtd_node_finished(const rtd_node *node)
{
    return __atomic_load_n(&node->finished, __ATOMIC_ACQUIRE);
}

uint64_t rtd_node_entered(const rtd_node *node)
{
    return __atomic_load_n(&node->entered, __ATOMIC_ACQUIRE);
}
