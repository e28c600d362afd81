"""The executable examples in the ensemble docstrings run and give the printed results."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassml.ensemble

MODULES = ["glassml.ensemble"] + [
    f"glassml.ensemble.{info.name}" for info in pkgutil.iter_modules(glassml.ensemble.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
