"""Every public entry point against every family of bad input (see ``framework.py``).

Entries live in ``tests/robustness/entries_<family>.py`` (``ENTRIES``: a list of ``Entry``;
``EXEMPT``: public names that need no entry of their own, each with the reason). A new family
of glassml joins by adding such a file; ``test_every_public_entry_point_is_registered`` fails
until it does.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib
import importlib.util
import inspect
import pkgutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness.framework import (
    HUGE,
    TINY,
    Entry,
    Outcome,
    affine,
    as_numpy_scalar,
    assert_finite,
    automatic_bad_values,
    default_compare,
    equals,
    equivariant,
    invariant,
    mutate,
    not_constant,
    per_output,
    scaled,
    verdict,
)
from sklearn.base import BaseEstimator
from sklearn.utils._available_if import _AvailableIfDescriptor

import glassml

HERE = Path(__file__).resolve().parent
# Packages whose public surface is the command line or the terminal, tested by their own suites.
NOT_API_PACKAGES = {"tour", "cli"}


def _load_entry_files() -> tuple[list[Entry], dict[str, str]]:
    entries: list[Entry] = []
    exempt: dict[str, str] = {}
    for path in sorted(HERE.glob("entries_*.py")):
        spec = importlib.util.spec_from_file_location(f"robustness_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        entries.extend(module.ENTRIES)
        exempt.update(getattr(module, "EXEMPT", {}))
    return entries, exempt


ENTRIES, EXEMPT = _load_entry_files()
BY_ID = {entry.name: entry for entry in ENTRIES}
_BASELINES: dict[str, object] = {}


def _call(entry: Entry, **changes):
    arguments = copy.deepcopy(entry.arguments)
    arguments.update(changes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are allowed; wrong answers are not
        return entry.call(**arguments)


def _baseline(entry: Entry):
    if entry.name not in _BASELINES:
        _BASELINES[entry.name] = _call(entry)
    return _BASELINES[entry.name]


def _compare(entry: Entry):
    compare = entry.compare or default_compare
    base = _baseline(entry)
    return lambda result: compare(base, result)


def _record(record_property, outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        record_property("robustness", outcome.kind)


def _applies(entry: Entry, family: str) -> bool:
    return family not in entry.skip


def test_entry_names_are_unique():
    names = [entry.name for entry in ENTRIES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
def test_valid_call_gives_a_finite_result(entry):
    result = _baseline(entry)
    assert_finite(result, entry.name)
    for family, reason in entry.skip.items():
        assert len(reason) > 15, f"{entry.name}: family {family!r} skipped without a reason"


# --------------------------------------------------------------- element-level families


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
# record_property is function-scoped but only collects outcomes; nothing leaks between examples.
@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(0, 10_000), sign=st.sampled_from([1, -1]))
def test_element_families(entry, position, sign, record_property):
    outcomes = []
    for family in ("nan", "inf", "object", "complex", "ndim"):
        if not _applies(entry, family):
            continue
        targets = entry.arrays + (entry.labels if family in ("nan", "inf", "ndim") else ())
        for argument in targets:
            value = mutate(family, entry.arguments[argument], position, sign)
            if family == "nan" and argument in entry.allow_nan:
                check = assert_finite  # missing values are legal here: any finite answer
            elif family == "ndim":
                check = _compare(entry)  # a column vector for a vector may be accepted as is
            else:
                check = None
            outcomes.append(
                verdict(
                    entry,
                    family,
                    argument,
                    lambda a=argument, v=value: _call(entry, **{a: v}),
                    check,
                )
            )
    _record(record_property, outcomes)


# --------------------------------------------------------------- whole-argument families


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
def test_empty_string_and_length(entry, record_property):
    outcomes = []
    data = entry.arrays + entry.labels
    for argument in data:
        for family in ("empty", "string", "length"):
            if not _applies(entry, family) or (family == "string" and argument in entry.labels):
                continue
            if family == "length" and len(data) < 2:
                continue
            value = mutate(family, entry.arguments[argument], 0)
            probe_entry = entry
            if family == "length":  # the error may name either side of the mismatch
                others = tuple(name for name in data if name != argument)
                probe_entry = copy.copy(entry)
                probe_entry.aliases = {
                    **entry.aliases,
                    argument: (*entry.aliases.get(argument, ()), *others),
                }
            outcomes.append(
                verdict(
                    probe_entry,
                    family,
                    argument,
                    lambda a=argument, v=value: _call(entry, **{a: v}),
                    None,
                )
            )
    for argument in entry.labels:
        if _applies(entry, "one_class"):
            value = mutate("one_class", entry.arguments[argument], 0)
            outcomes.append(
                verdict(
                    entry,
                    "one_class",
                    argument,
                    lambda a=argument, v=value: _call(entry, **{a: v}),
                    None,
                )
            )
    _record(record_property, outcomes)


@pytest.mark.parametrize("entry", ENTRIES, ids=str)
@pytest.mark.parametrize("family", ["huge", "tiny"])
def test_extreme_scales(entry, family, record_property):
    if not _applies(entry, family):
        pytest.skip(entry.skip[family])
    factor = HUGE if family == "huge" else TINY
    declared = [scale for scale in entry.scale if family in scale.families]
    covered = {name for scale in declared for name in scale.args}
    probes = [(scale.args, scale.check) for scale in declared]
    # Every data argument not in a declared group is scaled alone and must not go constant.
    probes += [((name,), not_constant) for name in entry.arrays if name not in covered]
    outcomes = []
    base = _baseline(entry) if probes else None
    for group, check in probes:
        changes = {name: scaled(entry.arguments[name], factor) for name in group}
        outcomes.append(
            verdict(
                entry,
                family,
                group[0],
                lambda c=changes: _call(entry, **c),
                lambda result, c=check: c(base, result, factor),
            )
            if len(group) == 1
            else _group_verdict(entry, family, group, changes, check, base, factor)
        )
    _record(record_property, outcomes)


def _group_verdict(entry, family, group, changes, check, base, factor) -> Outcome:
    aliased = copy.copy(entry)
    aliased.aliases = {**entry.aliases, group[0]: (*entry.aliases.get(group[0], ()), *group[1:])}
    return verdict(
        aliased, family, group[0], lambda: _call(entry, **changes), lambda r: check(base, r, factor)
    )


# --------------------------------------------------------------- options


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.options], ids=str)
def test_bad_options_are_refused_by_name(entry, record_property):
    outcomes = []
    for name, option in entry.options.items():
        valid = entry.arguments[name]
        bad_values = [*option.bad, *(automatic_bad_values(valid) if option.auto else [])]
        assert bad_values, f"{entry.name}: option {name!r} has no bad value to try"
        for value in bad_values:
            outcomes.append(
                verdict(entry, "option", name, lambda n=name, v=value: _call(entry, **{n: v}), None)
            )
    _record(record_property, outcomes)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.options], ids=str)
def test_numpy_scalars_are_legal_options(entry, record_property):
    outcomes = []
    for name in entry.options:
        value = as_numpy_scalar(entry.arguments[name])
        if value is None:
            continue
        outcomes.append(
            verdict(
                entry,
                "numpy",
                name,
                lambda n=name, v=value: _call(entry, **{n: v}),
                _compare(entry),
            )
        )
    _record(record_property, outcomes)


# --------------------------------------------------------------- coverage


def _public_packages():
    """glassml's public packages, public subpackages included (``glassml.stats.bayesnet``)."""
    for info in pkgutil.walk_packages(glassml.__path__, "glassml."):
        parts = info.name.split(".")[1:]
        if not info.ispkg or any(part.startswith("_") for part in parts):
            continue
        if parts[0] in NOT_API_PACKAGES:
            continue
        yield info.name


