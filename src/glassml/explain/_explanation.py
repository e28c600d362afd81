"""The one result type of every explainer: :class:`Explanation`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Explanation:
    """Attributions of a model's output to its input features, for a batch of rows.

    Every explainer in :mod:`glassml.explain` returns one. For the additive explainers (the
    Shapley explainers, LIME, integrated gradients, gradient x input) the identity

        values.sum(over the feature axes) + base_values = the output being decomposed

    holds row by row: the model's output for the Shapley explainers and integrated gradients,
    the surrogate's prediction at ``x`` for LIME, and the first-order Taylor value for gradient
    x input. ``additive`` is ``False`` for saliency and SmoothGrad, which rank features but do
    not decompose anything; their ``base_values`` hold the model's output at ``x``.

    Attributes
    ----------
    values : ndarray of shape (n, n_features) or (n, n_features, n_outputs)
        Image explainers use (n, *image_shape[, n_outputs]): one value per pixel.
    base_values : ndarray of shape (n,) or (n, n_outputs)
        The reference output (for Shapley values: the mean output over the background).
    data : ndarray
        The rows explained, shape ``values.shape[:-1]`` for multi-output values.
    feature_names : list of str
    output_names : list of str or None
        One name per output when ``values`` has an output axis.
    additive : bool
    fidelity : ndarray of shape (n,) or (n, n_outputs), or None
        LIME's weighted R^2 of the local surrogate.
    extras : dict
        Explainer-specific arrays (LIME image: ``segments``; ``segment_weights``).

    Examples
    --------
    >>> import numpy as np
    >>> e = Explanation(values=np.array([[1.0, -0.5]]), base_values=np.array([2.0]),
    ...                 data=np.array([[3.0, 4.0]]), feature_names=["a", "b"])
    >>> float(e.values.sum() + e.base_values[0])
    2.5
    >>> e[0].values.shape
    (1, 2)
    """

    values: np.ndarray
    base_values: np.ndarray
    data: np.ndarray
    feature_names: list[str]
    output_names: list[str] | None = None
    additive: bool = True
    fidelity: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from glassml._validation import check_named_array, fail

        def checked(array: Any, argument: str, finite: Any = True) -> np.ndarray:
            return check_named_array(
                array, argument, dtype=np.float64, ensure_2d=False, allow_nd=True,
                ensure_all_finite=finite,
            )  # fmt: skip

        self.values = checked(self.values, "values")
        self.base_values = checked(self.base_values, "base_values")
        self.data = checked(self.data, "data", "allow-nan")  # missing values are data too
        n = self.values.shape[0]
        if self.values.ndim < 2:
            raise fail("values", "an array of shape (n, n_features[, n_outputs])", self.values)
        if self.base_values.shape[:1] != (n,) or self.base_values.ndim > 2:
            raise fail("base_values", f"shape ({n},) or ({n}, n_outputs)", self.base_values)
        if self.data.shape[:1] != (n,):
            raise fail("data", f"{n} rows (as values)", self.data)
        self.feature_names = [str(name) for name in self.feature_names]

    @property
    def multi_output(self) -> bool:
        """Whether ``values`` carries an output axis (as its last)."""
        return self.base_values.ndim == 2

    def __len__(self) -> int:
        return self.values.shape[0]

    def __getitem__(self, rows: Any) -> Explanation:
        """Rows by index, slice or mask; ``e[rows, k]`` also picks output ``k`` (int or name)."""
        output = None
        if isinstance(rows, tuple):
            if len(rows) != 2:
                raise IndexError("an Explanation is indexed as e[rows] or e[rows, output]")
            rows, output = rows
        if isinstance(rows, int | np.integer):
            rows = [int(rows)]
        explanation = Explanation(
            values=self.values[rows],
            base_values=self.base_values[rows],
            data=self.data[rows],
            feature_names=list(self.feature_names),
            output_names=None if self.output_names is None else list(self.output_names),
            additive=self.additive,
            fidelity=None if self.fidelity is None else self.fidelity[rows],
            extras={
                key: value[rows]
                if isinstance(value, np.ndarray) and value.shape[:1] == self.values.shape[:1]
                else value
                for key, value in self.extras.items()
            },
        )
        return explanation if output is None else explanation._output(output)

    def _output(self, output: Any) -> Explanation:
        if not self.multi_output:
            raise IndexError("this Explanation has one output; index it by rows only")
        names = self.output_names or [str(k) for k in range(self.base_values.shape[1])]
        if isinstance(output, str):
            if output not in names:
                raise IndexError(f"output: expected one of {names}, got {output!r}")
            output = names.index(output)
        k = int(output)
        fidelity = None if self.fidelity is None else self.fidelity[..., k]
        return Explanation(
            values=self.values[..., k],
            base_values=self.base_values[:, k],
            data=self.data,
            feature_names=list(self.feature_names),
            output_names=None,
            additive=self.additive,
            fidelity=fidelity,
            extras=dict(self.extras),
        )

    def output_sum(self) -> np.ndarray:
        """``values`` summed over the feature axes plus ``base_values``: the output decomposed."""
        feature_axes = tuple(range(1, self.values.ndim - (1 if self.multi_output else 0)))
        return self.values.sum(axis=feature_axes) + self.base_values
