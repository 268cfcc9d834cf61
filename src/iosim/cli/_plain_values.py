"""Option values that are plainly a number, a word or a path, converted without pydantic.

Typer (0.29 here) converts every option's text through a pydantic ``TypeAdapter``; importing
pydantic for that is ~0.1 s of ``iosim cohort``'s ~1 s start-up (docs/performance.md). A command
made with ``cls=PlainValuesCommand`` converts the plain cases here, to what typer's own conversion
gives: a whole number of up to 18 digits (``int``), a decimal number (``float``), any text
(``str``), a path (``pathlib.Path``, through typer's own path checks), a list of texts, a flag,
and a default already of the option's type. Everything else (``1_0``, ``1.0`` for a whole number,
``inf``, ``nan``, text that is not a number, a path typer refuses, other types, options with
bounds or parsers) goes to typer's conversion, which gives its answer and its error message as
before. Where typer's internals are not what this expects, nothing changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import typer.core

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?")
_TYPER = object()  # "not plain: ask typer"

try:  # typer's own pieces, where this version of typer has them
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - another typer: every value goes through typer as usual
    RuntimeParam = None  # type: ignore[assignment,misc]


def _plain(annotation: Any, info: Any):
    """A converter of one value for ``annotation`` (returns :data:`_TYPER` when not plain), or None."""
    if getattr(info, "parser", None) is not None or getattr(info, "min", None) is not None:
        return None
    if getattr(info, "max", None) is not None or getattr(info, "clamp", False):
        return None
    if annotation is int:
        return lambda v, param, ctx: v if type(v) is int else int(v) if isinstance(v, str) and _INT.fullmatch(v) \
            else _TYPER  # fmt: skip
    if annotation is float:
        return lambda v, param, ctx: v if type(v) is float else float(v) if isinstance(v, str) and _FLOAT.fullmatch(v) \
            else _TYPER  # fmt: skip
    if annotation is str:
        return lambda v, param, ctx: v if isinstance(v, str) else _TYPER
    if annotation is Path and getattr(info, "path_type", None) is None:

        def path(v, param, ctx):
            if not isinstance(v, str) or not v:
                return _TYPER
            if "\x00" in v:  # os.stat would raise ValueError, not the OSError typer's check expects
                return _TYPER  # typer's conversion refuses it first, in its words
            try:  # typer's checks of the path pydantic would make of ``v`` (``Path(v)``)
                return coerce_cli_path(Path(v), info, path_type=Path, param=param, ctx=ctx)
            except typer.BadParameter:
                return _TYPER  # refused: typer says so in its words, quoting ``v`` as written

        return path
    if annotation is bool:  # a flag: typer passes True/False through, and so does this
        return lambda v, param, ctx: v if type(v) is bool else _TYPER
    if get_origin(annotation) is list and get_args(annotation) == (str,):
        return lambda v, param, ctx: list(v) if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v) \
            else _TYPER  # fmt: skip
    return None


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _PlainParam(RuntimeParam):
        """Typer's runtime conversion of one parameter, plain values first."""

        convert: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            out = self.convert(value, param, ctx)
            if out is _TYPER:
                return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
            return out


def _install(param: Any) -> None:
    """Give ``param`` the plain-values conversion, where it is typer's parameter as this module expects."""
    desc = getattr(param, "type_descriptor", None)
    if RuntimeParam is None or desc is None or getattr(param, "_runtime_param", _TYPER) is not None:
        return  # another typer, not typer's parameter, or already converting
    if getattr(desc, "file_annotation", None) is not None:
        return
    convert = _plain(desc.annotation, desc.parameter_info)
    if convert is None:
        return
    try:
        param._runtime_param = _PlainParam(desc.parameter_info, desc.annotation, convert)
    except Exception:  # typer's RuntimeParam is not what this expects: its own conversion, as before
        return


class PlainValuesCommand(typer.core.TyperCommand):
    """A typer command whose plain option values skip pydantic (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            _install(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _install(option)  # even --help not given is converted (to False): typer would load pydantic for it
        return option


class PlainValuesGroup(typer.core.TyperGroup):
    """The ``iosim`` group, whose own ``--help`` option skips pydantic too."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _install(option)
        return option
