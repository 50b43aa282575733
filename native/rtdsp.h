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
/* params (targets, read once per block):
 *   [0] carrier_level (V)   [1] input_gain k   [2] output_gain
 *   [3] smoothing pole s (0.4, at the base rate)
 *   [4] carrier phase increment carrier_hz/(L*fs)
 *   [5] D1 = C/T + T/Lh + 1/Rm   [6] D2 = C/T + T/Lh + 1/Ra
 *   [7] D3 = Cp/T + 1/Ri         [8] C/T   [9] Cp/T   [10] T/Lh
 *   [11] 1/Rm  [12] 1/Ra  [13] 1/Ri  [14] T/C  [15] T/Cp
 * smooth: [0] carrier_level  [1] input_gain  [2] output_gain  [3] phi
 * state:  channels x 9: u1 u2 u3 i1 i2 u4 u5 u6 u7
 * interp_hist, decim_acc: channels x 57 (native/polyphase.h)
 * interp_taps: 57 x factor;  decim_taps: factor x 57
 * counters: [0] nonfinite_count [1] solver_failures [2] newton_iterations
 * model: 0 = "stable" (spec 3.4), 1 = "paper" (spec 3.3) */
typedef struct {
    double *params;
    double *smooth;
    double *state;
    double *interp_hist;
    double *decim_acc;
    double *interp_taps;
    double *decim_taps;
    int64_t *counters;
    int channels;
    int factor;
    int model;
} rtd_ringmod;

void rtd_ringmod_process(void *self, float *buf, int frames, int channels);
void rtd_ringmod_reset(void *self);

/* ---- VCF (specs/effects.md section 4) ------------------------------ */
/* params: [0] K target = I0/(2C) [A/F]  [1] gfdbk target  [2] drive target
 *         [3] output_gain target  [4] smoothing pole s (0.4, base rate)
 *         [5] T = 1/(L·fs) of the model [s]
 * smooth: [0] K  [1] gfdbk  [2] drive  [3] output_gain (current, shared,
 *         stepped once per base-rate sample)
 * state:  channels x 16 [s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41
 *                        xc1 xc2 xc3 xc4]
 * factor L = 1: the paper's model at fs, no resampling (the four
 * polyphase pointers are not used).  L > 1: the model runs at L·fs between
 * the polyphase interpolator and decimator of specs/effects.md 3.5
 * (native/polyphase.h): interp_hist, decim_acc: channels x 57;
 * interp_taps: 57 x L;  decim_taps: L x 57.
 * counters: [0] nonfinite_count  [1] nonconverged_samples
 *           [2] max_iterations_last_block  [3] total_iterations
 *           [4] model samples solved (frames x channels x L) */
typedef struct {
    double *params;
    double *smooth;
    double *state;
    double *interp_hist;
    double *decim_acc;
    double *interp_taps;
    double *decim_taps;
    int64_t *counters;
    int channels;
    int factor;
} rtd_vcf;

void rtd_vcf_process(void *self, float *buf, int frames, int channels);
void rtd_vcf_reset(void *self);

/* ---- YinTracker (specs/effects.md section 5) ----------------------- */
/* Lock-free single-producer / single-consumer ring of pitch results,
 * every array allocated by Python (NumPy).  index (int64, 16 entries):
 * [0] head, written only by the producer (release); [1] results dropped
 * because the ring was full (producer); [8] tail, written only by the
 * consumer (release).  Result number q lives in slot q & (capacity − 1)
 * of each column; capacity is a power of two. */
typedef struct {
    int64_t *index;
    int32_t *channel;
    int64_t *frame;
    double *time_s;
    double *f0_hz;
    double *confidence;
    uint8_t *voiced;
    int64_t capacity;
} rtd_yin_ring;

int64_t rtd_yin_ring_head(const rtd_yin_ring *ring);
int64_t rtd_yin_ring_tail(const rtd_yin_ring *ring);
int64_t rtd_yin_ring_dropped(const rtd_yin_ring *ring);
void rtd_yin_ring_publish(rtd_yin_ring *ring, int64_t head, int64_t dropped);
void rtd_yin_ring_consume(rtd_yin_ring *ring, int64_t tail);

/* params: [0] trough_threshold  [1] silence_db  (targets, rtd_param_store)
 * config: [0] frame_length N  [1] hop_length  [2] p_min  [3] p_max  [4] n_fft
 *         [5] block length L (0: whole-frame FFT path)  [6] D lag blocks
 *         [7] B = N/L blocks per frame  (block path: see native/yin.c)
 * history: channels x N ring of the last N input samples (float64)
 * n_seen: channels, samples received since reset
 * frame: N doubles;  work: scratch (size from rtaudio/processors/yin.py)
 * cos_m, sin_m, cos_n, sin_n: n/2 doubles;  bitrev: n/2 int32 (FFT tables,
 *   see native/rtd_fft.h; n = n_fft, or 2·L on the block path)
 * spectra: (channels + 1) x B x (2L + 32) doubles: rfft of each block of
 *   the current frame (re[0..L] at 0, im[0..L] at L + 8); the extra set
 *   is for rtd_yin_analyse
 * block_energy: (channels + 1) x B doubles: Σ y² of each block
 * inv_tau: p_max + 1 doubles, inv_tau[τ] = 1/τ (τ ≥ 1)
 * counters: [0] nonfinite_count  [1] frames analysed */
