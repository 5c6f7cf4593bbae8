"""Nested settings dataclasses <- plain dicts (TOML), with one-line errors that name the field.

An unknown key gets the list of valid keys of its table; a value of the wrong type names the field, the expected type
and the value; nested dataclass fields are tables. A table changes only the keys it names: the others keep the
field's default (e.g. ``[stage1.problem.train] g_lr = 1e-4`` keeps the problem's batch sizes and EMA). Lists become
tuples where a field is a tuple.

Example:
    >>> from pymoo_gan.problems import SearchConfig
    >>> from_dict(SearchConfig, {"data": {"dataset": "digits"}, "train": {"g_lr": 1e-4}}).train.g_lr
    0.0001
    >>> from_dict(SearchConfig, {"warmup_epochs": 3})
    Traceback (most recent call last):
    ...
    ValueError: warmup_epochs: unknown key (it belongs in the schedule table); valid: constraints, data, ...
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any


def _type_name(tp) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _convert(value: Any, tp, where: str, default: Any = None):
    """``value`` checked (and converted where lossless) against the annotation ``tp``; a table for a dataclass field
    updates ``default`` when that is an instance of it."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        tables = [o for o in options if dataclasses.is_dataclass(o)]
        if isinstance(value, dict) and len(tables) == 1:  # an optional table: its own errors name the bad field
            return _convert(value, tables[0], where, default)
        for option in (o for o in options if o is not type(None)):
            try:
                return _convert(value, option, where)
            except ValueError:
                pass
        raise ValueError(f"{where} must be {' or '.join(_type_name(o) for o in options)}, got {value!r}")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be a table of {tp.__name__} settings, got {value!r}")
        return from_dict(tp, value, where, base=default if isinstance(default, tp) else None)
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} must be an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ValueError(f"{where} must be a string, got {value!r}")
        return value
    if tp is tuple or origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where} must be a list, got {value!r}")
        return tuple(value)
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where} must be a table, got {value!r}")
        return dict(value)
    return value


def _default(cls, f: dataclasses.Field, base):
    if base is not None:
        return getattr(base, f.name)
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else None


def from_dict(cls, data: dict, where: str = "", base=None):
    """Build dataclass ``cls`` from ``data`` (on top of ``base``, an instance, when given), validating keys and types
    recursively (see the module docstring)."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    prefix = f"{where}." if where else ""
    unknown = sorted(set(data) - set(fields))
    if unknown:
        sections = [n for n in fields if dataclasses.is_dataclass(hints[n])
                    and unknown[0] in {f.name for f in dataclasses.fields(hints[n])}]
        where_else = f" (it belongs in the {prefix}{sections[0]} table)" if sections else ""
        raise ValueError(f"{prefix}{unknown[0]}: unknown key{where_else}; valid: {', '.join(sorted(fields))}")
    kwargs = {k: _convert(v, hints[k], prefix + k, _default(cls, fields[k], base)) for k, v in data.items()}
    try:
        return dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: {e}" if where else str(e)) from None


def to_dict(obj) -> dict:
    """The plain-dict (JSON/TOML-ready) form of a settings dataclass; tuples become lists."""
    def plain(v):
        if dataclasses.is_dataclass(v):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        return v

    return plain(obj)
