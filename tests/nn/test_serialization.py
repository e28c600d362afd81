"""Saved models: round trips, and damaged or tampered files refused with the path named.

References and tolerances
-------------------------
- Round trip: predictions of the loaded estimator equal the saved one's exactly (same float64
  forward pass on the same weights); hyper-parameters equal, optimiser instances rebuilt as the
  same class with the same constructor arguments (every ``glassml.optim`` step optimiser, and a
  schedule as learning rate).
- Tampering (issue 9 §3): each damaged or hostile file is refused with a ``ValueError`` whose
  message starts with the file's path; none reaches BadZipFile, EOFError, KeyError,
  RecursionError or MemoryError, and no stored entry can replace an estimator's method.
- Files: a saved model gets the mode the umask gives a new file (0644 under umask 022), and
  saving into a folder that does not exist creates it (the documented choice).
"""

from __future__ import annotations

import json
import os
import stat
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from glassml import nn, optim
from glassml.nn._serialization import SCHEDULES, STEP_OPTIMIZERS, _constructor_arguments

rng = np.random.default_rng(0)
X = rng.standard_normal((60, 3))
Y_CLASS = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
Y_REG = X @ np.array([1.0, -2.0, 0.5])


def quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


@pytest.fixture(scope="module")
def classifier():
    return quietly(nn.MLPClassifier((5,), max_iter=5, random_state=0), X, Y_CLASS)


@pytest.fixture(scope="module")
def saved(classifier, tmp_path_factory):
    return classifier.save(tmp_path_factory.mktemp("saved") / "mlp")


# ----------------------------------------------------------------------------- round trips
NON_DEFAULT = {
    "GradientDescent": {"lr": 0.05, "c1": 1e-3},
    "Momentum": {"lr": 0.05, "momentum": 0.8},
    "Nesterov": {"lr": 0.02, "momentum": 0.7},
    "Adagrad": {"lr": 0.03, "eps": 1e-9},
    "RMSprop": {"lr": 0.004, "rho": 0.8, "eps": 1e-7},
    "Adam": {"lr": 0.004, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7},
    "AdamW": {"lr": 0.004, "beta1": 0.85, "weight_decay": 0.05},
    "SAM": {
        "base": optim.Momentum(lr=0.05, momentum=0.8),
        "rho": 0.1,
        "adaptive": True,
        "eta": 0.02,
    },
}


def _arguments(optimizer):
    """Constructor arguments, a wrapped optimiser (SAM's base) expanded into its own."""
    return {
        key: (type(value).__name__, _arguments(value))
        if isinstance(value, optim.StepOptimizer)
        else value
        for key, value in _constructor_arguments(optimizer).items()
    }


def test_every_step_optimiser_is_listed():
    assert set(NON_DEFAULT) == set(STEP_OPTIMIZERS)


@pytest.mark.parametrize("name", sorted(NON_DEFAULT))
def test_optimiser_instances_round_trip(name, tmp_path):
    optimizer = STEP_OPTIMIZERS[name](**NON_DEFAULT[name])
    model = quietly(
        nn.MLPClassifier((4,), optimizer=optimizer, max_iter=3, random_state=0), X, Y_CLASS
    )
    loaded = nn.load(model.save(tmp_path / name))
    assert type(loaded.optimizer) is type(optimizer)
    assert _arguments(loaded.optimizer) == _arguments(optimizer)
    assert {**_constructor_arguments(optimizer), **NON_DEFAULT[name]} == _constructor_arguments(
        optimizer
    )
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # The reloaded estimator trains on with the same optimiser (a fresh state, as fit gives).
    assert type(loaded.optimizer_) is type(optimizer)


@pytest.mark.parametrize("schedule", [optim.StepLR(0.01, 5, 0.5), optim.CosineLR(0.01, 20, 1e-4)])
def test_a_schedule_as_learning_rate_round_trips(schedule, tmp_path):
    assert type(schedule).__name__ in SCHEDULES
    model = quietly(
        nn.MLPRegressor((4,), optimizer=optim.Adam(lr=schedule), max_iter=3, random_state=0),
        X,
        Y_REG,
    )
    loaded = nn.load(model.save(tmp_path / "scheduled"))
    rebuilt = loaded.optimizer.lr
    assert type(rebuilt) is type(schedule)
    assert [rebuilt(t) for t in range(30)] == [schedule(t) for t in range(30)]