typedef struct {
    double *params;
    int64_t *config;
    double *history;
    int64_t *n_seen;
    double *frame;
    double *work;
    double *cos_m;
    double *sin_m;
    double *cos_n;
    double *sin_n;
    int32_t *bitrev;
    double *spectra;
    double *block_energy;
    double *inv_tau;
    int64_t *counters;
    rtd_yin_ring *ring;
    double sample_rate;
    int channels;
} rtd_yin;

void rtd_yin_process(void *self, float *buf, int frames, int channels);
void rtd_yin_reset(void *self);
/* Analyse one frame of N float64 samples (spec 5.3): out = [f0_hz,
 * confidence, voiced, selected cmnd index]; for tests and benchmarks. */
void rtd_yin_analyse(rtd_yin *self, const double *frame, double *out);

/* ---- Engine: native chain, callback, monitor rings ------------------ */
/* PortAudio's callback time info (three doubles, seconds on the stream
 * clock), declared here so no PortAudio header is needed. */
typedef struct {
    double inputBufferAdcTime;
    double currentTime;
    double outputBufferDacTime;
} PaStreamCallbackTimeInfo;

/* One record per callback (64 bytes; rtaudio/monitor.py has the matching
 * NumPy dtype).  Times in ns are CLOCK_MONOTONIC. */
typedef struct {
    int64_t enter_ns;
    int64_t exit_ns;
    double input_time;      /* PaStreamCallbackTimeInfo.inputBufferAdcTime */
    double current_time;    /* .currentTime */
    double output_time;     /* .outputBufferDacTime */
    uint64_t index;         /* callback number since the stream started */
    uint32_t frames;
    uint32_t status;        /* PaStreamCallbackFlags */
    uint32_t nonfinite;     /* non-finite input samples in this callback */
    uint32_t reserved;
} rtd_monitor_record;

/* Single-producer / single-consumer ring of monitor records.  Python
 * allocates the struct and the records array (capacity a power of two);
 * the producer publishes `head` with release, the consumer `tail`. */
typedef struct {
    rtd_monitor_record *records;
    uint64_t capacity;
    uint64_t head;
    uint64_t tail;
    uint64_t lost;          /* records dropped because the ring was full */
} rtd_monitor_ring;

int rtd_monitor_push(rtd_monitor_ring *ring, const rtd_monitor_record *record);
/* Push from separate values (the Python-mode callback uses this). */
int rtd_monitor_push_values(rtd_monitor_ring *ring, int64_t enter_ns, int64_t exit_ns,
                            double input_time, double current_time, double output_time,
                            uint64_t index, uint32_t frames, uint32_t status, uint32_t nonfinite);
/* Copy up to `max` records into `out`, advance the tail; returns the count. */
uint64_t rtd_monitor_pop(rtd_monitor_ring *ring, rtd_monitor_record *out, uint64_t max);

/* Single-producer / single-consumer ring of float32 samples (audio taps,
 * recording).  A write is all-or-nothing: when the ring lacks room the
 * samples are counted in `dropped` and not written. */
typedef struct {
    float *data;
    uint64_t capacity;      /* in samples, a power of two */
    uint64_t head;
    uint64_t tail;
    uint64_t dropped;
} rtd_float_ring;

int rtd_float_ring_write(rtd_float_ring *ring, const float *src, uint64_t count);
uint64_t rtd_float_ring_read(rtd_float_ring *ring, float *dst, uint64_t max);
uint64_t rtd_float_ring_available(rtd_float_ring *ring);

/* CLOCK_MONOTONIC in ns (the clock of every monitor record). */
int64_t rtd_monotonic_ns(void);

/* One processor of the native chain: its C process function and struct. */
typedef struct {
    rtd_process_fn process;
    void *self;
    int bypass;
} rtd_slot;

/* An immutable chain description; the engine swaps a pointer to it. */
typedef struct {
    rtd_slot *slots;
    int count;
} rtd_chain_desc;

/* Everything the native callback touches; allocated by Python and kept
 * alive by the Engine for the stream's lifetime. */
