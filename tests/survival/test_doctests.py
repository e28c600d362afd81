"""The executable examples in the survival docstrings run and give the printed results."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassml.survival

MODULES = ["glassml.survival"] + [
    f"glassml.survival.{info.name}" for info in pkgutil.iter_modules(glassml.survival.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
