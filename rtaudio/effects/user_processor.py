"""``UserEffect``: the Processor behind every ``rtaudio.effect`` / ``rtaudio.c_effect``.

All user effects share one C process function, ``rtd_user_effect_process``
(native/kernels/user_effect.c): a shim that reads the atomic parameter
targets, smooths them, sanitises input and output and calls the user's
compiled kernel through a function pointer. So offline calls, streaming,
python mode and native mode all run the same code
(docs/effects-api.md §5).
"""
from __future__ import annotations

from typing import Any, ClassVar, Optional

import numpy as np

from rtaudio._native import ffi, lib
from rtaudio.effects.spec import Latency, StateField, call_user, numeric_value
from rtaudio.processor import Processor, smoothing_pole

KIND_NUMBA = 0
KIND_C = 1
_COUNTERS = 3  # [0] non-finite input, [1] non-finite output, [2] blocks reset for it


class _Allocation:
    """The arrays and the C struct of one configuration (kept together so
    that a struct never outlives what it points to)."""

    def __init__(self, effect: "UserEffect", channels: int, sizes: list[int]) -> None:
        cls = type(effect)
        n_params = len(cls.PARAMS)
        stride = effect.max_block
        self.sizes = sizes
        self.state_size = np.array(sizes or [0], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(np.array(sizes, dtype=np.int64) * channels)))
        self.state_offset = np.array(offsets[:-1] if sizes else [0], dtype=np.int64)
        self.state_total = int(offsets[-1])
        self.state = np.zeros(max(1, self.state_total), dtype=np.float64)
        self.targets = np.zeros(n_params + 1, dtype=np.float64)
        self.current = np.zeros(max(1, n_params), dtype=np.float64)
        self.smoothed = np.array([int(p.smoothed and p.choices is None) for p in cls.PARAMS] or [0],
                                 dtype=np.int32)
        self.param_values = np.zeros(max(1, n_params) * stride, dtype=np.float64)
        self.counters = np.zeros(_COUNTERS, dtype=np.int64)
        c = ffi.new("rtd_user_effect *")
        b = c.block
        b.params = ffi.cast("double *", ffi.from_buffer(self.param_values))
        b.state = ffi.cast("double *", ffi.from_buffer(self.state))
        b.state_offset = ffi.cast("int64_t *", ffi.from_buffer(self.state_offset))
        b.state_size = ffi.cast("int64_t *", ffi.from_buffer(self.state_size))
        b.sample_rate = effect.sample_rate
        b.channels = channels
        b.frames = 0
        b.max_block = stride
        b.param_stride = stride
        b.n_params = n_params
        b.n_state = len(sizes)
        c.kernel = ffi.cast("void *", cls._kernel_address)
        c.reset_kernel = ffi.cast("void *", cls._reset_address)
        c.kind = cls._kind
        c.targets = ffi.cast("double *", ffi.from_buffer(self.targets))
        c.current = ffi.cast("double *", ffi.from_buffer(self.current))
        c.smoothed = ffi.cast("int32_t *", ffi.from_buffer(self.smoothed))
        c.param_values = b.params
        c.counters = ffi.cast("int64_t *", ffi.from_buffer(self.counters))
        c.state_total = self.state_total
        self.cdata = c


class UserEffect(Processor):
    """Base class of the Processor subclasses that ``rtaudio.effect`` and
    ``rtaudio.c_effect`` generate. Not used directly."""

    c_process_symbol = "rtd_user_effect_process"
    #: per-channel float64 state fields
    STATE: ClassVar[tuple[StateField, ...]] = ()
    #: address of the compiled kernel and of the optional reset kernel (0: none)
    _kernel_address: ClassVar[int] = 0
    _reset_address: ClassVar[int] = 0
    _kind: ClassVar[int] = KIND_NUMBA
    _latency: ClassVar[Latency] = 0
    #: compiled objects the addresses point into (kept alive with the class)
    _compiled: ClassVar[Any] = None
    #: seconds spent compiling or loading the kernel, and whether it came from the disk cache
    compile_seconds: ClassVar[float] = 0.0
    compile_cached: ClassVar[bool] = False
    #: "numba" or "c"
    language: ClassVar[str] = ""
    #: the user's kernel function (``rtaudio.effect``; None for C effects)
    kernel: ClassVar[Any] = None

    _alloc: Optional[_Allocation] = None

    # ------------------------------------------------------------ preparation
    def _state_sizes(self) -> list[int]:
        params = dict(self._values)
        return [f.resolve(self._sample_rate, self._max_block, params, self.chain_name) for f in self.STATE]

    def _allocate(self, channels: int) -> None:
        self._install(_Allocation(self, channels, self._state_sizes()))

    def _install(self, alloc: _Allocation) -> None:
        # Arrays of replaced configurations stay referenced: a python-mode
        # audio thread may still be inside a call on the previous struct.
        retired = self.__dict__.setdefault("_retired_allocations", [])
        if self._alloc is not None:
            retired.append(self._alloc)
            del retired[:-4]
        self._alloc = alloc
        self._counters = alloc.counters
        self._cself = alloc.cdata

    def _update_targets(self) -> None:
        alloc = self._alloc
        if alloc.sizes != self._state_sizes():
            # a structural parameter changed the state size: a new, reset state
            # is built off the audio thread and published by one pointer swap
            # in the processor's node (Processor._restructure, docs/realtime.md §2)
            self._restructure()
            return
        self._store_targets(alloc)

    def _store_targets(self, alloc: _Allocation) -> None:
        targets = alloc.cdata.targets
        for i, param in enumerate(self.PARAMS):
            lib.rtd_param_store(targets, i, numeric_value(param, self._values[param.name]))
        lib.rtd_param_store(targets, len(self.PARAMS), smoothing_pole(self._sample_rate))

    def _reset_state(self) -> None:
        lib.rtd_user_effect_reset(self._cself)

    def request_reset(self) -> None:
        """Reset the state at the start of the next processed block, in the
        thread that processes it (safe while an engine runs: the audio
        thread never sees a half-reset state). ``reset()`` resets at once,
        for use between blocks or offline."""
        if self.prepared:
            lib.rtd_user_effect_request_reset(self._cself)

    # ---------------------------------------------------------- processing
    # One implementation for every backend: the compiled kernel behind the shim.
    def _process_numba(self, block: np.ndarray) -> None:
        self._process_c(block)

    def _process_reference(self, block: np.ndarray) -> None:
        self._process_c(block)

    # -------------------------------------------------------------- status
    @property
    def latency_samples(self) -> int:
        """Delay the effect adds, in samples (from its declaration)."""
        latency = self._latency
        if callable(latency):
            if self._sample_rate is None:
                return 0
            return int(call_user(latency, self.chain_name, "latency_samples", dict(self._values), self._sample_rate))
        return int(latency)

    @property
    def nonfinite_output_count(self) -> int:
        """Non-finite samples the kernel wrote (replaced by 0) since the last reset."""
        return int(self._counters[1]) if self.prepared else 0

    @property
    def state(self) -> dict[str, np.ndarray]:
        """Views of the state fields (for inspection and tests; read-only use)."""
        if not self.prepared:
            return {}
        alloc = self._alloc
        out = {}
        for field, size, offset in zip(self.STATE, alloc.sizes, alloc.state_offset):
            view = alloc.state[offset:offset + size * self._channels]
            out[field.name] = view if field.per_channel_scalar else view.reshape(self._channels, size)
        return out