typedef struct {
    rtd_chain_desc *chain;      /* swapped atomically (release/acquire) */
    float *work;                /* max_block x channels, interleaved */
    int channels;               /* channels the chain processes */
    int in_channels;            /* stream input channels (0: output only) */
    int out_channels;           /* stream output channels */
    int max_block;
    rtd_monitor_ring *monitor;  /* NULL: no records */
    rtd_float_ring *tap_in;     /* NULL: no tap; engine-channel frames */
    rtd_float_ring *tap_out;
    rtd_float_ring *record;     /* processed output for the recorder */
    uint64_t callbacks;         /* completed callbacks (atomic) */
    uint64_t record_dropped_frames;
    int64_t nonfinite_total;
    int stop;                   /* set by Python: the callback returns paAbort */
    int ftz_daz_seen;           /* 1 when FTZ/DAZ was active in the callback */
} rtd_engine;

/* The PortAudio stream callback (PaStreamCallback signature). */
int rtd_engine_callback(const void *input, void *output, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time_info,
                        unsigned long status, void *userdata);
void rtd_engine_set_chain(rtd_engine *engine, rtd_chain_desc *chain);
uint64_t rtd_engine_callbacks(rtd_engine *engine);
void rtd_engine_request_stop(rtd_engine *engine, int stop);

/* The virtual device's clock: calls `callback` every period from the
 * calling thread (sleeping to absolute CLOCK_MONOTONIC deadlines), with
 * input frames taken cyclically from `input` and output frames appended
 * to `output` (or discarded once it is full / when NULL). */
typedef int (*rtd_stream_callback)(const void *input, void *output, unsigned long frames,
                                   const PaStreamCallbackTimeInfo *time_info,
                                   unsigned long status, void *userdata);
typedef struct {
    rtd_stream_callback callback;
    void *userdata;
    const float *input;         /* input_frames x in_channels, or NULL */
    uint64_t input_frames;
    float *output;              /* output_frames x out_channels, or NULL */
    uint64_t output_frames;
    float *in_block;            /* blocksize x in_channels scratch */
    float *out_block;           /* blocksize x out_channels scratch */
    int in_channels;
    int out_channels;
    int blocksize;
    double samplerate;
    double speed;               /* 1.0: real time; 0: as fast as possible */
    uint64_t max_callbacks;     /* 0: until stopped */
    uint64_t callbacks;         /* done (atomic) */
    uint64_t output_written;    /* frames stored in `output` (atomic) */
    uint64_t missed;            /* periods skipped because the thread was late */
    int buffer_periods;         /* device buffer: lateness tolerated, in periods */
    int realtime;               /* 1: try SCHED_FIFO for the clock thread */
    int stop;                   /* set by another thread (atomic) */
    int result;                 /* last non-zero callback return value */
} rtd_virtual;

/* Run the virtual clock until stopped, max_callbacks reached or the
 * callback returns non-zero; returns the number of callbacks made. */
uint64_t rtd_virtual_run(rtd_virtual *device);
void rtd_virtual_request_stop(rtd_virtual *device);

/* ---- offline analysis: HPSS (native/kernels/median.c) -------------- */

/* Median filter along one axis of a strided array (scipy.ndimage
 * median_filter with mode="reflect", window `size`, rank size/2, origin 0;
 * docs/maths/features.md §2).  Line l, element j is x[l*line_stride +
 * j*elem_stride] (strides in elements; `out` uses the same strides).
 * Lines are processed 16 at a time (RTD_MEDIAN_GROUP) so that strided
 * gathers read whole cache lines.  `scratch` holds at least
 * rtd_median_scratch(n, size) elements.  No allocation. */
int64_t rtd_median_scratch(int64_t n, int64_t size);
void rtd_median_filter_f32(const float *x, float *out, int64_t n_lines, int64_t n,
                           int64_t line_stride, int64_t elem_stride, int64_t size,
                           float *scratch);
void rtd_median_filter_f64(const double *x, double *out, int64_t n_lines, int64_t n,
                           int64_t line_stride, int64_t elem_stride, int64_t size,
                           double *scratch);

/* librosa's soft mask, elementwise over n values (docs/maths/features.md §2):
 * Z = max(x, r); Z < tiny -> mask = split (0.5 or 0); else
 * mask = (x/Z)^p / ((x/Z)^p + (r/Z)^p) with r = ref * margin (margin 1:
 * ref itself).  power 1 and 2 use products, others pow(). */
void rtd_softmask_f32(const float *x, const float *ref, float margin, double power,
                      float split, float *mask, int64_t n);
void rtd_softmask_f64(const double *x, const double *ref, double margin, double power,
                      double split, double *mask, int64_t n);
/* out = D * mask for interleaved complex D (n values): librosa's
 * (|D| mask) (D / |D|) within two roundings. */
void rtd_apply_mask_c64(const float *D, const float *mask, float *out, int64_t n);
void rtd_apply_mask_c128(const double *D, const double *mask, double *out, int64_t n);
