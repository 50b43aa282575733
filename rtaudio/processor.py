"""The ``Processor`` base class: parameters, preparation, backends, streaming.

Every effect and analyser in rtaudio is a ``Processor``. A subclass
declares its parameters (``PARAMS``), allocates its state in
``_allocate``, publishes derived coefficient targets in
``_update_targets`` and provides one kernel per backend. See
``docs/maths/conventions.md`` for the shared conventions.
"""
from __future__ import annotations

import copy
import math
import threading
import types
from typing import Any, ClassVar, Optional

import numpy as np

from rtaudio._blockcall import BlockKernel
from rtaudio._native import ffi, lib
from rtaudio.errors import RtaudioError
from rtaudio.params import Param

BACKENDS = ("c", "numba", "reference")
SAMPLE_RATE_RANGE_HZ = (8000.0, 384000.0)
DEFAULT_MAX_BLOCK = 8192
_FLOAT32 = np.dtype(np.float32)
_from_buffer = ffi.from_buffer
SMOOTHING_TIME_S = 0.010  # docs/maths/conventions.md §0.4


def smoothing_pole(sample_rate: float) -> float:
    """Pole ``s = exp(-1 / (0.010 * fs))`` of the parameter smoother (docs/maths/conventions.md §0.4)."""
    return math.exp(-1.0 / (SMOOTHING_TIME_S * sample_rate))


def validate_sample_rate(sample_rate: Any) -> float:
    """Return ``sample_rate`` as float, or raise ``ValueError`` (docs/maths/conventions.md §0.1)."""
    low, high = SAMPLE_RATE_RANGE_HZ
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float, np.integer, np.floating)):
        raise ValueError(f"sample_rate = {sample_rate!r} is not a number; valid range is "
                         f"[{low:g}, {high:g}] Hz")
    rate = float(sample_rate)
    if not (low <= rate <= high):
        raise ValueError(f"sample_rate = {sample_rate!r} is out of range; valid range is "
                         f"[{low:g}, {high:g}] Hz")
    return rate


def as_offline_audio(audio: Any) -> tuple[np.ndarray, bool]:
    """Copy ``audio`` to a C-contiguous float32 ``(frames, channels)`` array.

    Returns the array and whether the input was one-dimensional.
    """
    array = np.asarray(audio)
    if array.dtype.kind == "c":
        raise TypeError(f"audio must be real float32 or float64 samples, got complex dtype {array.dtype}")
    if array.dtype not in (np.float32, np.float64):
        hint = ""
        if array.dtype.kind in "iu":
            hint = " (convert integer PCM first, e.g. x.astype(np.float32) / 32768)"
        raise TypeError(f"audio must be float32 or float64 samples, got dtype {array.dtype}{hint}")
    if array.ndim not in (1, 2):
        raise ValueError(f"audio must have shape (frames,) or (frames, channels), got shape {array.shape}")
    mono = array.ndim == 1
    block = np.array(array.reshape(-1, 1) if mono else array, dtype=np.float32, order="C", copy=True)
    if block.shape[1] == 0:
        raise ValueError(f"audio has no channels (shape {array.shape})")
    return block, mono


def check_not_streaming(processors: Any, use: str) -> None:
    """Raise ``RtaudioError`` if one of ``processors`` runs in an engine's
    stream: a processor has one state, which the audio thread owns until
    the engine stops (docs/realtime.md §2)."""
    busy = [p for p in processors if p._streaming]
    if busy:
        names = ", ".join(sorted({type(p).__name__ for p in busy}))
        raise RtaudioError(f"{names} {'is' if len(busy) == 1 else 'are'} streaming in a running engine: {use} "
                           f"would replace its state under the audio thread; stop the engine first, or use another "
                           f"instance (e.g. {type(busy[0]).__name__}(**proc.get_params()))")


def run_offline(target: Any, audio: Any, sample_rate: float) -> np.ndarray:
    """Prepare ``target`` (a Processor or Chain) for ``audio``, which resets
    it, process the whole signal in one block and return it as float32 in
    the input's shape."""
    check_not_streaming(getattr(target, "processors", (target,)), "an offline call")
    block, mono = as_offline_audio(audio)
    target.prepare(sample_rate, block.shape[1], target.max_block)
    target.process(block)
    return block[:, 0] if mono else block


