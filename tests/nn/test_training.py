"""The training loop.

References and tolerances
-------------------------
- One SGD step of a 2-layer MLP (Dense-Tanh-Dense, softmax cross-entropy, L2 penalty) equals a
  hand-written NumPy forward / backward / update in float64 to 1e-12 (absolute and relative).
- The same for one Adam step against the paper's update written out in NumPy (Kingma & Ba).
- ``fit`` behaviour: history keys and lengths, shuffling per epoch from ``random_state``
  (reproducible), early stopping with patience and restore-best, lr schedule, callbacks,
  validation split/data, plain-text progress when not on a TTY and silence at ``verbose=0``.
"""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_close

import glassml.autodiff as ad
from glassml import nn
from glassml.optim import Adam, GradientDescent


def two_layer_mlp(seed=0):
    model = nn.Sequential([nn.Dense(5), nn.Tanh(), nn.Dense(3)])
    model.build((4,), np.random.default_rng(seed), np.float64)
    return model


def numpy_backward(X, y, W1, b1, W2, b2, alpha):
    """Forward and backward of tanh-MLP + softmax cross-entropy + (α/2N)(||W1||² + ||W2||²)."""
    n = X.shape[0]
    hidden = np.tanh(X @ W1 + b1)
    logits = hidden @ W2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    d_logits = probabilities.copy()
    d_logits[np.arange(n), y] -= 1.0
    d_logits /= n
    dW2 = hidden.T @ d_logits + alpha * W2 / n
    db2 = d_logits.sum(axis=0)
    d_pre = (d_logits @ W2.T) * (1.0 - hidden**2)
    dW1 = X.T @ d_pre + alpha * W1 / n
    db1 = d_pre.sum(axis=0)
    loss = -np.log(probabilities[np.arange(n), y]).mean()
    return loss, [dW1, db1, dW2, db2]


DATA_RNG = np.random.default_rng(42)
X = DATA_RNG.standard_normal((8, 4))
Y = DATA_RNG.integers(0, 3, 8)


def test_one_sgd_step_equals_numpy():
    model = two_layer_mlp()
    before = [p.copy() for p in model.parameters()]
    loss, grads = numpy_backward(X, Y, *before, alpha=0.05)
    batch_loss, _ = nn.train_step(
        model, X, Y, nn.softmax_cross_entropy, GradientDescent(lr=0.1), alpha=0.05
    )
    assert_close(batch_loss, loss, rtol=1e-12, atol=1e-12, what="loss")
    for name, after, start, grad in zip(
        model.named_parameters(), model.parameters(), before, grads, strict=True
    ):
        assert_close(after, start - 0.1 * grad, rtol=1e-12, atol=1e-12, what=name)


def test_one_adam_step_equals_numpy():
    model = two_layer_mlp(seed=3)
    before = [p.copy() for p in model.parameters()]
    _, grads = numpy_backward(X, Y, *before, alpha=0.0)
    optimizer = Adam(lr=0.01)
    nn.train_step(model, X, Y, nn.softmax_cross_entropy, optimizer)
    for after, start, grad in zip(model.parameters(), before, grads, strict=True):
        m_hat = (0.1 * grad) / (1 - 0.9)
        v_hat = (0.001 * grad**2) / (1 - 0.999)
        expected = start - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
        assert_close(after, expected, rtol=1e-12, atol=1e-12, what="adam step")


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]])
    return centres[labels] + rng.standard_normal((n, 2)) * 0.6, labels


def small_model():
    return nn.Sequential([nn.Dense(16), nn.ReLU(), nn.Dense(3)])


def test_fit_records_history_and_learns():
    X_train, y_train = blobs()
    model = small_model()
    history = nn.fit(
        model, X_train, y_train, loss="cross_entropy", optimizer=Adam(lr=0.05), epochs=15,
        batch_size=16, validation_split=0.25, metric="accuracy", random_state=0, verbose=0,
    )  # fmt: skip
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "samples_per_s"):
        assert history[key].shape == (15,), key
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.9
    assert not model.training  # left in evaluation mode


def test_fit_is_reproducible_from_random_state():
    X_train, y_train = blobs()
    runs = []
    for _ in range(2):
        model = small_model()
        nn.fit(
            model, X_train, y_train, loss="cross_entropy", optimizer=Adam(lr=0.01), epochs=3,
            batch_size=10, random_state=7, verbose=0,
        )  # fmt: skip
        runs.append(model.parameters())
    for first, second in zip(*runs, strict=True):
        assert np.array_equal(first, second)


