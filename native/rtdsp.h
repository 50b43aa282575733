/* rtdsp.h: the one header of rtaudio's native kernels.
 *
 * CFFI reads this file as-is (cdef), so it holds only declarations that
 * CFFI's parser understands: no #include, no #if, no macros with bodies.
 * The .c files include <stdint.h> before this header.
 *
 * Conventions (see docs/contributing.md, "Kernel conventions"):
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

/* ---- NoiseGate (docs/maths/gate.md) ------------------------ */

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

/* ---- LowPass, one pole (docs/maths/lowpass.md) ---------------- */

/* params: [0] a_target  [1] smoothing pole s (docs/maths/conventions.md §0.4)
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

/* ---- RingModulator (docs/maths/ringmod.md) -------------------- */
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
 * model: 0 = "stable" (docs/maths/ringmod.md §3), 1 = "paper" (docs/maths/ringmod.md §2) */
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

/* ---- VCF (docs/maths/vcf.md) ------------------------------ */
/* params: [0] K target = I0/(2C) [A/F]  [1] gfdbk target  [2] drive target
 *         [3] output_gain target  [4] smoothing pole s (0.4, base rate)
 *         [5] T = 1/(L·fs) of the model [s]
 *         [6] solver: 0 = Newton, 1 = the paper's fixed point (docs/maths/vcf.md)
 *         [7] relative tolerance of the fixed point (the paper: 1e-3)
 * smooth: [0] K  [1] gfdbk  [2] drive  [3] output_gain (current, shared,
 *         stepped once per base-rate sample)
 * state:  channels x 16 [s1 s2 s3 s4 vout vc1 vc2 vc3 vc11 vc21 vc31 vc41
 *                        xc1 xc2 xc3 xc4]
 * factor L = 1: the paper's model at fs, no resampling (the four
 * polyphase pointers are not used).  L > 1: the model runs at L·fs between
 * the polyphase interpolator and decimator of docs/maths/ringmod.md §4
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
/* The VCF's tanh (docs/maths/vcf.md §4), exported for its accuracy test. */
double rtd_vcf_tanh(double x);

/* ---- The SPSC ring (native/engine/rings.c, docs/architecture.md) --- */
/* Single-producer / single-consumer ring of fixed-size items; Python
 * (rtaudio/engine/rings.py) allocates the struct and `data` (capacity x
 * item_size bytes, capacity a power of two).  head and tail only grow;
 * the producer publishes `head` with release, the consumer `tail`.  A
 * write is all-or-nothing: without room the items are counted in
 * `dropped` and not written. */
typedef struct {
    unsigned char *data;
    uint64_t capacity;      /* items, a power of two */
    uint64_t item_size;     /* bytes per item */
    uint64_t head;          /* items written (producer) */
    uint64_t tail;          /* items read (consumer) */
    uint64_t dropped;       /* items not written because the ring was full */
} rtd_ring;

int rtd_ring_write(rtd_ring *ring, const void *src, uint64_t count);
/* Copy up to `max` items into `dst`, advance the tail; returns the count. */
uint64_t rtd_ring_read(rtd_ring *ring, void *dst, uint64_t max);
uint64_t rtd_ring_available(const rtd_ring *ring);
uint64_t rtd_ring_head(const rtd_ring *ring);
uint64_t rtd_ring_tail(const rtd_ring *ring);
uint64_t rtd_ring_dropped(const rtd_ring *ring);
/* For a producer that wrote the slots itself: publish head and dropped. */
void rtd_ring_publish(rtd_ring *ring, uint64_t head, uint64_t dropped);

/* Typed names of the same ring (kept for the callbacks). */
typedef rtd_ring rtd_monitor_ring;
typedef rtd_ring rtd_float_ring;

/* ---- YinTracker (docs/maths/yin.md) ----------------------- */
/* One pitch result, an item of the YinTracker's rtd_ring (40 bytes;
 * rtaudio/engine/rings.py has the matching NumPy dtype). */
typedef struct {
    int64_t frame;
    double time_s;
    double f0_hz;
    double confidence;
    int32_t channel;
    uint8_t voiced;
    uint8_t reserved[3];
} rtd_pitch_result;

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
    rtd_ring *ring;         /* of rtd_pitch_result */
    double sample_rate;
    int channels;
} rtd_yin;

void rtd_yin_process(void *self, float *buf, int frames, int channels);
void rtd_yin_reset(void *self);
/* Analyse one frame of N float64 samples (docs/maths/yin.md §5.3): out = [f0_hz,
 * confidence, voiced, selected cmnd index]; for tests and benchmarks. */