def test_an_unsaveable_optimiser_is_refused_by_name(tmp_path):
    model = quietly(
        nn.MLPRegressor((3,), optimizer=optim.Adam(lr=lambda t: 0.01), max_iter=2), X, Y_REG
    )
    with pytest.raises(ValueError, match=r"optimizer\.lr: the schedule"):
        model.save(tmp_path / "lambda")
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_numpy_scalars_fit_save_and_load(tmp_path):
    model = nn.MLPClassifier(
        hidden_layer_sizes=np.array([4]),
        batch_size=np.int64(8),
        learning_rate_init=np.float32(0.01),
        max_iter=np.int64(4),
        alpha=np.float64(1e-3),
        early_stopping=np.bool_(True),
        random_state=np.int64(0),
    )
    quietly(model, X, Y_CLASS)
    loaded = nn.load(model.save(tmp_path / "numpy"))
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.hidden_layer_sizes == [4] and loaded.batch_size == 8
    assert loaded.learning_rate_init == pytest.approx(0.01, rel=1e-7)


def test_feature_names_and_string_labels_round_trip(tmp_path):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(X, columns=["a", "b", "c"])
    labels = np.array(["low", "mid", "high"])[Y_CLASS]
    model = quietly(nn.MLPClassifier((4,), max_iter=3, random_state=0), frame, labels)
    loaded = nn.load(model.save(tmp_path / "named"))
    assert list(loaded.feature_names_in_) == ["a", "b", "c"]
    assert np.array_equal(loaded.predict(frame), model.predict(frame))


# ----------------------------------------------------------------------------- files
def test_saving_creates_missing_folders_with_the_umask_mode(classifier, tmp_path):
    previous = os.umask(0o022)
    try:
        path = classifier.save(tmp_path / "not" / "yet" / "there" / "model")
    finally:
        os.umask(previous)
    assert path == tmp_path / "not" / "yet" / "there" / "model.npz"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["model.npz"]  # no temporary left


def test_a_path_that_is_not_a_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a file"):
        nn.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


# ----------------------------------------------------------------------------- tampering
def read_arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def tampered(saved, tmp_path, mutate, name="tampered.npz"):
    arrays = read_arrays(saved)
    config = json.loads(str(arrays["config.json"]))
    mutate(arrays, config)
    arrays["config.json"] = np.array(json.dumps(config))
    target = tmp_path / name
    np.savez(target, **arrays)
    return target


def refused(path, fragment):
    with pytest.raises(ValueError, match=fragment) as caught:
        nn.load(path)
    assert str(caught.value).startswith(str(path)), caught.value
    return caught.value


def test_empty_and_truncated_files(saved, tmp_path):
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    refused(empty, "not a readable glassml.nn save file")
    for fraction in (0.3, 0.6, 0.95):
        truncated = tmp_path / f"truncated{fraction}.npz"
        data = saved.read_bytes()
        truncated.write_bytes(data[: int(len(data) * fraction)])
        refused(truncated, "not a readable glassml.nn save file")
    text = tmp_path / "text.npz"
    text.write_text("hello")
    refused(text, "not a readable")


def test_config_that_is_not_json_or_misses_keys(saved, tmp_path):
    def garbage(arrays, config):
        config.clear()

    path = tampered(saved, tmp_path, garbage)
    refused(path, "unsupported format")

    for key in ("architecture", "input_shape", "fitted", "hyperparameters", "dtype"):

        def drop(arrays, config, key=key):
            del config[key]

        refused(tampered(saved, tmp_path, drop, f"drop_{key}.npz"), f"missing keys.*{key}")

    def drop_fitted_key(arrays, config):
        del config["fitted"]["n_iter_"]

    refused(tampered(saved, tmp_path, drop_fitted_key, "nf.npz"), "missing.*n_iter_")
    arrays = read_arrays(saved)
    arrays["config.json"] = np.array("{not json")
    np.savez(tmp_path / "badjson.npz", **arrays)
    refused(tmp_path / "badjson.npz", "not valid JSON")


@pytest.mark.parametrize("depth", [40, 900, 5000])
def test_deeply_nested_sequential(saved, tmp_path, depth):
    arrays = read_arrays(saved)
    text = str(arrays["config.json"])
    nested = '{"type": "sequential", "layers": [' * depth + '{"type": "relu"}' + "]}" * depth
    start = text.index('"architecture": ') + len('"architecture": ')
    end = text.index(', "input_shape"')
    arrays["config.json"] = np.array(text[:start] + nested + text[end:])
    path = tmp_path / "nested.npz"
    np.savez(path, **arrays)
    refused(path, "nested deeper than 32|nested too deeply")


