"""Small pieces the model modules share: random generators, warm starts, learning rates."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np

from glassml._validation import fail
from glassml.recommend._interactions import Interactions


def generator(random_state: Any) -> np.random.Generator:
    """A NumPy Generator from ``None``, an int, a Generator or a legacy RandomState."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    if isinstance(random_state, bool | np.bool_) or not (
        random_state is None or isinstance(random_state, np.random.Generator | Integral)
    ):
        raise fail("random_state", "None, a non-negative integer or a Generator", random_state)
    try:
        return np.random.default_rng(random_state)
    except ValueError:  # a negative seed
        raise fail(
            "random_state", "None, a non-negative integer or a Generator", random_state
        ) from None


def continues(model: Any, data: Interactions) -> bool:
    """Whether ``fit`` continues from the current parameters (``warm_start`` on a fitted model).

    The data must have the id space of the earlier fit, so every row of the parameters still
    means the same user and item.
    """
    if not getattr(model, "warm_start", False) or not is_fitted(model):
        return False
    check_same_ids(model, data)
    return True


def is_fitted(model: Any) -> bool:
    """Whether ``fit`` has completed (validating data alone sets ``n_features_in_``)."""
    return hasattr(model, "interactions_")


def check_same_ids(model: Any, data: Interactions) -> None:
    """Refuse data whose users and items are not those the model was fitted on."""
    same = (
        len(data.user_ids) == len(model.user_ids_)
        and len(data.item_ids) == len(model.item_ids_)
        and np.array_equal(data.user_ids, model.user_ids_)
        and np.array_equal(data.item_ids, model.item_ids_)
    )
    if not same:
        raise fail(
            "X",
            "the users and items of the earlier fit to continue from it (warm_start=True)",
            f"{len(data.user_ids)} users x {len(data.item_ids)} items with other ids",
        )


def learning_rate_at(learning_rate: float | Callable[[int], float], epoch: int) -> float:
    """The step size of an epoch: a constant, or a schedule ``epoch -> rate``."""
    if not callable(learning_rate):
        return float(learning_rate)
    rate = learning_rate(epoch)
    if isinstance(rate, bool) or not isinstance(rate, Real) or not (0 < float(rate) < np.inf):
        raise fail("learning_rate", f"a schedule returning positive rates (epoch {epoch})", rate)
    return float(rate)


def append_history(history: dict[str, np.ndarray] | None, **values: list[float]) -> dict:
    """``history_`` grows across warm-started fits: each key is one 1-D array."""
    history = dict(history or {})
    for key, new in values.items():
        history[key] = np.concatenate([history.get(key, np.zeros(0)), np.asarray(new, float)])
    return history
