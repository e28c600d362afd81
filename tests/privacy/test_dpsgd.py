"""DP-SGD: per-example gradients, the private step, Poisson batches, the attached accountant,
and training networks through ``glassml.nn.fit`` and the MLP estimators.

References and tolerances:
- per-example gradients of dense networks (the outer-product form) against a loop of ordinary
  backward passes, one example at a time: 1e-10 (float64); the per-example pass of a network
  with a convolution likewise; the data-free part equals the penalty's gradient (α / |B|) W;
- the step against its definition written out example by example (clip each g_i to C, sum, add
  the same Gaussian draws, divide by q n): 1e-12;
- Poisson batches: each record's inclusion frequency over many epochs is q within the binomial
  error (assert_within_se, p_fail 1e-4), and batch sizes average q n;
- the accountant: after training, its ε equals ``compute_epsilon`` for the steps taken (1e-12);
- save/load: an MLP trained with DPSGD reloads with the same optimiser class and parameters and
  the same predictions; a file naming another module's optimiser is refused.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from parity import assert_close, assert_within_se

import glassml.autodiff as ad
import glassml.privacy as gp
from glassml.nn import (
    BatchNorm1d,
    Conv2D,
    Dense,
    Flatten,
    MLPClassifier,
    ReLU,
    Sequential,
    Tanh,
    fit,
    load,
    per_example_gradients,
    softmax_cross_entropy,
    train_step,
)
from glassml.optim import PerExampleGradients


def _loop(model, X, y, loss):
    """Each example's gradient by its own forward and backward pass."""
    grads = []
    for i in range(X.shape[0]):
        model.track_gradients()
        value = loss(model.forward(ad.Tensor(X[i : i + 1])), y[i : i + 1])
        value.backward()
        grads.append(model.gradients())
        model.stop_tracking()
    return [np.stack(parts) for parts in zip(*grads, strict=True)]


@pytest.mark.parametrize("layers", [[Dense(6), Tanh(), Dense(5), ReLU(), Dense(3)], [Dense(3)]])
def test_dense_per_example_gradients_equal_a_loop(layers):
    rng = np.random.default_rng(0)
    model = Sequential(layers)
    model.build((4,), rng, np.float64)
    X, y = rng.normal(size=(11, 4)), rng.integers(0, 3, 11)
    grads = per_example_gradients(model, X, y, "cross_entropy", alpha=0.7)
    for mine, theirs in zip(
        grads.materialize(), _loop(model, X, y, softmax_cross_entropy), strict=True
    ):
        assert_close(mine, theirs, rtol=0, atol=1e-10, what="per-example gradient")
    weights = [p for name, p in model.named_parameters().items() if name.endswith("weight")]
    shared = [s for s in grads.shared if s is not None]
    for penalty, weight in zip(shared, weights, strict=True):
        assert_close(penalty, 0.7 / 11 * weight, rtol=1e-15)


def test_convolutional_per_example_pass_equals_a_loop():
    rng = np.random.default_rng(1)
    model = Sequential([Conv2D(2, kernel_size=3), ReLU(), Flatten(), Dense(3)])
    model.build((1, 5, 5), rng, np.float64)
    X, y = rng.normal(size=(4, 1, 5, 5)), rng.integers(0, 3, 4)
    grads = per_example_gradients(model, X, y, "cross_entropy")
    for mine, theirs in zip(
        grads.materialize(), _loop(model, X, y, softmax_cross_entropy), strict=True
    ):
        assert_close(mine, theirs, rtol=0, atol=1e-10)


def test_batch_normalisation_is_refused():
    model = Sequential([Dense(4), BatchNorm1d(), Dense(2)])
    model.build((3,), np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match="model: batch normalisation mixes the examples"):
        per_example_gradients(model, np.ones((4, 3)), np.array([0, 1, 0, 1]), "cross_entropy")


def test_the_private_step_is_its_definition():
    rng = np.random.default_rng(2)
    per_example = [rng.normal(size=(7, 3, 2)) * 3, rng.normal(size=(7, 2))]
    optimizer = gp.DPSGD(lr=0.3, noise_multiplier=1.3, max_grad_norm=1.5, random_state=11)
    optimizer.batches(70, 7, np.random.default_rng(0))  # q = 0.1, q n = 7
    params = [np.zeros((3, 2)), np.zeros(2)]
    optimizer.step(params, PerExampleGradients.from_arrays(per_example))
    # By hand: clip each example's whole gradient to 1.5, sum, add the noise, divide by q n.
    noise_source = np.random.default_rng(11)
    expected = []
    norms = np.sqrt(sum(np.sum(g.reshape(7, -1) ** 2, axis=1) for g in per_example))
    for g in per_example:
        clipped = np.zeros(g.shape[1:])
        for i in range(7):
            clipped += g[i] * min(1.0, 1.5 / norms[i])
        noisy = (clipped + noise_source.normal(0.0, 1.3 * 1.5, size=clipped.shape)) / 7.0
        expected.append(-0.3 * noisy)
    for mine, theirs in zip(params, expected, strict=True):
        assert_close(mine, theirs, rtol=1e-12)
    assert optimizer.accountant.steps == 1


