/* blockcall.c: rtaudio._blockcall, the per-block call into a C kernel.
 *
 * The kernels themselves live in the CFFI module rtaudio._rtdsp.  Calling
 * one through CFFI from Python costs about 0.5 µs per block (the Python
 * method, the block checks, ffi.from_buffer, the call with the GIL
 * released): at 64-frame blocks that is several times the filtering.
 * A BlockKernel is a callable that does the same job in one step:
 *
 *     kernel = BlockKernel(function_address, state_address, channels,
 *                          max_block, fallback, keepalive)
 *     kernel(block)  ->  block
 *
 * If `block` is a NumPy float32 (native byte order), C-contiguous,
 * aligned, writeable array of shape (frames, channels), the kernel
 * `void f(void *state, float *buf, int frames, int channels)` runs on it
 * in place (in pieces of at most max_block frames when max_block > 0) and
 * the same block is returned.  Anything else, including a keyword
 * argument or a wrong argument count, goes to `fallback(*args, **kwargs)`
 * (the Python Processor.process), which explains what is wrong or handles
 * the cases this fast path does not.  Nothing is allocated per call.  The
 * GIL is held for small blocks (dropping and re-taking it costs more than
 * a 64-frame kernel) and released from RELEASE_GIL_SAMPLES samples on.
 *
 * `keepalive` holds the objects that own the state and function (the
 * CFFI struct and library) for as long as the kernel exists.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

typedef void (*block_kernel_fn)(void *state, float *buf, int frames, int channels);

enum { RELEASE_GIL_SAMPLES = 4096 };

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    block_kernel_fn function;
    void *state;
    int channels;
    Py_ssize_t max_block;   /* 0: no splitting */
    PyArray_Descr *float32; /* the native float32 descriptor (a singleton) */
    PyObject *fallback;
    PyObject *keepalive;
} BlockKernel;

static void run_kernel(const BlockKernel *self, float *data, Py_ssize_t frames)
{
    const Py_ssize_t piece = self->max_block > 0 ? self->max_block : frames;
    for (Py_ssize_t start = 0; start < frames; start += piece) {
        const Py_ssize_t n = frames - start < piece ? frames - start : piece;
        self->function(self->state, data + start * self->channels, (int)n, self->channels);
    }
}

/* True if `obj` is a block the kernel can run on directly. */
static int is_ready_block(const BlockKernel *self, PyObject *obj)
{
    if (!PyArray_Check(obj))
        return 0;
    PyArrayObject *array = (PyArrayObject *)obj;
    return PyArray_DESCR(array) == self->float32 && PyArray_NDIM(array) == 2
           && PyArray_DIM(array, 1) == self->channels
           && PyArray_DIM(array, 0) <= INT32_MAX
           && PyArray_ISCARRAY(array);      /* C-contiguous, aligned, writeable */
}

static PyObject *blockkernel_vectorcall(PyObject *callable, PyObject *const *args,
                                        size_t nargsf, PyObject *kwnames)
{
    BlockKernel *self = (BlockKernel *)callable;
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != 1 || kwnames != NULL || !is_ready_block(self, args[0]))
        return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);

    PyArrayObject *block = (PyArrayObject *)args[0];
    const Py_ssize_t frames = PyArray_DIM(block, 0);
    float *data = (float *)PyArray_DATA(block);
    if (frames * self->channels >= RELEASE_GIL_SAMPLES) {
        Py_BEGIN_ALLOW_THREADS
        run_kernel(self, data, frames);
        Py_END_ALLOW_THREADS
    } else if (frames > 0) {
        run_kernel(self, data, frames);
    }
    Py_INCREF(args[0]);
    return args[0];
}

static PyObject *blockkernel_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"function_address", "state_address", "channels", "max_block",
                               "fallback", "keepalive", NULL};
    unsigned long long function_address, state_address;
    int channels;
    Py_ssize_t max_block;
    PyObject *fallback, *keepalive;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "KKinOO:BlockKernel", keywords,
                                     &function_address, &state_address, &channels,
                                     &max_block, &fallback, &keepalive))
        return NULL;
    if (function_address == 0 || state_address == 0) {
        PyErr_SetString(PyExc_ValueError, "BlockKernel: function and state addresses must not be 0");
        return NULL;
    }
    if (channels < 1 || max_block < 0) {
        PyErr_Format(PyExc_ValueError, "BlockKernel: channels = %d must be >= 1 and "
                     "max_block = %zd >= 0", channels, max_block);
        return NULL;
    }
    if (!PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "BlockKernel: fallback must be callable");
        return NULL;
    }
    BlockKernel *self = (BlockKernel *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->vectorcall = blockkernel_vectorcall;
    self->function = (block_kernel_fn)(uintptr_t)function_address;
    self->state = (void *)(uintptr_t)state_address;
    self->channels = channels;
    self->max_block = max_block;
    self->float32 = PyArray_DescrFromType(NPY_FLOAT32);   /* new reference */
    Py_INCREF(fallback);
    self->fallback = fallback;
    Py_INCREF(keepalive);
    self->keepalive = keepalive;
    return (PyObject *)self;
}

static int blockkernel_traverse(BlockKernel *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fallback);
    Py_VISIT(self->keepalive);
    return 0;
}

static int blockkernel_clear(BlockKernel *self)
{
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->keepalive);
    return 0;
}

static void blockkernel_dealloc(BlockKernel *self)
{
    PyObject_GC_UnTrack(self);
    blockkernel_clear(self);
    Py_XDECREF(self->float32);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *blockkernel_repr(BlockKernel *self)
{
    return PyUnicode_FromFormat("<rtaudio BlockKernel channels=%d max_block=%zd>",
                                self->channels, self->max_block);
}

static PyTypeObject BlockKernelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rtaudio._blockcall.BlockKernel",
    .tp_doc = PyDoc_STR("Callable running a C block kernel in place on a float32 block."),
    .tp_basicsize = sizeof(BlockKernel),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = blockkernel_new,
    .tp_dealloc = (destructor)blockkernel_dealloc,
    .tp_traverse = (traverseproc)blockkernel_traverse,
    .tp_clear = (inquiry)blockkernel_clear,
    .tp_repr = (reprfunc)blockkernel_repr,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(BlockKernel, vectorcall),
};

static struct PyModuleDef blockcall_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rtaudio._blockcall",
    .m_doc = PyDoc_STR("Per-block calls into rtaudio's C kernels without per-call overhead."),
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__blockcall(void)
{
    import_array();
    if (PyType_Ready(&BlockKernelType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&blockcall_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&BlockKernelType);
    if (PyModule_AddObject(module, "BlockKernel", (PyObject *)&BlockKernelType) < 0) {
        Py_DECREF(&BlockKernelType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