void rtd_yin_analyse(rtd_yin *self, const double *frame, double *out);

/* ---- User effects (rtaudio.effect / rtaudio.c_effect) --------------- */

/* What a user kernel sees; the same struct as rtaudio/effects/include/
 * rtaudio_effect.h (the documented C header; docs/effects-api.md §7). */
typedef struct rtd_effect_block {
    const double *params;
    double *state;
    const int64_t *state_offset;
    const int64_t *state_size;
    double sample_rate;
    int32_t channels;
    int32_t frames;
    int32_t max_block;
    int32_t param_stride;
    int32_t n_params;
    int32_t n_state;
} rtd_effect_block;

/* A C user kernel (rtaudio.c_effect). */
typedef void (*rtd_effect_c_fn)(const rtd_effect_block *b, float *buf, int frames, int channels);
/* A Numba user kernel (numba.cfunc of the generated wrapper). */
typedef void (*rtd_effect_numba_fn)(float *buf, int32_t frames, int32_t channels,
                                    const double *params, int32_t param_stride,
                                    double *state, const int64_t *state_offset,
                                    const int64_t *state_size, double sample_rate);
typedef void (*rtd_effect_reset_c_fn)(const rtd_effect_block *b);
typedef void (*rtd_effect_reset_numba_fn)(const double *params, int32_t param_stride,
                                          double *state, const int64_t *state_offset,
                                          const int64_t *state_size, int32_t channels,
                                          double sample_rate);

/* The shim in front of a user kernel (native/kernels/user_effect.c).
 * targets: n_params atomic parameter targets (rtd_param_store), then the
 *          smoothing pole s at [n_params]
 * current: n_params smoothed values; smoothed[i] = 1 for per-sample smoothing
 * params:  n_params x param_stride per-sample values handed to the kernel
 * counters: [0] non-finite input samples, [1] non-finite output samples,
 *           [2] blocks whose output was non-finite (state was reset) */
typedef struct {
    rtd_effect_block block;
    void *kernel;
    void *reset_kernel;         /* NULL: none */
    int kind;                   /* 0: Numba ABI, 1: C ABI */
    double *targets;
    double *current;
    const int32_t *smoothed;
    double *param_values;
    int64_t *counters;
    int64_t state_total;        /* doubles in block.state */
    int reset_request;          /* atomic: 1 = reset at the start of the next call */
} rtd_user_effect;

void rtd_user_effect_process(void *self, float *buf, int frames, int channels);
void rtd_user_effect_reset(void *self);
/* Thread-safe: the audio thread resets the effect at the start of its next call. */
void rtd_user_effect_request_reset(void *self);
/* ---- Node: a processor's current state, swapped atomically ---------- */
/* native/engine/node.c, docs/realtime.md §2. `state` is swapped by
 * rtd_node_publish; `reset_requested` is consumed by the audio thread at the
 * start of its next block; `entered`/`finished` number the blocks. */
typedef struct {
    void *state;
    rtd_process_fn process;
    rtd_reset_fn reset;          /* NULL: the kernel has no reset */
    int reset_requested;
    uint64_t entered;
    uint64_t finished;
} rtd_node;

void rtd_node_process(void *self, float *buf, int frames, int channels);
uint64_t rtd_node_publish(rtd_node *node, void *state);
void rtd_node_request_reset(rtd_node *node);
int rtd_node_take_reset(rtd_node *node);
uint64_t rtd_node_finished(const rtd_node *node);
uint64_t rtd_node_entered(const rtd_node *node);

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

/* The monitor ring is an rtd_ring of rtd_monitor_record. */
int rtd_monitor_push(rtd_monitor_ring *ring, const rtd_monitor_record *record);
/* Push from separate values (the Python-mode callback uses this). */
int rtd_monitor_push_values(rtd_monitor_ring *ring, int64_t enter_ns, int64_t exit_ns,
                            double input_time, double current_time, double output_time,
                            uint64_t index, uint32_t frames, uint32_t status, uint32_t nonfinite);
/* Copy up to `max` records into `out`, advance the tail; returns the count. */
uint64_t rtd_monitor_pop(rtd_monitor_ring *ring, rtd_monitor_record *out, uint64_t max);

/* Audio taps and the recorder: rtd_rings of float32 samples. */
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

