"""Factors: non-negative tables over discrete variables, the currency of variable elimination.

A factor phi(X_1, ..., X_k) is an array with one axis per variable (axis i <-> variables[i],
length = that variable's number of states). The operations inference needs:
    product     (phi psi)(x) = phi(x_phi) psi(x_psi)      (broadcast over the union of scopes)
    sum out Z   (sum_Z phi)(x) = sum_z phi(x, z)
    max out Z   (max_Z phi)(x) = max_z phi(x, z)
    reduce      phi[Z = z]                                (evidence: keep the slice z)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from glassml._validation import fail
from glassml.stats._validation import check_finite, real_array


@dataclass(frozen=True)
class Factor:
    """A table over discrete variables.

    ``values[i_1, ..., i_k]`` is the factor at state ``states[variables[j]][i_j]`` of each
    variable. Query results are normalised factors: ``values`` sums to 1.

    Examples
    --------
    >>> factor = Factor(("Rain",), [0.3, 0.7], {"Rain": ("no", "yes")})
    >>> factor.probability(Rain="yes")
    0.7
    """

    variables: tuple[str, ...]
    values: np.ndarray
    states: dict[str, tuple]

    def __post_init__(self) -> None:
        if isinstance(self.variables, str) or not all(isinstance(v, str) for v in self.variables):
            raise fail("variables", "a sequence of variable names", self.variables)
        variables = tuple(self.variables)
        values = check_finite(real_array(self.values, "values"), "values")
        if not isinstance(self.states, dict) or set(self.states) != set(variables):
            raise fail("states", f"a dict of the states of each of {list(variables)}", self.states)
        shape = tuple(len(self.states[v]) for v in variables)
        if values.shape != shape:
            raise ValueError(
                f"values: expected shape {shape} (one axis per variable, one entry per state), "
                f"got shape {values.shape}"
            )
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "states", {v: tuple(self.states[v]) for v in variables})

    def to_series(self):
        """A pandas Series indexed by the states (a MultiIndex over several variables).

        Examples
        --------
        >>> Factor(("Rain",), [0.3, 0.7], {"Rain": ("no", "yes")}).to_series()
        Rain
        no     0.3
        yes    0.7
        Name: probability, dtype: float64
        """
        import pandas as pd

        if len(self.variables) == 1:
            index = pd.Index(self.states[self.variables[0]], name=self.variables[0])
        else:
            index = pd.MultiIndex.from_product(
                [self.states[v] for v in self.variables], names=list(self.variables)
            )
        return pd.Series(self.values.ravel(), index=index, name="probability")

    def probability(self, **assignment) -> float:
        """The entry at the given states, e.g. ``result.probability(Rain="yes")``.

        Examples
        --------
        >>> Factor(("Rain",), [0.3, 0.7], {"Rain": ("no", "yes")}).probability(Rain="no")
        0.3
        """
        if set(assignment) != set(self.variables):
            raise ValueError(
                f"{', '.join(sorted(set(assignment) ^ set(self.variables)))}: expected a state "
                f"for each of {list(self.variables)}, got {sorted(assignment)}"
            )
        index = []
        for v in self.variables:
            if assignment[v] not in self.states[v]:
                raise ValueError(
                    f"{v}: expected a state among {list(self.states[v])}, got {assignment[v]!r}"
                )
            index.append(self.states[v].index(assignment[v]))
        return float(self.values[tuple(index)])

    def __str__(self) -> str:
        return self.to_series().to_string()


def aligned(variables: Sequence[str], values: np.ndarray, union: Sequence[str]) -> np.ndarray:
    """``values`` (axes ``variables``) transposed to ``union``'s order, size-1 where absent."""
    position = {v: i for i, v in enumerate(union)}
    order = sorted(range(len(variables)), key=lambda axis: position[variables[axis]])
    moved = values.transpose(order)
    shape = [1] * len(union)
    for axis in order:
        shape[position[variables[axis]]] = values.shape[axis]
    return moved.reshape(shape)


def combine(
    scopes: Sequence[tuple[str, ...]], tables: Sequence[np.ndarray]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Product of factors over the union of their scopes (first-seen order)."""
    union = tuple(dict.fromkeys(v for scope in scopes for v in scope))
    product = np.ones((1,) * len(union))
    for scope, table in zip(scopes, tables, strict=True):
        product = product * aligned(scope, table, union)
    return union, product


def reduce(scope: tuple[str, ...], table: np.ndarray, evidence: dict[str, int]):
    """Slice out the observed states of evidence variables (their axes disappear)."""
    index = tuple(evidence.get(v, slice(None)) for v in scope)
    return tuple(v for v in scope if v not in evidence), table[index]
