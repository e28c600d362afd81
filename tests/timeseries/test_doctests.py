"""The executable examples in the timeseries docstrings run and give the printed results."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassml.timeseries

MODULES = ["glassml.timeseries"] + [
    f"glassml.timeseries.{info.name}" for info in pkgutil.iter_modules(glassml.timeseries.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