/* A preloaded sound file as the input of an output-only stream (--play).
 * rtd_player_callback is the stream callback: it fills `scratch` with the
 * next frames of `data` (looping, or silence past the end, then `finished`
 * is set with release) and calls `inner` (rtd_engine_callback) with it as
 * input, at most max_frames at a time.  rtd_player_fill does the filling
 * alone (Python mode); it returns the frames taken from the file. */
typedef int (*rtd_inner_callback)(const void *input, void *output, unsigned long frames,
                                  const PaStreamCallbackTimeInfo *time_info,
                                  unsigned long status, void *userdata);
typedef struct {
    const float *data;          /* frames x channels, interleaved */
    uint64_t frames;
    int channels;
    int out_channels;
    int loop;
    int max_frames;             /* scratch capacity in frames */
    float *scratch;             /* max_frames x channels */
    uint64_t pos;               /* next frame of data (audio thread only) */
    uint64_t finished;          /* 1 once the end was passed without loop */
    rtd_inner_callback inner;
    void *inner_userdata;
} rtd_player;

uint64_t rtd_player_fill(rtd_player *player, float *dst, uint64_t frames);
int rtd_player_callback(const void *input, void *output, unsigned long frames,
                        const PaStreamCallbackTimeInfo *time_info,
                        unsigned long status, void *userdata);
/* Python mode, after chain.process on e->work (native/engine/pyblock.c):
 * taps (tap_in from `chain_input`), recording ring, and when `last` the
 * monitor record and the callback count; sets FTZ/DAZ for the thread. */
void rtd_pyblock_end(rtd_engine *e, const float *chain_input, int frames, int last,
                     int64_t enter_ns, double input_time, double current_time, double output_time,
                     uint32_t callback_frames, uint32_t status, uint32_t nonfinite);

/* A JACK client's process callback in front of the engine callback
 * (native/engine/jack_bridge.c, docs/realtime.md §4.1). rtaudio talks to
 * libjack directly for streams that must survive a server restart: the
 * Python side (rtaudio/engine/backends/jack_backend.py) opens the client,
 * registers the ports and fills in jack_port_get_buffer's address, so no
 * libjack is needed at build time. Each period the bridge interleaves the
 * input ports into in_scratch, calls `inner` (rtd_engine_callback or
 * rtd_player_callback) at most max_frames at a time and spreads out_scratch
 * over the output ports. The shutdown and xrun hooks only store flags. */
typedef void *(*rtd_jack_port_buffer_fn)(void *port, uint32_t nframes);
typedef struct {
    rtd_jack_port_buffer_fn port_get_buffer;
    void *in_ports[64];
    void *out_ports[64];
    int in_channels;
    int out_channels;
    uint32_t max_frames;        /* scratch capacity in frames */
    float *in_scratch;          /* max_frames x in_channels */
    float *out_scratch;         /* max_frames x out_channels */
    double samplerate;
    rtd_inner_callback inner;
    void *inner_userdata;
    int shutdown;               /* 1 once the server went away (atomic) */
    int xrun;                   /* set by the xrun hook, taken by the next period */
    int finished;               /* `inner` asked to stop: silence from then on */
} rtd_jack_bridge;

int rtd_jack_process(uint32_t nframes, void *arg);
void rtd_jack_shutdown(void *arg);
int rtd_jack_xrun(void *arg);
int rtd_jack_bridge_lost(rtd_jack_bridge *bridge);
/* libjack's error and info printer replacement: drops the message, so
 * waiting for a server does not fill the terminal with "Cannot connect to
 * server socket" (the Python side decodes jack_client_open's status). */
void rtd_jack_silent(const char *message);

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
 * Lines are processed 16 at a time, one per SIMD lane (RTD_MEDIAN_LANES).
 * `scratch` holds at least rtd_median_scratch(n_lines, n, size) elements.
 * No allocation. */
int64_t rtd_median_scratch(int64_t n_lines, int64_t n, int64_t size);
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
/* out = D * softmask(x, ref, margin, power, split) in one pass (the two
 * kernels above; the same bits). */
void rtd_softmask_apply_c64(const float *D, const float *x, const float *ref, float margin,
                            double power, float split, float *out, int64_t n);
void rtd_softmask_apply_c128(const double *D, const double *x, const double *ref, double margin,
                             double power, double split, double *out, int64_t n);

/* ---- offline analysis: CQT and tuning (native/kernels/cqt.c) ------- */