def _public_methods(cls: type) -> list[str]:
    """Public methods an exported class defines, or inherits from a private glassml base
    (``_ClassifierMixin.predict`` is the exported classifier's ``predict``). Methods inherited
    from an exported base are registered once, under that base, except by an estimator, where
    every glassml method is its own entry point (``Lasso.fit`` is ``ElasticNet.fit`` on another
    model). scikit-learn's methods are not ours; its ``available_if`` wrapper around one of ours
    (``SVC.predict_proba``) is."""
    names = []
    estimator = issubclass(cls, BaseEstimator)
    for klass in cls.__mro__:
        if not klass.__module__.startswith("glassml.") or (
            klass is not cls and not klass.__name__.startswith("_") and not estimator
        ):
            continue
        for method, member in vars(klass).items():
            if method.startswith("_") or isinstance(member, type):
                continue
            if callable(member) or isinstance(member, _AvailableIfDescriptor):
                names.append(method)
    return names


def public_entry_points() -> list[str]:
    """Every public function, every public method of an exported class (including those it
    inherits from private bases), and every non-estimator class's constructor (estimators
    validate at ``fit``), in every public package and subpackage."""
    found = []
    for prefix in _public_packages():
        package = importlib.import_module(prefix)
        for name in getattr(package, "__all__", ()):
            value = getattr(package, name)
            if inspect.isfunction(value) or (callable(value) and not inspect.isclass(value)):
                found.append(f"{prefix}.{name}")
            elif inspect.isclass(value) and value.__module__.startswith("glassml."):
                if not issubclass(value, BaseEstimator) and not issubclass(value, BaseException):
                    found.append(f"{prefix}.{name}")
                found.extend(f"{prefix}.{name}.{method}" for method in _public_methods(value))
    return sorted(set(found))


