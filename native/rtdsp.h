/* rtdsp.h: the one header of rtaudio's native kernels.
 *
 * CFFI reads this file as-is (cdef), so it holds only declarations that
 * CFFI's parser understands: no #include, no #if, no macros with bodies.
 * The .c files include <stdint.h> before this header.
 *
 * Conventions (see ../shared/DESIGN.md, "Kernel conventions"):
 *  - every effect has a struct `rtd_<effect>` that Python allocates and
 *    fills with pointers to NumPy-owned arrays (params, state, counters);
 *  - `params` holds *targets* (derived coefficients, float64) that the
 *    control thread writes with rtd_param_store (atomic, lock-free) and
 *    the kernel reads once at the start of each block;
 *  - `rtd_<effect>_process(void *self, float *buf, int frames, int channels)`
 *    works in place on interleaved float32 frames; it never allocates,
 *    locks, logs or does I/O.  All effects share this signature so the
 *    native chain can hold them as plain function pointers;
 *  - `rtd_<effect>_reset(void *self)` returns the state to its initial
 *    value and snaps smoothers to their targets.
 */

/* ---- common -------------------------------------------------------- */

typedef void (*rtd_process_fn)(void *self, float *buf, int frames, int channels);
typedef void (*rtd_reset_fn)(void *self);

/* Atomic (release) store of one float64 parameter target. */
void rtd_param_store(double *params, int index, double value);
/* Atomic (acquire) load, for tests and the control thread. */
double rtd_param_load(const double *params, int index);

/* Set flush-to-zero and denormals-are-zero for the calling thread;
 * returns the previous control word so a caller can restore it. */
unsigned int rtd_enable_ftz_daz(void);
void rtd_restore_fp_mode(unsigned int previous);
/* 1 when FTZ and DAZ are both set for the calling thread. */
int rtd_ftz_daz_enabled(void);

/* ---- NoiseGate (specs/effects.md section 1) ------------------------ */

/* params: [0] alpha_attack  [1] alpha_release  [2] threshold_lin
 *         [3] hold_samples (integral value stored as double)
 * state:  channels x [gs, count]  (count is integral, stored as double)
 * counters: [0] nonfinite_count */
typedef struct {
    double *params;
    double *state;
    int64_t *counters;
    int channels;
} rtd_gate;

void rtd_gate_process(void *self, float *buf, int frames, int channels);
void rtd_gate_reset(void *self);

/* ---- LowPass, one pole (specs/effects.md section 2) ---------------- */

/* params: [0] a_target  [1] smoothing pole s (0.4 of the spec)
 * smooth: [0] a (current smoothed coefficient, shared by channels)
 * state:  channels x [y1]
 * counters: [0] nonfinite_count */
typedef struct {
    double *params;
    double *smooth;
    double *state;
    int64_t *counters;
    int channels;
} rtd_lowpass;

void rtd_lowpass_process(void *self, float *buf, int frames, int channels);
void rtd_lowpass_reset(void *self);

/* ---- RingModulator (specs/effects.md section 3) -------------------- */
/* (declarations of the ring modulator go here) */

/* ---- VCF (specs/effects.md section 4) ------------------------------ */
/* (declarations of the VCF go here) */

/* ---- YinTracker (specs/effects.md section 5) ----------------------- */
/* (declarations of the YIN tracker go here) */

/* ---- Engine: native chain, callback, monitor rings ------------------ */
/* (declarations of the engine go here) */
