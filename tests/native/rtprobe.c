/* rtprobe.c: test-only native helpers, compiled by tests/_rtprobe.py (never
 * part of the rtaudio package).
 *
 * - SCHED_FIFO canary threads, one pinned to each CPU: an independent
 *   witness of host stalls. Each sleeps to absolute deadlines every
 *   `period_ns` at a priority above the audio threads and records every
 *   wake-up gap longer than `period_ns + slack_ns`. Nothing rtaudio does in its callback can delay
 *   it (it preempts the callback thread), so a gap is the host not running
 *   this process (hypervisor, kernel).  docs/realtime.md §3.
 * - Mutants for the mutation check (docs/realtime.md §3.3): native chain
 *   slots with the kernel signature that busy-wait 2 ms in every 20th call
 *   (5 %), or take the GIL in every call.
 * - A marker slot for the allocation counter (rtalloc.c): flags the thread
 *   it runs in as the audio thread.
 */
#define _GNU_SOURCE
#include <Python.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

#define MAX_GAPS 65536

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- canary --------------------------------------------------------- */
/* One canary thread per CPU (pinned): the hypervisor stalls one virtual CPU
 * at a time, so a single canary on the other CPU would not see it. */
#define MAX_CANARIES 64
static pthread_t canary_threads[MAX_CANARIES];
static int canary_count;
static int canary_stop;
static int64_t canary_period_ns, canary_slack_ns;
static int64_t gap_start[MAX_GAPS], gap_end[MAX_GAPS];
static int64_t gap_count;        /* claimed atomically by the canaries */
static int64_t canary_wakeups;

static void *canary_main(void *arg)
{
    (void)arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    int64_t last = now_ns();
    while (!__atomic_load_n(&canary_stop, __ATOMIC_ACQUIRE)) {
        next.tv_nsec += canary_period_ns;
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
        const int64_t t = now_ns();
        if (t - last > canary_period_ns + canary_slack_ns) {
            const int64_t i = __atomic_fetch_add(&gap_count, 1, __ATOMIC_RELAXED);
            if (i < MAX_GAPS) { gap_start[i] = last; gap_end[i] = t; }
        }
        /* after a long gap, restart the schedule instead of catching up */
        if (t - last > 4 * canary_period_ns)
            clock_gettime(CLOCK_MONOTONIC, &next);
        last = t;
        __atomic_fetch_add(&canary_wakeups, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* Start one canary per online CPU; returns 0, or -1 if SCHED_FIFO at
 * `priority` is refused. */
int rtp_canary_start(int64_t period_ns, int64_t slack_ns, int priority)
{
    if (canary_count)
        return -2;
    canary_period_ns = period_ns;
    canary_slack_ns = slack_ns;
    gap_count = 0;
    canary_wakeups = 0;
    canary_stop = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) cpus = 1;
    if (cpus > MAX_CANARIES) cpus = MAX_CANARIES;
    for (int c = 0; c < cpus; ++c) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
        pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
        struct sched_param sp = { .sched_priority = priority };
        pthread_attr_setschedparam(&attr, &sp);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(c, &set);
        pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
        int err = pthread_create(&canary_threads[canary_count], &attr, canary_main, NULL);
        pthread_attr_destroy(&attr);
        if (err) {
            __atomic_store_n(&canary_stop, 1, __ATOMIC_RELEASE);
            for (int i = 0; i < canary_count; ++i) pthread_join(canary_threads[i], NULL);
            canary_count = 0;
            return -1;
        }
        canary_count++;
    }
    return 0;
}

/* Stop the canaries; returns the number of gaps recorded. */
int64_t rtp_canary_stop(void)
{
    if (!canary_count)
        return -1;
    __atomic_store_n(&canary_stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < canary_count; ++i)
        pthread_join(canary_threads[i], NULL);
    canary_count = 0;
    return gap_count < MAX_GAPS ? gap_count : MAX_GAPS;
}

int64_t rtp_canary_gaps(int64_t *starts, int64_t *ends, int64_t max)
{
    int64_t total = gap_count < MAX_GAPS ? gap_count : MAX_GAPS;
    int64_t n = total < max ? total : max;
    for (int64_t i = 0; i < n; ++i) { starts[i] = gap_start[i]; ends[i] = gap_end[i]; }
    return n;
}

int64_t rtp_canary_wakeups(void) { return canary_wakeups; }

/* ---- mutants: slots with the kernel signature ----------------------- */
static uint64_t stall_calls;

void rtp_stall_process(void *self, float *buf, int frames, int channels)
{
    (void)self; (void)buf; (void)frames; (void)channels;
    if (stall_calls++ % 20 == 19) {           /* 5 % of the blocks */
        const int64_t until = now_ns() + 2000000;  /* 2 ms busy-wait */
        while (now_ns() < until) {}
    }
}

void rtp_gil_process(void *self, float *buf, int frames, int channels)
{
    (void)self; (void)buf; (void)frames; (void)channels;
    PyGILState_STATE state = PyGILState_Ensure();
    PyGILState_Release(state);
}

/* ---- the allocation counter's marker slot --------------------------- */
void rtalloc_mark_this_thread(void) __attribute__((weak));

void rtp_mark_audio_process(void *self, float *buf, int frames, int channels)
{
    (void)self; (void)buf; (void)frames; (void)channels;
    if (rtalloc_mark_this_thread)
        rtalloc_mark_this_thread();
}

/* A mutant that allocates in the audio thread (proves the counter sees it). */
#include <stdlib.h>
void rtp_alloc_process(void *self, float *buf, int frames, int channels)
{
    (void)self; (void)frames; (void)channels;
    void *volatile p = malloc(64);
    if (p) { ((char *)p)[0] = (char)buf[0]; free(p); }
}