def test_a_layer_declaring_a_trillion_units(saved, tmp_path):
    def huge(arrays, config):
        config["architecture"]["layers"][0]["out_features"] = 10**12
        config["architecture"]["layers"][2]["in_features"] = None

    refused(
        tampered(saved, tmp_path, huge), r"state/0\.\w+: shape \(\d+,.*expected .*1000000000000"
    )


@pytest.mark.parametrize(
    "value",
    [
        np.array([["a"] * 5] * 3, dtype=object),
        np.ones((3, 5), dtype=np.complex128),
        np.full((3, 5), np.nan),
        np.full((3, 5), np.inf),
        np.ones((3, 5), dtype=np.int64),
    ],
    ids=["object", "complex", "nan", "inf", "int"],
)
def test_weights_of_the_wrong_kind(saved, tmp_path, value):
    arrays = read_arrays(saved)
    arrays["state/0.weight"] = value
    path = tmp_path / "weights.npz"
    np.savez(path, **arrays)
    refused(path, r"state/0\.weight: (dtype|NaN)")


def test_fitted_entries_cannot_replace_methods(saved, tmp_path):
    def inject(arrays, config):
        config["fitted"]["predict"] = "x"

    refused(tampered(saved, tmp_path, inject), r"unknown attributes \['predict'\]")
    for bad in ("5", 5.5, True, -1, None):

        def wrong_type(arrays, config, bad=bad):
            config["fitted"]["n_iter_"] = bad

        refused(tampered(saved, tmp_path, wrong_type, "t.npz"), "n_iter_ has an invalid value")


def test_arrays_must_match_the_fitted_attributes(saved, tmp_path):
    def history_longer(arrays, config):
        config["fitted"]["n_iter_"] += 1

    refused(tampered(saved, tmp_path, history_longer), r"history/\w+: shape")

    def extra_array(arrays, config):
        arrays["fitted/coefs_"] = np.zeros(3)

    refused(tampered(saved, tmp_path, extra_array, "e.npz"), "unexpected arrays")

    def fewer_classes(arrays, config):
        arrays["fitted/classes_"] = arrays["fitted/classes_"][:2]

    refused(tampered(saved, tmp_path, fewer_classes, "c.npz"), r"fitted/classes_: shape")

    def unsorted_classes(arrays, config):
        arrays["fitted/classes_"] = arrays["fitted/classes_"][::-1]

    refused(tampered(saved, tmp_path, unsorted_classes, "u.npz"), "sorted, distinct")


def test_hyper_parameters_are_checked(saved, tmp_path):
    def unknown(arrays, config):
        config["hyperparameters"]["momentum"] = 0.9

    refused(tampered(saved, tmp_path, unknown), r"unknown hyper-parameters \['momentum'\]")

    def invalid(arrays, config):
        config["hyperparameters"]["learning_rate_init"] = -1

    refused(tampered(saved, tmp_path, invalid, "i.npz"), "learning_rate_init")

    def other_network(arrays, config):
        config["hyperparameters"]["hidden_layer_sizes"] = [7]

    refused(tampered(saved, tmp_path, other_network, "o.npz"), "not the one the hyper-parameters")

    def unknown_optimizer(arrays, config):
        config["hyperparameters"]["optimizer"] = {"optimizer": "os.system", "params": {}}

    refused(tampered(saved, tmp_path, unknown_optimizer, "q.npz"), "unknown optimiser")

    def sam_around_itself(arrays, config):
        inner = {"optimizer": "SAM", "params": {"rho": 0.1}}
        config["hyperparameters"]["optimizer"] = {
            "optimizer": "SAM",
            "params": {"base": inner, "rho": 0.1},
        }

    refused(tampered(saved, tmp_path, sam_around_itself, "s.npz"), "optimizer.base: expected")

    def unknown_kind(arrays, config):
        config["kind"] = "Pipeline"

    refused(tampered(saved, tmp_path, unknown_kind, "k.npz"), "unknown kind 'Pipeline'")


def test_a_clean_file_still_loads(saved, classifier):
    loaded = nn.load(saved)
    assert np.array_equal(loaded.predict_proba(X), classifier.predict_proba(X))
    assert type(loaded).predict is nn.MLPClassifier.predict
