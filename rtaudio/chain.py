"""``Chain``: an ordered, editable list of processors (like pedalboard's board)."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional, Union

import numpy as np

from rtaudio.errors import ChainConfigError
from rtaudio.processor import DEFAULT_MAX_BLOCK, Processor, StreamSettings, run_offline, validate_sample_rate


class Chain(StreamSettings):
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

    Processors can be appended, inserted, removed, bypassed and
    re-parameterised while the chain is streaming. The list the audio
    callback iterates is an immutable tuple replaced in one assignment, so
    an edit from another thread is seen whole at the next block.
    """

    def __init__(self, processors: Iterable[Processor] = ()) -> None:
        self._procs: tuple[Processor, ...] = ()
        self._sample_rate: Optional[float] = None
        self._channels: Optional[int] = None
        self._max_block = DEFAULT_MAX_BLOCK
        for proc in processors:
            self.append(proc)

    # ---------------------------------------------------------------- list
    def __len__(self) -> int:
        return len(self._procs)

    def __iter__(self) -> Iterator[Processor]:
        return iter(self._procs)

    def __getitem__(self, key: Union[int, str]) -> Processor:
        """Processor by position, or by chain name (``"lowpass"``; the first
        match) or ``"lowpass#2"`` (the second one)."""
        if isinstance(key, str):
            return self._procs[self.index(key)]
        return self._procs[key]

    def index(self, name: str) -> int:
        """Position of the processor called ``name`` (``"gate"``, ``"gate#2"``,
        or a class name such as ``"NoiseGate"``)."""
        base, _, nth = name.partition("#")
        wanted = int(nth) if nth.isdigit() else 1
        seen = 0
        for position, proc in enumerate(self._procs):
            names = {proc.chain_name, *proc.aliases, type(proc).__name__.lower()}
            if base.lower() in names:
                seen += 1
                if seen == wanted:
                    return position
        present = ", ".join(p.chain_name for p in self._procs) or "(empty chain)"
        raise KeyError(f"no processor {name!r} in the chain; it holds: {present}")

    def append(self, proc: Processor) -> None:
        """Add a processor at the end (prepared to match the chain if needed)."""
        self.insert(len(self._procs), proc)

    def insert(self, position: int, proc: Processor) -> None:
        """Insert a processor before ``position``."""
        if not isinstance(proc, Processor):
            raise TypeError(f"Chain holds Processor objects, got {type(proc).__name__}")
        if self._channels is not None:
            proc.prepare(self._sample_rate, self._channels, self._max_block)
        procs = list(self._procs)
        procs.insert(position, proc)
        self._procs = tuple(procs)

    def remove(self, proc: Union[Processor, str]) -> Processor:
        """Remove a processor (object or name) and return it."""
        position = self.index(proc) if isinstance(proc, str) else self._procs.index(proc)
        procs = list(self._procs)
        removed = procs.pop(position)
        self._procs = tuple(procs)
        return removed

    def __delitem__(self, key: Union[int, str]) -> None:
        self.remove(self[key])

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
        """A list of ``{"type": name, **params}`` dicts (the preset format)."""
        out = []
        for proc in self._procs:
            entry: dict[str, Any] = {"type": proc.chain_name}
            entry.update({k: v for k, v in proc.get_params().items() if v is not None})
            if proc.bypass:
                entry["bypass"] = True
            out.append(entry)
        return out

    def __repr__(self) -> str:
        return "Chain([" + ", ".join(repr(p) for p in self._procs) + "])"