/* DFT bins lo..hi-1 of frames t = 0..n_frames-1 of x (frame t is
 * x[t*hop .. t*hop + n_fft - 1], rectangular window, n_fft a power of two),
 * by a float64 sliding DFT, rebuilt from zero every anchor_every frames,
 * on all-zero frames (exact 0) and after a 1e-10 energy drop
 * (docs/maths/features.md §3).  cos_tab/sin_tab: cos, sin(2 pi j / n_fft),
 * j < n_fft.  out: n_frames x (hi - lo) interleaved complex128 (complex64
 * when out_f32).  scratch: rtd_sliding_dft_scratch(...) doubles. */
int64_t rtd_sliding_dft_scratch(int64_t n_frames, int64_t n_fft, int64_t hop, int64_t lo, int64_t hi);
void rtd_sliding_dft(const double *x, int64_t n_x, int64_t n_frames, int64_t n_fft, int64_t hop,
                     int64_t lo, int64_t hi, const double *cos_tab, const double *sin_tab,
                     int64_t anchor_every, double *scratch, void *out, int out_f32);
/* rtd_sliding_dft's complex64 frames through rtd_banded_abs_c64 batch by
 * batch (no n_frames x (hi - lo) array): out[f*out_stride + t]. */
void rtd_sliding_dft_banded_abs(const double *x, int64_t n_x, int64_t n_frames, int64_t n_fft,
                                int64_t hop, int64_t lo, int64_t hi, const double *cos_tab,
                                const double *sin_tab, int64_t anchor_every, double *scratch,
                                const int64_t *start, const int64_t *len, const int64_t *off,
                                const float *coef, int64_t n_filters, const double *divisor,
                                float *out, int64_t out_stride);
/* x[i] = (float)((double)x[i] / divisor), i < n (NumPy's float32 /= float64). */
void rtd_divide_f32_by_f64(float *x, int64_t n, double divisor);
/* |basis @ X| of a banded basis (filter f: coef[off[f]..off[f]+len[f]) on
 * bins start[f]..) over n_frames x k_count complex64 X; out[f*out_stride + t]
 * (divided by divisor[f] in float64 unless divisor is NULL). */
void rtd_banded_abs_c64(const float *X, int64_t n_frames, int64_t k_count, const int64_t *start,
                        const int64_t *len, const int64_t *off, const float *coef, int64_t n_filters,
                        const double *divisor, float *out, int64_t out_stride);

/* ---- offline analysis: float32 FFTs of 16 frames per SIMD vector
 * (native/kernels/lanes_fft.c, docs/maths/features.md §3, §4) -------- */

/* Scratch floats for n_fft (a power of two >= 8) and a band of n_band bins. */
int64_t rtd_lanes_fft_scratch(int64_t n_fft, int64_t n_band);
/* Below, frame t is samples t*hop - pad .. t*hop - pad + n_fft - 1 of x
 * (n_x samples, zeros outside them).
 * The tuning estimate's piptrack peaks of |rfft(window * frame)| in bins
 * k0..k1-1, thresholded at threshold * the frame's largest magnitude; returns their count (pitch,
 * mag: room for n_frames * ((k1 - k0) / 2 + 1)).  window: n_fft floats. */
int64_t rtd_tuning_stft_peaks_f32(const float *x, int64_t n_x, int64_t pad, int64_t n_frames,
                                  int64_t n_fft, int64_t hop, const float *window, int64_t k0, int64_t k1,
                                  float threshold, double sr, float *scratch, float *pitch,
                                  float *mag);
/* out[f*out_stride + t] = |sum_j coef[off[f]+j] X_t[lo + start[f] + j]| of the
 * rectangular frames' rfft X_t (float32 sums, rtd_banded_abs_c64's), divided
 * by divisor[f] unless it is NULL. */
void rtd_fft_banded_abs_f32(const float *x, int64_t n_x, int64_t pad, int64_t n_frames,
                            int64_t n_fft, int64_t hop, int64_t lo, int64_t k_count, const int64_t *start,
                            const int64_t *len, const int64_t *off, const float *coef,
                            int64_t n_filters, const double *divisor, float *scratch, float *out,
                            int64_t out_stride);
/* rfft(window * frame) of frames t = 0..n_frames-1 (window NULL: rectangular)
 * into out: n_frames x (n_fft/2 + 1) interleaved complex64. */
void rtd_lanes_rfft_f32(const float *x, int64_t n_x, int64_t pad, int64_t n_frames, int64_t n_fft,
                        int64_t hop, const float *window, float *scratch, float *out);