def test_public_subpackages_are_covered():
    """The coverage test walks subpackages too: bayesnet's names are not in stats' __all__."""
    assert "glassml.stats.bayesnet" in set(_public_packages())
    assert "glassml.stats.bayesnet.BayesianNetwork.query" in public_entry_points()


def test_every_public_entry_point_is_registered():
    registered = {entry.name.split(" [")[0] for entry in ENTRIES}
    missing = [
        name
        for name in public_entry_points()
        if name not in registered and not any(fnmatch.fnmatchcase(name, p) for p in EXEMPT)
    ]
    assert not missing, (
        f"{len(missing)} public entry point(s) have no robustness entry and no stated exemption: "
        + ", ".join(missing)
    )
    for pattern, reason in EXEMPT.items():
        assert len(reason) > 15, f"exemption {pattern!r} needs a reason"


def test_framework_catches_a_silent_constant_and_an_unnamed_error():
    """The machinery itself: a broken entry point must fail these probes."""

    def silent(X):
        return np.zeros(len(X)) if np.max(np.abs(X)) > 1e200 else np.asarray(X).sum(axis=1)

    entry = Entry("demo.silent", silent, {"X": np.arange(6.0).reshape(3, 2)}, arrays=("X",))
    base = _call(entry)
    with pytest.raises(AssertionError, match="constant"):
        verdict(
            entry,
            "huge",
            "X",
            lambda: silent(scaled(entry.arguments["X"], HUGE)),
            lambda r: not_constant(base, r, HUGE),
        )

    def unnamed(X):
        raise ValueError("something is wrong")

    entry = Entry("demo.unnamed", unnamed, {"X": np.ones((2, 2))}, arrays=("X",))
    with pytest.raises(AssertionError, match="does not name"):
        verdict(entry, "nan", "X", lambda: unnamed(None), None)

    def deep(X):
        return [][1]

    with pytest.raises(AssertionError, match="IndexError"):
        verdict(entry, "nan", "X", lambda: deep(None), None)


def test_framework_sees_inherited_methods_and_array_likes():
    """Methods from private bases are entry points; array-likes are judged, not skipped."""

    class _Mixin:
        def predict(self, X):
            return X

    class Exported(_Mixin, BaseEstimator):
        def fit(self, X):
            return self

    _Mixin.__module__ = Exported.__module__ = "glassml.demo"  # as if defined in glassml
    assert _public_methods(Exported) == ["fit", "predict"]

    class Derived(Exported):  # an estimator on an exported estimator: its fit is its own
        def score(self, X):
            return 0.0

    class Plain:
        def save(self):
            return None

    class SubPlain(Plain):  # a plain class: save is registered under Plain
        def load(self):
            return None

    Derived.__module__ = Plain.__module__ = SubPlain.__module__ = "glassml.demo"
    assert sorted(_public_methods(Derived)) == ["fit", "predict", "score"]
    assert _public_methods(SubPlain) == ["load"]

    class ArrayLike:
        def __array__(self, dtype=None, copy=None):
            return np.array([1.0, np.nan])

    with pytest.raises(AssertionError, match="non-finite"):
        assert_finite(ArrayLike())


def test_scale_checks_fail_on_wrong_answers():
    """equivariant beyond float64's range, per_output and equals each reject a wrong result."""
    base = np.array([1.0, 2.0])
    equivariant(2)(base, np.zeros(2), TINY)  # s^2 underflows: zero is the rounded answer
    with pytest.raises(AssertionError):
        equivariant(2)(base, base * HUGE, HUGE)  # s^2 overflows: no finite answer is right
    with pytest.raises(AssertionError):
        equivariant(1)(base, base, HUGE)
    per_output(equivariant(1), invariant())((base, 3), (base * HUGE, 3), HUGE)
    with pytest.raises(AssertionError, match="output 1"):
        per_output(equivariant(1), invariant())((base, 3), (base * HUGE, 0), HUGE)
    equals(np.zeros(2))(base, np.zeros(2), HUGE)
    with pytest.raises(AssertionError):
        equals(np.zeros(2))(base, base, HUGE)
    equals(base, power=1.0)(None, base * HUGE, HUGE)
    with pytest.raises(AssertionError):
        equals(base, power=1.0)(None, base, HUGE)
    affine(1.0)(base, 1.0 + (base - 1.0) * HUGE, HUGE)
    affine(1.0)(base, np.ones(2), TINY)
    with pytest.raises(AssertionError):
        affine(1.0)(base, base * HUGE, HUGE)
