/* rtdsp_internal.h: inline helpers shared by the kernels (not seen by CFFI). */
#ifndef RTDSP_INTERNAL_H
#define RTDSP_INTERNAL_H

#include <math.h>

/* Flush threshold of docs/maths/conventions.md §0.6. */
#define RTD_FLUSH_BELOW 1e-30

/* Acquire load of a parameter target written by rtd_param_store. */
static inline double rtd_load(const double *params, int index)
{
    double value;
    __atomic_load(&params[index], &value, __ATOMIC_ACQUIRE);
    return value;
}

/* 0.6: a state variable below 1e-30 in magnitude becomes exactly 0.
 * The empty asm keeps this a (well predicted) branch: if the compiler turned
 * it into a compare-and-mask, the mask would sit on the loop-carried
 * dependency chain of every recursive filter and cost ~5 cycles a sample. */
static inline double rtd_flush(double v)
{
    if (__builtin_expect(fabs(v) < RTD_FLUSH_BELOW, 0)) {
        __asm__ volatile("");
        return 0.0;
    }
    return v;
}

/* 0.4: one step of the one-pole parameter smoother with snap-to-target. */
static inline double rtd_smooth_step(double current, double target, double s)
{
    if (current == target)
        return current;
    current = target + (current - target) * s;
    double scale = fabs(target) > 1.0 ? fabs(target) : 1.0;
    if (fabs(current - target) <= 1e-12 * scale)
        current = target;
    return current;
}

/* Time info for a device that has no stream clock of its own (the virtual
 * device, rtaudio's JACK client): now on CLOCK_MONOTONIC, input captured one
 * period ago, output heard one period from now. */
static inline PaStreamCallbackTimeInfo rtd_period_time_info(unsigned long frames, double samplerate)
{
    PaStreamCallbackTimeInfo info;
    const double now_s = (double)rtd_monotonic_ns() * 1e-9;
    const double period_s = (double)frames / samplerate;
    info.currentTime = now_s;
    info.inputBufferAdcTime = now_s - period_s;
    info.outputBufferDacTime = now_s + period_s;
    return info;
}

#endif
