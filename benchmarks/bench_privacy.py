"""Privacy workloads: what DP-SGD costs over the same non-private training, and what it keeps.

``dpsgd_logistic`` times ``LogisticRegression(optimizer=DPSGD(...))`` against the same
mini-batch loop with the same step optimiser without privacy (``GradientDescent`` at the same
rate and batch size): the difference is per-example gradients, clipping, noise and Poisson
sampling. ``dpsgd_utility`` compares accuracies at a fixed ε: ours, the non-private fit, and
diffprivlib's ``LogisticRegression`` (objective perturbation) when it can be imported — diffprivlib
0.6.6 cannot be with scikit-learn >= 1.8 (it imports a private ``DOUBLE`` from
``sklearn.tree._tree``), and the line then says so instead of failing.
"""

from __future__ import annotations

import warnings

import numpy as np

from benchmarks._harness import Workload, register

N_SAMPLES, N_FEATURES, EPOCHS, BATCH, LR = 100_000, 50, 10, 256, 0.5
DELTA = 1e-5


def _data(n_samples: int = N_SAMPLES, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES))
    X /= np.sqrt(N_FEATURES)  # rows of norm about 1: the clipping norm 1 bites sometimes
    w = rng.normal(size=N_FEATURES) * 3.0
    y = (rng.random(n_samples) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    return X, y


def _private(data, noise_multiplier: float = 1.0):
    from glassml.linear import LogisticRegression
    from glassml.privacy import DPSGD

    X, y = data
    optimizer = DPSGD(lr=LR, noise_multiplier=noise_multiplier, max_grad_norm=1.0, random_state=0)
    model = LogisticRegression(optimizer=optimizer, batch_size=BATCH, max_iter=EPOCHS)
    return model.fit(X, y)


def _plain(data):
    from glassml.linear import LogisticRegression
    from glassml.optim import GradientDescent

    X, y = data
    model = LogisticRegression(
        optimizer=GradientDescent(lr=LR), batch_size=BATCH, max_iter=EPOCHS, tol=0.0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed number of epochs, as the private side
        return model.fit(X, y)


def _check(data, ours, reference) -> str:
    X, y = data
    epsilon = ours.optimizer.epsilon(DELTA)
    return (
        f"accuracy {ours.score(X, y):.4f} (eps {epsilon:.2f} at delta {DELTA:g}) vs non-private "
        f"{reference.score(X, y):.4f}; {ours.optimizer.accountant.steps} steps each side"
    )


register(
    Workload(
        name="dpsgd_logistic",
        description=f"LogisticRegression + DPSGD, {N_SAMPLES:,} x {N_FEATURES}, {EPOCHS} epochs, "
        f"batch {BATCH}, sigma 1, C 1 vs the same loop with GradientDescent (non-private)",
        setup=_data,
        ours=_private,
        reference=_plain,
        reference_label="non-private",
        target=2.0,
        requires=("glassml",),
        check=_check,
        repeats=3,
    )
)


# --------------------------------------------------------------- utility at a fixed epsilon
TARGET_EPSILON = 1.0
N_UTILITY = 20_000


def _utility_data():
    X, y = _data(N_UTILITY + 10_000, seed=1)
    # sigma for the target epsilon, once (the calibration is not part of training)
    return X[:N_UTILITY], y[:N_UTILITY], X[N_UTILITY:], y[N_UTILITY:], _sigma_for_target()


def _sigma_for_target() -> float:
    from glassml.privacy import calibrate_noise_multiplier

    q = BATCH / N_UTILITY
    steps = EPOCHS * round(1 / q)
    return calibrate_noise_multiplier(TARGET_EPSILON, q, steps, DELTA)


def _utility_ours(data):
    X, y, _, _, sigma = data
    return _private((X, y), noise_multiplier=sigma)


def _utility_plain(data):
    X, y, _, _, _ = data
    return _plain((X, y))


def _diffprivlib_accuracy(data) -> str:
    X, y, X_test, y_test, _ = data
    try:
        from diffprivlib.models import LogisticRegression
    except ModuleNotFoundError:
        return "diffprivlib: peer not installed"
    except Exception as error:
        return f"diffprivlib: peer failed to import ({type(error).__name__}: {error})"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(
            epsilon=TARGET_EPSILON,
            data_norm=float(np.max(np.linalg.norm(X, axis=1))),
            random_state=0,
        ).fit(X, y)
    return f"diffprivlib (eps {TARGET_EPSILON:g}, pure) accuracy {model.score(X_test, y_test):.4f}"


def _utility_check(data, ours, reference) -> str:
    _, _, X_test, y_test, _ = data
    return (
        f"test accuracy: DP-SGD {ours.score(X_test, y_test):.4f} at eps "
        f"{ours.optimizer.epsilon(DELTA):.3f} (delta {DELTA:g}), non-private "
        f"{reference.score(X_test, y_test):.4f}; {_diffprivlib_accuracy(data)}"
    )


register(
    Workload(
        name="dpsgd_utility",
        description=f"DP-SGD logistic at eps {TARGET_EPSILON:g} (delta {DELTA:g}), "
        f"{N_UTILITY:,} x {N_FEATURES}: accuracy beside non-private and diffprivlib (no target)",
        setup=_utility_data,
        ours=_utility_ours,
        reference=_utility_plain,
        reference_label="non-private",
        target=None,
        requires=("glassml",),
        check=_utility_check,
        repeats=3,
    )
)
