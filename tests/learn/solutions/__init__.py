"""Reference solutions and typical wrong solutions of every exercise (kept out of the package).

A solution is written as a learner would write it, independently of the grader's reference
(glassml's implementation). A mutant is a typical mistake; ``fails`` is (part of) the name of
the check that must fail first, ``cause`` (optional) part of the "Likely cause" line the
feedback must give. ``tests/learn/test_graders.py`` grades them all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

SOLUTIONS: dict[str, Callable] = {}
MUTANTS: dict[str, list[Mutant]] = {}


@dataclass
class Mutant:
    exercise: str
    function: Callable
    fails: str
    cause: str = ""

    def __str__(self) -> str:
        return f"{self.exercise}:{self.function.__name__}"


def solution(exercise: str):
    def register(function: Callable) -> Callable:
        assert exercise not in SOLUTIONS, f"two solutions for {exercise}"
        SOLUTIONS[exercise] = function
        return function

    return register


def mutant(exercise: str, fails: str, cause: str = ""):
    def register(function: Callable) -> Callable:
        MUTANTS.setdefault(exercise, []).append(Mutant(exercise, function, fails, cause))
        return function

    return register


def load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


load_all()
