"""Chain strings and TOML presets, parsed without ``eval``.

Chain string grammar::

    chain     := processor ( ">" processor )*
    processor := NAME [ "(" [ arg ( "," arg )* ] ")" ]
    arg       := NAME "=" value
    value     := number | "quoted string" | 'quoted string' | true | false | bareword

Example: ``gate(threshold_db=-40) > lowpass(cutoff_hz=3000)``.

Preset (TOML)::

    [[processor]]
    type = "gate"
    threshold_db = -40.0

    [[processor]]
    type = "lowpass"
    cutoff_hz = 3000.0
    bypass = false

    [[processor]]
    type = "biquad"
    freq_hz = 80.0
    params.type = "highpass"    # a parameter named type goes in params
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Union

from rtaudio.chain import Chain
from rtaudio.errors import ChainSyntaxError, RtaudioError
from rtaudio.processor import Processor, processor_class

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|inf|nan)(?![\w.]))
     |(?P<string>"[^"]*"|'[^']*')
     |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
     |(?P<punct>[()=,>])
    )""", re.VERBOSE)


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ChainSyntaxError(f"chain string: unexpected character {text[position:].lstrip()[:1]!r} "
                                   f"at position {position + 1} in {text!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def _convert(kind: str, raw: str) -> Any:
    if kind == "number":
        return float(raw) if any(c in raw.lower() for c in ".en") else int(raw)
    if kind == "string":
        return raw[1:-1]
    if raw in ("true", "True"):
        return True
    if raw in ("false", "False"):
        return False
    return raw  # bareword, e.g. model=stable


def parse_chain_string(text: str, backend: str = "c") -> Chain:
    """Build a ``Chain`` from a chain string.

    Parameters
    ----------
    text : str
        E.g. ``"gate(threshold_db=-40) > lowpass(cutoff_hz=3000)"``.
    backend : str
        Kernel backend for every processor.

    Raises
    ------
    ChainSyntaxError
        With the position and the reason (unknown processor or parameter,
        bad value, misplaced token).
    """
    tokens = _tokenize(text)
    if not tokens:
        raise ChainSyntaxError("chain string is empty")
    specs: list[tuple[str, dict[str, Any]]] = []
    i = 0

    def expect(kinds: tuple[str, ...], what: str) -> tuple[str, str, int]:
        nonlocal i
        if i >= len(tokens):
            raise ChainSyntaxError(f"chain string ends early: expected {what} in {text!r}")
        token = tokens[i]
        if token[0] not in kinds and token[1] not in kinds:
            raise ChainSyntaxError(f"chain string: expected {what} at position {token[2] + 1}, "
                                   f"found {token[1]!r} in {text!r}")
        i += 1
        return token

    while True:
        _, name, _ = expect(("name",), "a processor name")
        args: dict[str, Any] = {}
        if i < len(tokens) and tokens[i][1] == "(":
            i += 1
            while tokens[i:i + 1] and tokens[i][1] != ")":
                _, key, pos = expect(("name",), "a parameter name")
                expect(("=",), "'='")
                kind, raw, _ = expect(("number", "string", "name"), "a value")
                if key in args:
                    raise ChainSyntaxError(f"chain string: parameter {key!r} given twice for {name!r}")
                args[key] = _convert(kind, raw)
                if tokens[i:i + 1] and tokens[i][1] == ",":
                    i += 1
            expect((")",), "')'")
        specs.append((name, args))
        if i == len(tokens):
            break
        expect((">",), "'>' between processors")
    return build_chain(specs, backend=backend, source="chain string")


def build_chain(specs: list[tuple[str, dict[str, Any]]], backend: str = "c",
                source: str = "chain") -> Chain:
    """Build a chain from ``(name, params)`` pairs; errors become ``ChainSyntaxError``."""
    procs: list[Processor] = []
    for name, args in specs:
        args = dict(args)
        bypass = args.pop("bypass", False)
        try:
            cls = processor_class(name)
            proc = cls(backend=args.pop("backend", backend), **args)
        except (KeyError, TypeError, ValueError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            raise ChainSyntaxError(f"{source}: {message}") from None
        if not isinstance(bypass, bool):
            raise ChainSyntaxError(f"{source}: bypass for {name!r} must be true or false, got {bypass!r}")
        proc.bypass = bypass
        procs.append(proc)
    return Chain(procs)


def load_preset(path: Union[str, Path], backend: str = "c") -> Chain:
    """Build a chain from a TOML preset file (format in the module docstring)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RtaudioError(f"preset file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RtaudioError(f"cannot read preset {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ChainSyntaxError(f"preset {path} is not valid TOML: {exc}") from None
    entries = data.get("processor")
    if not isinstance(entries, list) or not entries:
        raise ChainSyntaxError(f"preset {path} has no [[processor]] tables")
    specs = []
    for number, entry in enumerate(entries, 1):
        entry = dict(entry)
        name = entry.pop("type", None)
        if not isinstance(name, str):
            raise ChainSyntaxError(f"preset {path}: processor #{number} has no type = \"...\"")
        nested = entry.pop("params", {})  # parameters named like a preset key (Biquad's type)
        if not isinstance(nested, dict):
            raise ChainSyntaxError(f"preset {path}: processor #{number}: params must be a table, "
                                   f"got {nested!r}")
        twice = sorted(set(nested) & set(entry))
        if twice:
            raise ChainSyntaxError(f"preset {path}: processor #{number} gives {', '.join(twice)} twice "
                                   f"(in params and beside type)")
        entry.update(nested)
        specs.append((name, entry))
    return build_chain(specs, backend=backend, source=f"preset {path}")


def preset_text(chain: Chain) -> str:
    """TOML text of a preset describing ``chain`` (readable by ``load_preset``)."""
    import tomli_w
    return tomli_w.dumps({"processor": chain.describe()})


def chain_from_options(chain: Union[str, None], preset: Union[str, Path, None],
                       default: str, backend: str = "c") -> Chain:
    """The chain a CLI command asked for: ``--chain``, ``--preset`` or ``default``."""
    if chain and preset:
        raise RtaudioError("give either --chain or --preset, not both")
    if preset:
        return load_preset(preset, backend=backend)
    return parse_chain_string(chain or default, backend=backend)