def test_poisson_batches():
    optimizer = gp.DPSGD(sample_rate=0.05)
    rng = np.random.default_rng(3)
    n, epochs = 400, 200
    counts = np.zeros(n)
    sizes = []
    for _ in range(epochs):
        batches = optimizer.batches(n, 10, rng)
        assert len(batches) == 20
        for batch in batches:
            assert np.unique(batch).size == batch.size
            counts[batch] += 1
            sizes.append(batch.size)
    steps = epochs * 20
    assert_within_se(counts / steps, 0.05, np.sqrt(0.05 * 0.95 / steps), what="inclusion")
    assert_within_se(np.mean(sizes), 20.0, np.sqrt(n * 0.05 * 0.95 / steps), what="batch size")
    assert 0 in sizes or min(sizes) < 20  # sizes vary: Poisson, not fixed
    # Without sample_rate, q is the loop's batch_size / n.
    default = gp.DPSGD()
    assert len(default.batches(1000, 100, rng)) == 10


def _easy_problem(n=1500, seed=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_fit_trains_and_accounts():
    X, y = _easy_problem()
    model = Sequential([Dense(16), ReLU(), Dense(2)])
    optimizer = gp.DPSGD(lr=0.5, noise_multiplier=1.0, max_grad_norm=1.0, random_state=0)
    history = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=6,
        batch_size=75,
        metric="accuracy",
        random_state=0,
        verbose=0,
    )
    assert history["accuracy"][-1] > 0.85
    steps = 6 * round(1500 / 75)
    assert optimizer.accountant.steps == steps
    assert_close(
        optimizer.epsilon(1e-5), gp.compute_epsilon(1.0, 75 / 1500, steps, 1e-5), rtol=1e-12
    )


def test_more_noise_less_privacy_loss_and_utility_falls_gracefully():
    X, y = _easy_problem()
    losses = []
    for sigma in (0.8, 4.0):
        clf = MLPClassifier(
            (8,),
            optimizer=gp.DPSGD(lr=0.5, noise_multiplier=sigma, max_grad_norm=1.0, random_state=1),
            batch_size=75,
            max_iter=5,
            n_iter_no_change=5,
            tol=0.0,
            random_state=1,
        )
        with pytest.warns(Warning):
            clf.fit(X, y)
        losses.append(clf.optimizer_.epsilon(1e-5))
        assert clf.score(X, y) > 0.7
    assert losses[0] > losses[1]


def test_mlp_with_dpsgd_saves_and_loads(tmp_path):
    X, y = _easy_problem(n=300)
    optimizer = gp.DPSGD(
        lr=0.4,
        noise_multiplier=1.2,
        max_grad_norm=0.8,
        sample_rate=0.1,
        momentum=0.5,
        random_state=3,
    )
    clf = MLPClassifier((4,), optimizer=optimizer, max_iter=3, random_state=0)
    with pytest.warns(Warning):
        clf.fit(X, y)
    path = clf.save(tmp_path / "private")
    again = load(path)
    assert type(again.optimizer) is gp.DPSGD
    assert repr(again.optimizer) == repr(optimizer)
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))
    # A generator as random_state is saved as None, as the estimators' own generators are.
    clf.set_params(optimizer=gp.DPSGD(random_state=np.random.default_rng(0)))
    with pytest.warns(Warning):
        clf.fit(X, y)
    assert load(clf.save(tmp_path / "generator")).optimizer.random_state is None


@pytest.mark.parametrize(
    "module, name",
    [
        ("os", "DPSGD"),
        ("glassml.privacy._dpsgd", "DPSGD"),
        ("glassml.privacy", "RDPAccountant"),
        ("glassml.optim", "Adam"),
    ],
)
def test_a_tampered_optimiser_module_is_refused(tmp_path, module, name):
    X, y = _easy_problem(n=200)
    clf = MLPClassifier(
        (3,), optimizer=gp.DPSGD(random_state=0), batch_size=20, max_iter=1, random_state=0
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    path = clf.save(tmp_path / "model")
    with zipfile.ZipFile(path) as archive:
        members = {member: archive.read(member) for member in archive.namelist()}
    config = json.loads(str(np.load(path)["config.json"]))
    config["hyperparameters"]["optimizer"].update(module=module, optimizer=name)
    tampered = tmp_path / "tampered.npz"
    arrays = {key[: -len(".npy")]: np.load(path)[key[: -len(".npy")]] for key in members}
    arrays["config.json"] = np.array(json.dumps(config))
    np.savez(tampered, **arrays)
    with pytest.raises(ValueError, match=r"tampered\.npz: optimizer: unknown optimiser"):
        load(tampered)


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"max_grad_norm": 0.0}, "max_grad_norm"),
        ({"max_grad_norm": -1.0}, "max_grad_norm"),
        ({"noise_multiplier": 0.0}, "noise_multiplier"),
        ({"sample_rate": 0.0}, "sample_rate"),
        ({"sample_rate": 1.5}, "sample_rate"),
        ({"momentum": 1.0}, "momentum"),
        ({"lr": -0.1}, "lr"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_settings_are_named(arguments, name):
    with pytest.raises(ValueError, match=name):
        gp.DPSGD(**arguments)


def test_mean_gradients_are_refused():
    optimizer = gp.DPSGD()
    optimizer.batches(100, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="grads\\[0\\]: expected per-example gradients"):
        optimizer.step([np.zeros(3)], [np.zeros(3)])


def test_train_step_without_batches_says_what_to_do():
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match="optimizer: DPSGD needs the expected batch size"):
        train_step(
            model, np.ones((4, 3)), np.array([0, 1, 0, 1]), softmax_cross_entropy, gp.DPSGD()
        )
