"""``Chain``: an ordered, editable list of processors (like pedalboard's board)."""
from __future__ import annotations

from collections.abc import MutableSequence
from typing import Any, Iterable, Iterator, Optional, Union, overload

import numpy as np

from rtaudio.errors import ChainConfigError
from rtaudio.processor import DEFAULT_MAX_BLOCK, Processor, StreamSettings, run_offline, validate_sample_rate


class Chain(StreamSettings, MutableSequence):
    """An ordered list of processors run one after another.

    Parameters
    ----------
    processors : iterable of Processor
        The processors, in signal order.

    Examples
    --------
    >>> chain = Chain([NoiseGate(threshold_db=-40.0), LowPass(cutoff_hz=3000.0)])
    >>> y = chain(x, sample_rate=44100)              # offline, whole signal
    >>> chain.prepare(48000, channels=2, max_block=256)
    >>> chain.process(block)                          # streaming, in place

    A ``Chain`` is a :class:`collections.abc.MutableSequence` of processors
    (like pedalboard's ``Pedalboard``): ``chain[i] = proc``, ``del chain[i]``,
    ``insert``, ``append``, ``extend``, ``pop``, ``remove``, ``+=``, and a
    slice is a ``Chain``. Positions can also be processor names
    (``chain["lowpass"]``). All of it works while the chain is streaming:
    the list the audio callback iterates is an immutable tuple replaced in
    one assignment per edit, so an edit from another thread is seen whole
    at the next block; a processor added to a prepared chain is prepared to
    match it first.
    """

    def __init__(self, processors: Iterable[Processor] = ()) -> None:
        self._procs: tuple[Processor, ...] = ()
        self._sample_rate: Optional[float] = None
        self._channels: Optional[int] = None
        self._max_block = DEFAULT_MAX_BLOCK
        self.extend(processors)

    # ---------------------------------------------------------------- list
    # Every edit below builds a new tuple and assigns it once, so a thread
    # iterating the chain (python mode's callback, the native engine's
    # publisher) sees either the old or the new chain, never a half edit.
    def __len__(self) -> int:
        return len(self._procs)

    def __iter__(self) -> Iterator[Processor]:
        return iter(self._procs)

    @overload
    def __getitem__(self, key: slice) -> "Chain": ...

    @overload
    def __getitem__(self, key: Union[int, str]) -> Processor: ...

    def __getitem__(self, key):
        """Processor by position, or by chain name (``"lowpass"``; the first
        match) or ``"lowpass#2"`` (the second one); a slice is a new
        ``Chain`` of the same processor objects (as a list slice holds the
        same items)."""
        if isinstance(key, slice):
            part = Chain()
            part._procs = self._procs[key]
            part._sample_rate, part._channels, part._max_block = (
                self._sample_rate, self._channels, self._max_block)
            return part
        return self._procs[self._position(key)]

    def __setitem__(self, key: Union[int, str, slice], value: Any) -> None:
        """Replace a processor (``chain[1] = LowPass()``, ``chain["gate"] = ...``)
        or a slice of them (``chain[1:] = [VCF(), LowPass()]``)."""
        procs = list(self._procs)
        if isinstance(key, slice):
            new = [self._admit(proc) for proc in list(value)]
            procs[key] = new
        else:
            procs[self._position(key)] = self._admit(value)
        self._procs = tuple(procs)

    def __delitem__(self, key: Union[int, str, slice]) -> None:
        procs = list(self._procs)
        del procs[key if isinstance(key, slice) else self._position(key)]
        self._procs = tuple(procs)

    def _position(self, key: Union[int, str]) -> int:
        if isinstance(key, str):
            return self.index(key)
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"chain positions are integers, names or slices, not {type(key).__name__}")
        n = len(self._procs)
        if not -n <= key < n:
            raise IndexError(f"chain position {key} out of range (the chain holds {n})")
        return int(key) % n

    def _admit(self, proc: Any) -> Processor:
        """Check a processor and prepare it to match the chain if needed."""
        if not isinstance(proc, Processor):
            raise TypeError(f"Chain holds Processor objects, got {type(proc).__name__}")
        if self._channels is not None:
            proc.prepare(self._sample_rate, self._channels, self._max_block)
        return proc

    def index(self, name: Union[str, Processor], start: int = 0, stop: Optional[int] = None) -> int:
        """Position of a processor: the object itself, or its name (``"gate"``,
        ``"gate#2"``, or a class name such as ``"NoiseGate"``), searched in
        ``[start:stop]`` as ``list.index`` does."""
        start, stop, _ = slice(start, stop).indices(len(self._procs))
        if isinstance(name, Processor):
            for position, proc in enumerate(self._procs[start:stop], start):
                if proc is name:
                    return position
            raise ValueError(f"{name!r} is not in the chain")
        base, _, nth = name.partition("#")
        wanted = int(nth) if nth.isdigit() else 1
        seen = 0
        for position, proc in enumerate(self._procs[start:stop], start):
            names = {proc.chain_name, *proc.aliases, type(proc).__name__.lower()}
            if base.lower() in names:
                seen += 1
                if seen == wanted:
                    return position
        present = ", ".join(p.chain_name for p in self._procs) or "(empty chain)"
        raise KeyError(f"no processor {name!r} in the chain; it holds: {present}")

    def __contains__(self, proc: object) -> bool:
        return any(p is proc for p in self._procs)

    def insert(self, position: int, proc: Processor) -> None:
        """Insert a processor before ``position`` (prepared to match the chain if needed)."""
        procs = list(self._procs)
        procs.insert(position, self._admit(proc))
        self._procs = tuple(procs)

    def append(self, proc: Processor) -> None:
        """Add a processor at the end (prepared to match the chain if needed)."""
        self.insert(len(self._procs), proc)

    def extend(self, processors: Iterable[Processor]) -> None:
        """Append several processors in one edit."""
        new = [self._admit(proc) for proc in list(processors)]
        self._procs = self._procs + tuple(new)

    def __iadd__(self, processors: Iterable[Processor]) -> "Chain":
        self.extend(processors)
        return self

    def remove(self, proc: Union[Processor, str]) -> Processor:  # type: ignore[override]
        """Remove a processor (object or name) and return it."""
        position = self.index(proc)
        procs = list(self._procs)
        removed = procs.pop(position)
        self._procs = tuple(procs)
        return removed

    def reverse(self) -> None:
        """Reverse the signal order in one edit."""
        self._procs = self._procs[::-1]

    def clear(self) -> None:
        """Remove every processor in one edit."""
        self._procs = ()

    @property
    def processors(self) -> tuple[Processor, ...]:
        """The processors, in signal order (a snapshot)."""
        return self._procs

    # ----------------------------------------------------------- streaming
    @property
    def latency_samples(self) -> int:
        """Total delay of the non-bypassed processors, in samples."""
        return sum(p.latency_samples for p in self._procs if not p.bypass)

    def prepare(self, sample_rate: float, channels: int, max_block: int = DEFAULT_MAX_BLOCK) -> None:
        """Prepare every processor for streaming (see ``Processor.prepare``)."""
        try:
            rate = validate_sample_rate(sample_rate)
            for proc in self._procs:
                try:
                    proc.prepare(rate, channels, max_block)
                except ValueError as exc:
                    raise ChainConfigError(f"{proc.chain_name}: {exc}") from None
        except ChainConfigError:
            raise
        except ValueError as exc:
            raise ChainConfigError(str(exc)) from None
        self._sample_rate, self._channels, self._max_block = rate, int(channels), int(max_block)

    def reset(self) -> None:
        """Reset every processor's state (while an engine streams the chain:
        at the start of each processor's next block, docs/realtime.md §2)."""
        for proc in self._procs:
            proc.reset()

    def set_streaming(self, streaming: bool) -> None:
        """Tell every processor whether an audio thread runs it (the engine
        calls this around a stream's life; see ``Processor.set_streaming``)."""
        for proc in self._procs:
            proc.set_streaming(streaming)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Run the chain in place on one float32 ``(frames, channels)`` block."""
        for proc in self._procs:
            proc.process(block)
        return block

    def __call__(self, audio: np.ndarray, sample_rate: float) -> np.ndarray:
        """Process a whole signal offline from a reset state.

        Parameters
        ----------
        audio : numpy.ndarray
            float32 or float64, shape ``(frames,)`` or ``(frames, channels)``.
        sample_rate : float
            Sample rate in Hz.

        Returns
        -------
        numpy.ndarray
            float32, same shape as ``audio``.
        """
        return run_offline(self, audio, sample_rate)

    @property
    def nonfinite_count(self) -> int:
        """Non-finite samples the processors replaced since their last reset."""
        return sum(p.nonfinite_count for p in self._procs)

    # -------------------------------------------------------- description
    def describe(self) -> list[dict[str, Any]]:
        """A list of ``{"type": name, **params}`` dicts (the preset format; a
        parameter itself named ``type``, e.g. Biquad's, goes in a ``params``
        table so that it cannot replace the processor's name)."""
        out = []
        for proc in self._procs:
            entry: dict[str, Any] = {"type": proc.chain_name}
            params = {k: v for k, v in proc.get_params().items() if v is not None}
            if "type" in params:
                entry["params"] = {"type": params.pop("type")}
            entry.update(params)
            if proc.bypass:
                entry["bypass"] = True
            out.append(entry)
        return out

    def __repr__(self) -> str:
        return "Chain([" + ", ".join(repr(p) for p in self._procs) + "])"
