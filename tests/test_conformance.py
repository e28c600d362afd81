"""scikit-learn's conformance suite over every estimator glassml exports.

Estimators are discovered, not listed: every public subpackage is imported and every class in
its ``__all__`` that subclasses ``BaseEstimator`` is checked, so a new family is covered the
day it lands. A family may say which instances to check and which checks are expected to fail
(each with its reason) in ``tests/<family>/conformance_cases.py``::

    INSTANCES = {"SVC": [SVC(), SVC(kernel="linear", probability=True, random_state=0)]}
    EXPECTED_FAILURES = {"SVC": {"check_sample_weight_equivalence_on_dense_data": "why"}}

Without an entry the default instance is checked (``random_state=0`` where it exists).

An estimator whose ``fit`` requires an argument the checks cannot pass (the fairness
mitigators need ``sensitive_features``) is declared in ``FIT_NEEDS_METADATA`` with the reason and
the test module that runs the contract's checks with that argument; it is then not handed to
``parametrize_with_checks``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import warnings
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

import glassml

TESTS = Path(__file__).resolve().parent
# Packages that hold no estimators of their own, or only re-use other families' estimators.
NOT_MODEL_PACKAGES = {"tour", "cli", "casestudies", "learn"}
MAX_EXPECTED_FAILURES = 3
# Discovered but not yet conformant; each entry is an open defect with its issue, never a waiver.
NOT_YET_CONFORMANT: dict[str, str] = {}


def exported_estimators() -> dict[str, type]:
    found: dict[str, type] = {}
    for info in pkgutil.iter_modules(glassml.__path__):
        if info.name.startswith("_") or info.name in NOT_MODEL_PACKAGES or not info.ispkg:
            continue
        package = importlib.import_module(f"glassml.{info.name}")
        for name in getattr(package, "__all__", ()):
            value = getattr(package, name)
            if (
                inspect.isclass(value)
                and issubclass(value, BaseEstimator)
                and value.__module__.startswith("glassml.")
                and not inspect.isabstract(value)
                and not name.startswith("_")
            ):
                found[name] = value
    return dict(sorted(found.items()))


def family_cases() -> tuple[dict[str, list], dict[str, dict[str, str]], dict[str, str]]:
    instances: dict[str, list] = {}
    failures: dict[str, dict[str, str]] = {}
    metadata: dict[str, str] = {}
    for path in sorted(TESTS.glob("*/conformance_cases.py")):
        spec = importlib.util.spec_from_file_location(f"conformance_cases_{path.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, listed in getattr(module, "INSTANCES", {}).items():
            if name in instances:
                raise RuntimeError(f"{path}: {name} already has conformance instances")
            instances[name] = listed
        failures.update(getattr(module, "EXPECTED_FAILURES", {}))
        metadata.update(getattr(module, "FIT_NEEDS_METADATA", {}))
    return instances, failures, metadata


ESTIMATORS = exported_estimators()
INSTANCES, EXPECTED_FAILURES, FIT_NEEDS_METADATA = family_cases()


def default_instance(cls: type) -> BaseEstimator:
    parameters = inspect.signature(cls.__init__).parameters
    return cls(random_state=0) if "random_state" in parameters else cls()


def all_instances() -> list[BaseEstimator]:
    return [
        instance
        for name, cls in ESTIMATORS.items()
        if name not in NOT_YET_CONFORMANT and name not in FIT_NEEDS_METADATA
        # The default instance only when none is listed: some estimators have required
        # arguments (a search needs an estimator and a space).
        for instance in (INSTANCES[name] if name in INSTANCES else [default_instance(cls)])
    ]


def test_every_exported_estimator_is_checked():
    assert ESTIMATORS, "no estimators discovered"
    unknown = sorted((set(INSTANCES) | set(EXPECTED_FAILURES)) - set(ESTIMATORS))
    assert not unknown, f"conformance cases name estimators glassml does not export: {unknown}"
    for name, listed in INSTANCES.items():
        assert listed and all(type(est) is ESTIMATORS[name] for est in listed), name
    unknown = sorted(set(FIT_NEEDS_METADATA) - set(ESTIMATORS))
    assert not unknown, f"FIT_NEEDS_METADATA names estimators glassml does not export: {unknown}"
    for name, reason in FIT_NEEDS_METADATA.items():
        tests = re.search(r"tests/\S+\.py", reason)
        assert tests and (TESTS.parent / tests.group(0)).is_file(), (
            f"{name}: FIT_NEEDS_METADATA must name the test module that checks its contract"
        )


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_expected_failures_are_few_and_explained(name):
    reasons = EXPECTED_FAILURES[name]
    assert len(reasons) <= MAX_EXPECTED_FAILURES, f"{name}: {len(reasons)} expected failures"
    assert all(isinstance(why, str) and len(why) > 20 for why in reasons.values()), name


@parametrize_with_checks(
    all_instances(),
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES.get(type(estimator).__name__, {}),
)
def test_sklearn_conformance(estimator, check):
    with warnings.catch_warnings():
        # Checks fit with tiny max_iter on purpose; the warning says so and is not the subject.
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
