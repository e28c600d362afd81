"""The executable examples in glassml.learn's docstrings run and give the printed results."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import glassml.learn

MODULES = ["glassml.learn"] + [
    f"glassml.learn.{info.name}" for info in pkgutil.iter_modules(glassml.learn.__path__)
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside any workspace: nothing is recorded
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