class StreamSettings:
    """The settings ``prepare`` received (shared by ``Processor`` and ``Chain``)."""

    _sample_rate: Optional[float] = None
    _channels: Optional[int] = None
    _max_block: int = DEFAULT_MAX_BLOCK

    @property
    def prepared(self) -> bool:
        """True once ``prepare`` has been called."""
        return self._channels is not None

    @property
    def sample_rate(self) -> Optional[float]:
        """Sample rate in Hz given to ``prepare`` (None before)."""
        return self._sample_rate

    @property
    def channels(self) -> Optional[int]:
        """Channel count given to ``prepare`` (None before)."""
        return self._channels

    @property
    def max_block(self) -> int:
        """Largest block handed to a kernel in one call (longer blocks are split)."""
        return self._max_block


class Processor(StreamSettings):
    """Base class of all block processors.

    Parameters
    ----------
    backend : {"c", "numba", "reference"}
        Implementation of the inner loop. ``"c"`` (default) is the CFFI
        kernel, ``"numba"`` the Numba kernel (compiled on first use) and
        ``"reference"`` the float64 Python transcription of the maths
        pages (``docs/maths/``).
    **params
        Initial parameter values (see ``PARAMS`` of each processor).

    Notes
    -----
    Offline use: ``y = proc(x, sample_rate=48000)`` processes a whole signal
    from a reset state. Streaming use: ``proc.prepare(sample_rate, channels,
    max_block)`` once, then ``proc.process(block)`` in place per block.
    Parameters can be set at any time; a change takes effect at the first
    sample of the next ``process`` call and continuous coefficients are
    smoothed with a 10 ms one-pole smoother (docs/maths/conventions.md §0.4).
    """

    #: name used in chain strings and presets, e.g. "gate"
    chain_name: ClassVar[str] = ""
    #: other accepted names in chain strings
    aliases: ClassVar[tuple[str, ...]] = ()
    #: the parameters, in display order
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    #: symbol names of the C kernel (used by the native chain)
    c_process_symbol: ClassVar[str] = ""
    #: True for analysers, which pass audio through unchanged
    is_analyser: ClassVar[bool] = False
    #: True when the kernels use scratch buffers sized by ``max_block``
    uses_max_block: ClassVar[bool] = False

    _registry: ClassVar[dict[str, type["Processor"]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for param in cls.PARAMS:
            if not hasattr(cls, param.name):  # keep properties defined by a base class
                setattr(cls, param.name, _param_property(param))
        if cls.c_process_symbol:
            cls._c_process = getattr(lib, cls.c_process_symbol)
        if cls.chain_name:
            for name in (cls.chain_name, *cls.aliases):
                Processor._registry[name] = cls

    def __init__(self, *, backend: str = "c", **params: Any) -> None:
        self._values: dict[str, Any] = {p.name: p.default for p in self.PARAMS}
        self._sample_rate: Optional[float] = None
        self._channels: Optional[int] = None
        self._max_block = DEFAULT_MAX_BLOCK
        self._bypass = False
        self._node: Any = None          # rtd_node once prepared (C kernels)
        self._streaming = False         # an audio thread may be running this processor
        self._live: Optional["Processor"] = None  # the generation python kernels run, during a swap
        self._reset_pending = False     # python kernels: reset at the next block
        self._retiring: list[tuple[int, dict]] = []
        self._structure_lock = threading.RLock()
        self.backend = backend
        unknown = sorted(set(params) - set(self._values) - set(self._extra_init_names()))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown parameter(s) {', '.join(unknown)}; "
                            f"valid parameters: {', '.join(self.param_names())}")
        for name, value in params.items():
            setattr(self, name, value)

    # ------------------------------------------------------------------ params
    @classmethod
    def param_names(cls) -> list[str]:
        """Names of the processor's parameters, in display order."""
        return [p.name for p in cls.PARAMS]

    @classmethod
    def param(cls, name: str) -> Param:
        """The ``Param`` description of parameter ``name``."""
        for param in cls.PARAMS:
            if param.name == name:
                return param
        raise KeyError(f"{cls.__name__} has no parameter {name!r}; "
                       f"valid parameters: {', '.join(cls.param_names())}")

    @classmethod
    def _extra_init_names(cls) -> tuple[str, ...]:
        """Constructor keywords accepted besides ``PARAMS`` (none by default)."""
        return ()

    def get_params(self) -> dict[str, Any]:
        """Current values of all parameters (what a preset stores)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def _set_param(self, name: str, value: Any) -> None:
        param = self.param(name)
        with self._structure_lock:
            self._values[name] = param.validate(value, type(self).__name__, self._sample_rate)
            if self.prepared:
                self._update_targets()

    # -------------------------------------------------------------- backend
    @property
    def backend(self) -> str:
        """Kernel implementation: ``"c"``, ``"numba"`` or ``"reference"``."""
        return self._backend

    @backend.setter
    def backend(self, value: str) -> None:
        if value not in BACKENDS:
            raise ValueError(f"{type(self).__name__}.backend = {value!r} is not valid: "
                             f"expected one of {', '.join(map(repr, BACKENDS))}")
        if value == "numba":
            self._load_numba_kernels()
        self._backend = value
        self._bind_kernel()

    @property
    def bypass(self) -> bool:
        """True to pass audio through unchanged (state is kept, not advanced)."""
        return self._bypass

    @bypass.setter
    def bypass(self, value: bool) -> None:
        self._bypass = bool(value)
        self._bind_kernel()

    @property
    def _cself(self) -> Any:
        """The C struct of the current configuration (``None`` before prepare)."""
        return self.__dict__.get("_native_self")

    @_cself.setter
    def _cself(self, value: Any) -> None:
        # Set by ``_allocate``; once prepared the audio thread reaches the
        # struct only through the node (``_restructure`` publishes a new one).
        self.__dict__["_native_self"] = value

    def _bind_kernel(self) -> None:
        """Choose what ``process`` runs per block.

        For the generic C dispatch, ``process`` becomes an instance attribute:
        a ``rtaudio._blockcall.BlockKernel`` that checks the block and calls
        the C kernel in one step, without a Python frame (about 0.1 µs per
        call instead of 0.6 µs; what matters at 64-frame blocks in python
        mode). It hands every block it does not accept to
        ``Processor.process``, which explains what is wrong and otherwise
        runs ``_kernel`` (the backend's ``_process_*`` method).
        """
        self.__dict__.pop("process", None)
        self._kernel = getattr(self, f"_process_{self._backend}")
        self._live = None
        generic_c = (self._backend == "c" and type(self)._process_c is Processor._process_c
                     and self.prepared and self.__dict__.get("_node") is not None)
        if generic_c and not self._bypass and type(self).process is Processor.process:
            self.process = BlockKernel(
                int(ffi.cast("uintptr_t", ffi.addressof(lib, "rtd_node_process"))),
                int(ffi.cast("uintptr_t", self._node)), self._channels,
                self._max_block if self.uses_max_block else 0,
                types.MethodType(Processor.process, self), (self._node, lib))

    def _load_numba_kernels(self) -> None:
        """Import (and so compile or load from cache) the Numba kernels."""

    # ---------------------------------------------------------- preparation

    @property
    def latency_samples(self) -> int:
        """Delay the processor adds, in samples at the base rate."""
        return 0

    def prepare(self, sample_rate: float, channels: int, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        """Allocate state for streaming and reset it.

        Parameters
        ----------
        sample_rate : float
            Sample rate in Hz, in [8000, 384000].
        channels : int
            Number of channels of every block given to ``process``.
        max_block : int
            Largest block expected, in frames; larger blocks are processed
            in pieces of this size (with the same result).

        Raises
        ------
        ValueError
            If an argument is out of range, or a parameter is not valid at
            this sample rate (e.g. ``cutoff_hz`` above Nyquist).
        """
        rate = validate_sample_rate(sample_rate)
        if isinstance(channels, bool) or not isinstance(channels, (int, np.integer)) or channels < 1:
            raise ValueError(f"channels = {channels!r} must be an integer >= 1")
        if isinstance(max_block, bool) or not isinstance(max_block, (int, np.integer)) or max_block < 1:
            raise ValueError(f"max_block = {max_block!r} must be an integer >= 1")
        for param in self.PARAMS:  # ranges that depend on the sample rate
            if param.name in self._values and self._values[param.name] is not None:
                param.validate(self._values[param.name], type(self).__name__, rate)
        if (rate, int(channels), int(max_block)) != (self._sample_rate, self._channels, self._max_block):
            # the audio thread would run a struct of other sizes (docs/realtime.md §2)
            check_not_streaming((self,), f"prepare({rate:g}, {int(channels)}, {int(max_block)})")
        self._sample_rate = rate
        self._channels = int(channels)
        self._max_block = int(max_block)
        with self._structure_lock:
            self._allocate(self._channels)
            self._node = self._make_node()
            self._retiring.clear()
            self._bind_kernel()
            self._update_targets()
            self._reset_state()

    def reset(self) -> None:
        """Return all state to its initial value (docs/maths/conventions.md §0.7); keeps parameters.

        While an engine streams this processor, the reset is a request the
        audio thread carries out at the start of its next block
        (docs/realtime.md §2); otherwise it happens now.
        """
        if not self.prepared:
            return
        if self._streaming:
            if self._node is not None:
                lib.rtd_node_request_reset(self._node)
            self._reset_pending = True  # python kernels (numba/reference), see process()
        else:
            self._reset_state()

    # ------------------------------------------------------ structural change
    @classmethod
    def _c_symbol(cls, suffix: str) -> Optional[str]:
        name = cls.c_process_symbol[:-len("_process")] + suffix \
            if cls.c_process_symbol.endswith("_process") else ""
        return name if name and hasattr(lib, name) else None

    def _make_node(self) -> Any:
        """The ``rtd_node`` through which the audio thread reaches the C state."""
        process = self._c_symbol("_process")
        if process is None or self._cself is None:
            return None
        node = ffi.new("rtd_node *")
        node.process = ffi.addressof(lib, process)
        reset = self._c_symbol("_reset")
        node.reset = ffi.addressof(lib, reset) if reset else ffi.NULL
        node.state = self._cself
        return node

    def _restructure(self) -> None:
        """Apply a structural parameter change race-free (docs/realtime.md §2).

        A shallow copy of this processor allocates a new generation of state
        for the current parameters, configures and resets it, off the audio
        thread. It is published with one atomic pointer swap for the C kernel
        (``rtd_node_publish``) and one attribute store for the Python
        kernels (``_live``); only then does this object take over the new
        arrays. The old generation is retired once the audio thread has
        finished every block that may have used it.
        """
        if not self.prepared:
            return
        with self._structure_lock:
            shadow = copy.copy(self)
            for key in ("process", "_live", "_retiring"):
                shadow.__dict__.pop(key, None)
            shadow._allocate(self._channels)
            shadow._update_targets()
            shadow._reset_state()
            shadow._kernel = getattr(shadow, f"_process_{self._backend}")
            old = {k: v for k, v in self.__dict__.items() if k not in ("_retiring", "_live", "process")}
            epoch = lib.rtd_node_publish(self._node, shadow._cself) if self._node is not None else 0
            self._live = shadow                  # python kernels switch here
            self._reset_pending = False
            for key, value in shadow.__dict__.items():
                if key not in ("_kernel", "_node", "_structure_lock", "_streaming", "_reset_pending"):
                    self.__dict__[key] = value
            self._live = None                    # this object now holds the new generation
            self._retiring.append((int(epoch), old))
            self.collect_retired()

    def collect_retired(self) -> int:
        """Drop old generations the audio thread can no longer use; returns
        how many are still kept."""
        with self._structure_lock:
            if not self._streaming or self._node is None:
                self._retiring.clear()
            else:
                finished = lib.rtd_node_finished(self._node)
                self._retiring = [(epoch, gen) for epoch, gen in self._retiring if finished < epoch]
            return len(self._retiring)

    def set_streaming(self, streaming: bool) -> None:
        """Called by the engine around a stream's life: while True, resets
        and structural changes are handed to the audio thread."""
        with self._structure_lock:
            self._streaming = bool(streaming)
            if not streaming:
                pending = self._reset_pending
                if self._node is not None and lib.rtd_node_take_reset(self._node):
                    pending = True
                self._reset_pending = False
                if pending and self.prepared:
                    self._reset_state()
                self.collect_retired()

    # ------------------------------------------------------------ processing
    def process(self, block: np.ndarray) -> np.ndarray:
        """Process one block in place and return it.

        Parameters
        ----------
        block : numpy.ndarray
            float32, C-contiguous, shape ``(frames, channels)``; ``frames``
            may be 0 (no-op).

        Raises
        ------
        TypeError
            If the block is not float32.
        ValueError
            If the shape, channel count or memory layout is wrong.
        RuntimeError
            If ``prepare`` has not been called.
        """
        # Fast path first (this runs in the audio callback in python mode);
        # _check_block explains whatever is wrong.
        try:  # flags.carray = C-contiguous, aligned and writeable
            ok = (block.dtype is _FLOAT32 and block.ndim == 2 and block.shape[1] == self._channels
                  and block.flags.carray)
        except AttributeError:
            ok = False
        if not ok:
            self._check_block(block)
        frames = block.shape[0]
        if frames == 0 or self.bypass:
            return block
        live = self._live or self          # one generation for this whole block
        kernel = live._kernel
        if self._reset_pending and self._backend != "c":
            self._reset_pending = False
            live._reset_state()
        if self.uses_max_block and frames > self._max_block:
            for start in range(0, frames, self._max_block):
                kernel(block[start:start + self._max_block])
        else:
            kernel(block)
        return block

    def _check_block(self, block: np.ndarray) -> None:
        if not self.prepared:
            raise RuntimeError(f"{type(self).__name__}.process() called before prepare()")
        if not isinstance(block, np.ndarray):
            raise TypeError(f"block must be a numpy.ndarray, got {type(block).__name__}")
        if block.dtype != np.float32:
            raise TypeError(f"block must be float32, got dtype {block.dtype}")
        if block.ndim != 2:
            raise ValueError(f"block must have shape (frames, channels), got shape {block.shape}")
        if block.shape[1] != self._channels:
            raise ValueError(f"block has {block.shape[1]} channel(s) but {type(self).__name__} was "
                             f"prepared for {self._channels}")
        if not block.flags.c_contiguous:
            raise ValueError("block must be C-contiguous (use numpy.ascontiguousarray)")
        if not block.flags.writeable:
            raise ValueError("block must be writeable (processing is in place)")

    def __call__(self, audio: np.ndarray, sample_rate: float) -> np.ndarray:
        """Process a whole signal offline, from a reset state.

        Parameters
        ----------
        audio : numpy.ndarray
            float32 or float64, shape ``(frames,)`` or ``(frames, channels)``.
        sample_rate : float
            Sample rate in Hz.

        Returns
        -------
        numpy.ndarray
            float32 array of the same shape as ``audio``.
        """
        return run_offline(self, audio, sample_rate)

    # ------------------------------------------------------------- counters
    @property
    def nonfinite_count(self) -> int:
        """Non-finite input samples replaced by 0 since the last reset (docs/maths/conventions.md §0.5)."""
        return int(self._counters[0]) if self.prepared else 0

    # -------------------------------------------------- subclass interface
    def _allocate(self, channels: int) -> None:
        raise NotImplementedError

    def _update_targets(self) -> None:
        raise NotImplementedError

    def _reset_state(self) -> None:
        raise NotImplementedError

    def _process_c(self, block: np.ndarray) -> None:
        """Run the C kernel named by ``c_process_symbol`` on the block (through the node)."""
        frames, channels = block.shape
        if self._node is not None:
            lib.rtd_node_process(self._node, _from_buffer("float[]", block), frames, channels)
        else:
            self._c_process(self._cself, _from_buffer("float[]", block), frames, channels)

    def _process_numba(self, block: np.ndarray) -> None:
        raise NotImplementedError

    def _process_reference(self, block: np.ndarray) -> None:
        raise NotImplementedError

    def native_process_pointer(self):
        """C function pointer the native chain calls for this processor
        (``void (*)(void *self, float *buf, int frames, int channels)``):
        ``rtd_node_process`` (docs/realtime.md §2), or the kernel named by
        ``c_process_symbol`` for a processor without a node."""
        if self.__dict__.get("_node") is not None:
            return ffi.addressof(lib, "rtd_node_process")
        return ffi.addressof(lib, self.c_process_symbol)

    def native_handle(self):
        """C pointer the native chain passes to ``native_process_pointer()``:
        the processor's ``rtd_node`` (or its kernel struct without a node)."""
        if not self.prepared:
            raise RuntimeError(f"{type(self).__name__} is not prepared")
        node = self.__dict__.get("_node")
        return node if node is not None else self._cself

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


def _param_property(param: Param) -> property:
    def getter(self: Processor) -> Any:
        return self._values[param.name]

    def setter(self: Processor, value: Any) -> None:
        self._set_param(param.name, value)

    unit = f" [{param.unit}]" if param.unit else ""
    return property(getter, setter, doc=f"{param.doc}{unit}; default {param.default!r}.")


def processor_class(name: str) -> type[Processor]:
    """The processor class registered under chain name ``name``."""
    try:
        return Processor._registry[name]
    except KeyError:
        from rtaudio.processors import EVERYDAY_EFFECTS, load_everyday_effect
        if name in EVERYDAY_EFFECTS:  # compiled on first use (docs/maths/everyday-effects.md)
            return load_everyday_effect(name)
        known = ", ".join(sorted(set(Processor._registry) | set(EVERYDAY_EFFECTS)))
        raise KeyError(f"unknown processor {name!r}; known processors: {known}") from None
