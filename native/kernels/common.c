/* common.c: parameter atomics and floating-point mode of the audio thread. */
#include <stdint.h>
#include <math.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
#include "rtdsp.h"
#include "rtdsp_internal.h"

void rtd_param_store(double *params, int index, double value)
{
    __atomic_store(&params[index], &value, __ATOMIC_RELEASE);
}

double rtd_param_load(const double *params, int index)
{
    return rtd_load(params, index);
}

#if defined(__x86_64__) || defined(__i386__)
/* MXCSR bit 15 = FTZ, bit 6 = DAZ. */
#define RTD_FTZ_DAZ_BITS 0x8040u

unsigned int rtd_enable_ftz_daz(void)
{
    unsigned int previous = _mm_getcsr();
    _mm_setcsr(previous | RTD_FTZ_DAZ_BITS);
    return previous;
}

void rtd_restore_fp_mode(unsigned int previous)
{
    _mm_setcsr(previous);
}

int rtd_ftz_daz_enabled(void)
{
    return (_mm_getcsr() & RTD_FTZ_DAZ_BITS) == RTD_FTZ_DAZ_BITS;
}
#elif defined(__aarch64__)
/* FPCR bit 24 = FZ (flushes both inputs and outputs on AArch64). */
unsigned int rtd_enable_ftz_daz(void)
{
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1ull << 24)));
    return (unsigned int)fpcr;
}

void rtd_restore_fp_mode(unsigned int previous)
{
    uint64_t fpcr = previous;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
}

int rtd_ftz_daz_enabled(void)
{
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr >> 24) & 1u;
}
#else
unsigned int rtd_enable_ftz_daz(void) { return 0; }
void rtd_restore_fp_mode(unsigned int previous) { (void)previous; }
int rtd_ftz_daz_enabled(void) { return 0; }
#endif
