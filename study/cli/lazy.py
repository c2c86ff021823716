"""Library values the command line needs before a command runs (option choices, defaults),
read only when asked for, so that ``study --help`` and light commands start without loading
the statistics, tables and charts libraries the heavy commands need.

Example::

    @click.option("--level", type=LazyChoice("study.agreement.units:LEVELS"), default="segment")
    @click.option("--replicates", type=int, default=lazy("study.agreement.bootstrap:DEFAULT_REPLICATES"))
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import click


def _load(where: str | Callable[[], Any]) -> Any:
    """``module:NAME``'s value, or what a function returns (for values built from several)."""
    if callable(where):
        return where()
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)


class lazy:  # noqa: N801 - reads like the value it stands for
    """A default read from ``module:NAME`` when click asks for it (shown as its value in --help)."""

    def __init__(self, where: str | Callable[[], Any]) -> None:
        self.where = where

    def __call__(self) -> Any:
        return _load(self.where)

    def __str__(self) -> str:
        return str(self())


class LazyChoice(click.Choice):
    """A click.Choice whose choices are the sequence ``module:NAME``, read on first use."""

    def __init__(self, where: str | Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self.where = where
        self._choices: Sequence[str] | None = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> Sequence[str]:
        if self._choices is None:
            self._choices = tuple(_load(self.where))
        return self._choices

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        self._choices = tuple(value)


def library(name: str):
    """The module ``name``, loaded on first attribute access (``importlib.util.LazyLoader``), so
    a command module can name the library modules its commands call without loading them."""
    import importlib.util
    import sys

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
