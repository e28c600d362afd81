"""The executable examples in the docstrings of model_selection, gaussian_process and
preprocessing run and give the printed results."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassml.gaussian_process
import glassml.model_selection
import glassml.preprocessing

MODULES = [
    f"{package.__name__}.{info.name}"
    for package in (glassml.gaussian_process, glassml.model_selection, glassml.preprocessing)
    for info in pkgutil.iter_modules(package.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