def test_shuffling_changes_with_the_epoch():
    """A callback records the first batch seen each epoch: batches differ across epochs."""
    X_train = np.arange(20, dtype=float).reshape(-1, 1)
    seen = []

    class Recording(nn.Module):
        layer_type = "recording_test"

        def forward(self, x):
            if self.training:
                seen.append(tuple(x.data[:, 0]))
            return x

    model = nn.Sequential([Recording(), nn.Dense(1)])
    nn.fit(model, X_train, X_train[:, 0], loss="mse", optimizer=GradientDescent(lr=1e-3),
           epochs=3, batch_size=20, random_state=0, verbose=0)  # fmt: skip
    assert len(seen) == 3 and len(set(seen)) == 3
    assert all(sorted(batch) == list(range(20)) for batch in seen)


def test_early_stopping_restores_the_best_weights():
    X_train, y_train = blobs()
    X_val, y_val = blobs(60, seed=1)
    snapshots = []
    model = small_model()

    def keep(epoch, logs):
        snapshots.append((logs["val_loss"], model.state_dict()))

    # A learning rate this large makes the validation loss oscillate, so the last epoch is
    # not the best one.
    history = nn.fit(
        model, X_train, y_train, loss="cross_entropy", optimizer=GradientDescent(lr=3.0),
        epochs=30, batch_size=8, validation_data=(X_val, y_val), random_state=0, verbose=0,
        early_stopping=nn.EarlyStopping(patience=3, restore_best=True), callbacks=[keep],
    )  # fmt: skip
    best = int(np.argmin(history["val_loss"]))
    assert best < len(history["val_loss"]) - 1  # the last epoch is not the best one
    assert len(history["val_loss"]) == best + 1 + 3
    for name, value in model.state_dict().items():
        assert np.array_equal(value, snapshots[best][1][name])


def test_callback_can_stop_and_lr_schedule_is_applied():
    X_train, y_train = blobs(40)
    optimizer = GradientDescent(lr=0.1)
    history = nn.fit(
        small_model(), X_train, y_train, loss="cross_entropy", optimizer=optimizer, epochs=10,
        lr_schedule=lambda epoch: 0.1 / (1 + epoch), callbacks=[lambda epoch, logs: epoch == 3],
        verbose=0, random_state=0,
    )  # fmt: skip
    assert len(history["loss"]) == 4
    assert_close(history["lr"], 0.1 / np.arange(1, 5), rtol=1e-15, what="lr")


def test_progress_is_plain_text_off_a_tty_and_silent_at_verbose_0(capsys):
    X_train, y_train = blobs(40)
    nn.fit(small_model(), X_train, y_train, loss="cross_entropy", optimizer=Adam(),
           epochs=2, metric="accuracy", verbose=1, random_state=0)  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2")
    assert "loss" in lines[0] and "accuracy" in lines[0] and "samples_per_s" in lines[0]
    assert "\x1b[" not in lines[0]
    nn.fit(small_model(), X_train, y_train, loss="cross_entropy", optimizer=Adam(),
           epochs=2, verbose=0, random_state=0)  # fmt: skip
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"loss": "hinge"}, "loss: expected one of"),
        ({"metric": "f1"}, "metric: expected"),
        ({"optimizer": "adam"}, "optimizer: expected an optimiser with a step"),
        ({"early_stopping": "yes"}, "early_stopping: expected"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, fragment):
    X_train, y_train = blobs(20)
    arguments = {"loss": "cross_entropy", "optimizer": Adam(), "verbose": 0, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        nn.fit(small_model(), X_train, y_train, **arguments)


def test_fit_rejects_nan_and_mismatched_shapes():
    X_train, y_train = blobs(20)
    X_bad = X_train.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nn.fit(small_model(), X_bad, y_train, loss="cross_entropy", optimizer=Adam(), verbose=0)
    with pytest.raises(ValueError, match="samples"):
        nn.fit(small_model(), X_train, y_train[:5], loss="cross_entropy", optimizer=Adam())
    model = small_model()
    model.build((3,))
    with pytest.raises(ValueError, match=r"sample shape \(2,\).*\(3,\)"):
        nn.fit(model, X_train, y_train, loss="cross_entropy", optimizer=Adam(), verbose=0)


def test_gradients_do_not_depend_on_a_previous_step():
    model = two_layer_mlp()
    grads = []
    for _ in range(2):
        model.track_gradients()
        nn.softmax_cross_entropy(model(X), Y).backward()
        grads.append(model.gradients())
    for first, second in zip(*grads, strict=True):
        assert np.array_equal(first, second)
    assert isinstance(model(X), ad.Tensor)


def test_early_stopping_shorthand_is_a_patience():
    X_train, y_train = blobs()
    X_val, y_val = blobs(60, seed=1)
    histories = [
        nn.fit(
            small_model(),
            X_train,
            y_train,
            loss="cross_entropy",
            optimizer=GradientDescent(lr=3.0),
            epochs=30,
            batch_size=8,
            validation_data=(X_val, y_val),
            early_stopping=stopping,
            verbose=0,
            random_state=0,
        )
        for stopping in (3, nn.EarlyStopping(patience=3))
    ]
    assert len(histories[0]["loss"]) < 30
    assert np.array_equal(histories[0]["val_loss"], histories[1]["val_loss"])
