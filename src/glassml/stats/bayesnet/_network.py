"""Discrete Bayesian networks: a DAG and one conditional probability table per variable.

The joint distribution factorises over the graph,
    P(x_1, ..., x_n) = prod_i P(x_i | pa_i),
so it is fully described by the CPDs. Inference (``query``, ``map_query``), sampling,
parameter learning (``fit``) and d-separation live in the sibling modules; this one holds the
structure and validates it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from glassml.stats.bayesnet import _elimination, _learning, _sampling
from glassml.stats.bayesnet._dseparation import reachable
from glassml.stats.bayesnet._factor import Factor

QUERY_METHODS = ("exact", "likelihood_weighting", "gibbs")


class CPD:
    """Conditional probability table P(variable | parents).

    Parameters
    ----------
    variable : str
    values : array_like, shape (n_states, *parent_cardinalities)
        ``values[k, j_1, ..., j_m]`` = P(variable = state k | parent_1 = state j_1, ...): axis 0
        is the child, then one axis per parent in the order of ``parents``. Each column
        ``values[:, j_1, ..., j_m]`` is a distribution: non-negative, summing to 1.
    parents : sequence of str
    states : sequence, optional
        Names of the variable's states (default ``0, 1, ..., n_states - 1``).

    Examples
    --------
    >>> rain = CPD("Rain", [[0.8, 0.2], [0.2, 0.8]], parents=["Cloudy"], states=["no", "yes"])
    >>> rain.values.shape  # (Rain, Cloudy)
    (2, 2)
    """

    def __init__(self, variable: str, values, parents: Sequence[str] = (), states=None) -> None:
        self.variable = variable
        self.parents = tuple(parents)
        try:
            table = np.array(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"CPD of {variable!r}: values must be an array of numbers") from error
        if table.ndim != 1 + len(self.parents):
            raise ValueError(
                f"CPD of {variable!r}: values must have 1 + {len(self.parents)} axes (child, "
                f"*parents {list(self.parents)}); got shape {table.shape}"
            )
        if len(set(self.parents)) != len(self.parents) or variable in self.parents:
            raise ValueError(f"CPD of {variable!r}: parents {list(self.parents)} must be distinct "
                             "and exclude the variable")  # fmt: skip
        if table.shape[0] < 1 or 0 in table.shape:
            raise ValueError(f"CPD of {variable!r}: values must not be empty")
        if not np.all(np.isfinite(table)) or np.any(table < 0) or np.any(table > 1):
            raise ValueError(f"CPD of {variable!r}: probabilities must be finite numbers in [0, 1]")
        column_sums = table.sum(axis=0)
        if not np.allclose(column_sums, 1.0, rtol=0, atol=1e-8):
            worst = np.unravel_index(np.argmax(np.abs(column_sums - 1.0)), column_sums.shape)
            raise ValueError(
                f"CPD of {variable!r}: each column (parent configuration) must sum to 1; the "
                f"column at parent states {tuple(int(i) for i in worst)} sums to "
                f"{float(column_sums[worst])!r}"
            )
        self.values = table
        self.states = tuple(range(table.shape[0])) if states is None else tuple(states)
        if len(self.states) != table.shape[0] or len(set(self.states)) != len(self.states):
            raise ValueError(
                f"CPD of {variable!r}: states must be {table.shape[0]} distinct names; got "
                f"{list(self.states)}"
            )

    def __repr__(self) -> str:
        given = f" | {', '.join(self.parents)}" if self.parents else ""
        return f"CPD(P({self.variable}{given}), shape {self.values.shape})"


@dataclass(frozen=True)
class MAPResult:
    """Most probable joint state of ``assignment``'s variables and P(assignment | evidence)."""

    assignment: dict
    probability: float


class BayesianNetwork:
    """A discrete Bayesian network: P(x) = prod_i P(x_i | pa_i).

    Parameters
    ----------
    edges : iterable of (parent, child)
        The DAG; a cycle raises ``ValueError`` naming it.
    cpds : iterable of CPD or mapping name -> CPD, optional
        One per variable, each with exactly its parents in the graph (in any order: the CPD's
        ``parents`` fix the axis order). May be left out and learned with :meth:`fit`.
    nodes : iterable of str, optional
        Extra variables without edges.

    Exact inference is variable elimination with a min-fill order (:meth:`query`,
    :meth:`map_query`); approximate inference is likelihood weighting or Gibbs sampling
    (``query(..., method=...)``). Koller & Friedman (2009), "Probabilistic Graphical Models".

    Examples
    --------
    >>> from glassml.stats.bayesnet import sprinkler_network
    >>> network = sprinkler_network()
    >>> round(network.query("Rain", evidence={"WetGrass": "yes"}).probability(Rain="yes"), 4)
    0.7079
    """

    def __init__(
        self,
        edges: Iterable[tuple[str, str]],
        cpds: Iterable[CPD] | Mapping[str, CPD] | None = None,
        nodes: Iterable[str] | None = None,
    ) -> None:
        edge_list = [tuple(edge) for edge in edges]
        for edge in edge_list:
            if len(edge) != 2 or edge[0] == edge[1]:
                raise ValueError(
                    f"edges must be (parent, child) pairs of two variables; got {edge}"
                )
        cpd_list = list(cpds.values()) if isinstance(cpds, Mapping) else list(cpds or [])
        names = dict.fromkeys(
            [v for edge in edge_list for v in edge]
            + list(nodes or [])
            + [c.variable for c in cpd_list]
        )
        self.parents: dict[str, list[str]] = {v: [] for v in names}
        self.children: dict[str, list[str]] = {v: [] for v in names}
        for parent, child in dict.fromkeys(edge_list):
            self.parents[child].append(parent)
            self.children[parent].append(child)
        self.variables: list[str] = self._topological_order()
        self.cpds: dict[str, CPD] = {}
        if cpd_list:
            self._set_cpds(cpd_list)

    # -- structure -----------------------------------------------------------------------------

    def _topological_order(self) -> list[str]:
        """Kahn's algorithm; whatever it cannot order lies on or behind a cycle."""
        in_degree = {v: len(p) for v, p in self.parents.items()}
        ready = [v for v, d in in_degree.items() if d == 0]
        order = []
        while ready:
            v = ready.pop(0)
            order.append(v)
            for child in self.children[v]:
                in_degree[child] -= 1
                if in_degree[child] == 0:
                    ready.append(child)
        if len(order) < len(self.parents):
            raise ValueError(f"edges: the graph has a cycle: {' -> '.join(self._find_cycle())}")
        return order

    def _find_cycle(self) -> list[str]:
        colour = dict.fromkeys(self.parents, 0)  # 0 new, 1 on the path, 2 done
        for start in self.parents:
            if colour[start]:
                continue
            path, stack = [], [(start, iter(self.children[start]))]
            colour[start] = 1
            path.append(start)
            while stack:
                node, successors = stack[-1]
                child = next(successors, None)
                if child is None:
                    colour[node] = 2
                    stack.pop()
                    path.pop()
                elif colour[child] == 1:
                    return [*path[path.index(child) :], child]
                elif colour[child] == 0:
                    colour[child] = 1
                    path.append(child)
                    stack.append((child, iter(self.children[child])))
        return []

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(parent, child) for child in self.variables for parent in self.parents[child]]

    def ancestors(self, variables: Iterable[str]) -> set[str]:
        """The variables and all their ancestors."""
        found, stack = set(), list(variables)
        while stack:
            v = stack.pop()
            if v not in found:
                found.add(v)
                stack.extend(self.parents[v])
        return found

    def markov_blanket(self, variable: str) -> set[str]:
        self._check_variables([variable], "variable")
        blanket = set(self.parents[variable]) | set(self.children[variable])
        for child in self.children[variable]:
            blanket.update(self.parents[child])
        return blanket - {variable}

    def _set_cpds(self, cpd_list: list[CPD]) -> None:
        cpds = {}
        for cpd in cpd_list:
            if not isinstance(cpd, CPD):
                raise ValueError(f"cpds must be CPD objects; got {type(cpd).__name__}")
            if cpd.variable in cpds:
                raise ValueError(f"cpds: two CPDs for {cpd.variable!r}")
            cpds[cpd.variable] = cpd
        missing = [v for v in self.variables if v not in cpds]
        if missing:
            raise ValueError(f"cpds: no CPD for {missing}")
        for v in self.variables:
            cpd = cpds[v]
            if set(cpd.parents) != set(self.parents[v]):
                raise ValueError(
                    f"CPD of {v!r} has parents {sorted(cpd.parents)} but the graph gives "
                    f"{sorted(self.parents[v])}"
                )
            for axis, parent in enumerate(cpd.parents, start=1):
                expected = cpds[parent].values.shape[0]
                if cpd.values.shape[axis] != expected:
                    raise ValueError(
                        f"CPD of {v!r}: axis {axis} (parent {parent!r}) has length "
                        f"{cpd.values.shape[axis]}, but {parent!r} has {expected} states"
                    )
        self.cpds = cpds

    @property
    def states(self) -> dict[str, tuple]:
        return {v: self.cpds[v].states for v in self.variables}

    @property
    def cardinality(self) -> dict[str, int]:
        return {v: self.cpds[v].values.shape[0] for v in self.variables}

    # -- argument checks -----------------------------------------------------------------------

    def _check_variables(self, variables: Iterable[str], name: str) -> tuple[str, ...]:
        variables = tuple(variables)
        unknown = [v for v in variables if v not in self.parents]
        if unknown:
            raise ValueError(
                f"{name}: unknown variable(s) {unknown}; the network has {self.variables}"
            )
        if len(set(variables)) != len(variables):
            raise ValueError(f"{name}: variables repeat: {list(variables)}")
        return variables

    def _check_ready(self) -> None:
        if not self.cpds:
            raise ValueError("the network has no CPDs: pass cpds or call fit(data) first")

    def _encode_evidence(self, evidence: Mapping | None) -> dict[str, int]:
        self._check_ready()
        evidence = dict(evidence or {})
        self._check_variables(evidence, "evidence")
        codes = {}
        for variable, state in evidence.items():
            states = self.cpds[variable].states
            if state not in states:
                raise ValueError(
                    f"evidence: {state!r} is not a state of {variable!r}; its states are "
                    f"{list(states)}"
                )
            codes[variable] = states.index(state)
        return codes

    def _query_variables(self, variables, evidence: dict) -> tuple[str, ...]:
        query = (variables,) if isinstance(variables, str) else tuple(variables)
        if not query:
            raise ValueError("variables: give at least one variable to query")
        self._check_variables(query, "variables")
        overlap = [v for v in query if v in evidence]
        if overlap:
            raise ValueError(f"variables {overlap} are also in the evidence")
        return query

    # -- inference -----------------------------------------------------------------------------

    def query(
        self,
        variables: str | Sequence[str],
        evidence: Mapping | None = None,
        *,
        method: str = "exact",
        n_samples: int = 10_000,
        n_burn_in: int = 100,
        n_chains: int = 100,
        random_state=None,
    ) -> Factor:
        """P(variables | evidence) as a normalised :class:`Factor`.

        ``method``: ``"exact"`` (variable elimination), ``"likelihood_weighting"`` or
        ``"gibbs"`` (``n_samples`` states from ``n_chains`` chains after ``n_burn_in`` sweeps).
        """
        codes = self._encode_evidence(evidence)
        query = self._query_variables(variables, codes)
        if method not in QUERY_METHODS:
            raise ValueError(f"method must be one of {QUERY_METHODS}; got {method!r}")
        if method == "exact":
            table, total = _elimination.sum_product(self, query, codes)
            if total <= 0:
                raise ValueError(f"evidence {dict(evidence)} has probability zero")
            values = table / total
        else:
            for name, value, minimum in (("n_samples", n_samples, 1), ("n_burn_in", n_burn_in, 0),
                                         ("n_chains", n_chains, 1)):  # fmt: skip
                if isinstance(value, bool) or int(value) != value or value < minimum:
                    raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
            rng = np.random.default_rng(random_state)
            if method == "likelihood_weighting":
                values, _ = _sampling.likelihood_weighting(self, query, codes, n_samples, rng)
            else:
                values = _sampling.gibbs(self, query, codes, n_samples, n_burn_in, n_chains, rng)
        return Factor(query, values, {v: self.cpds[v].states for v in query})

    def map_query(
        self, variables: Sequence[str] | None = None, evidence: Mapping | None = None
    ) -> MAPResult:
        """The most probable joint state of ``variables`` given the evidence (max-product).

        ``variables=None`` means every unobserved variable: the MPE. ``probability`` is
        P(assignment | evidence) (summing out the variables not asked about).
        """
        codes = self._encode_evidence(evidence)
        if variables is None:
            targets = tuple(v for v in self.variables if v not in codes)
            if not targets:
                raise ValueError("variables: every variable is observed; nothing to explain")
        else:
            targets = self._query_variables(variables, codes)
        assignment, maximum = _elimination.max_product(self, targets, codes)
        _, evidence_probability = _elimination.sum_product(self, (), codes)
        if evidence_probability <= 0:
            raise ValueError(f"evidence {dict(evidence)} has probability zero")
        states = {v: self.cpds[v].states[assignment[v]] for v in targets}
        return MAPResult(states, maximum / evidence_probability)

    def d_separated(self, x, y, given: Iterable[str] | str = ()) -> bool:
        """Whether ``x`` and ``y`` (names or sets of names) are d-separated given ``given``."""
        as_set = lambda value: {value} if isinstance(value, str) else set(value)  # noqa: E731
        x_set, y_set, observed = as_set(x), as_set(y), as_set(given)
        for name, nodes in (("x", x_set), ("y", y_set), ("given", observed)):
            self._check_variables(sorted(nodes), name)
        if not x_set or not y_set:
            raise ValueError("x and y must each name at least one variable")
        if x_set & y_set or (x_set | y_set) & observed:
            raise ValueError("x, y and given must be disjoint sets of variables")
        return not (reachable(self, x_set, observed) & y_set)

    # -- sampling and learning -----------------------------------------------------------------

    def sample(self, n_samples: int, random_state=None):
        """``n_samples`` rows from the joint by forward sampling, as a pandas DataFrame."""
        import pandas as pd

        self._check_ready()
        if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
        codes, _ = _sampling.forward_sample(
            self, int(n_samples), np.random.default_rng(random_state)
        )
        return pd.DataFrame(
            {v: np.asarray(self.cpds[v].states, dtype=object)[codes[:, i]]
             for i, v in enumerate(self.variables)}
        )  # fmt: skip

    def fit(
        self,
        data,
        *,
        method: str = "mle",
        equivalent_sample_size: float = 1.0,
        pseudo_count: float = 1.0,
        states: Mapping[str, Sequence] | None = None,
    ) -> BayesianNetwork:
        """Learn every CPD from a pandas DataFrame with one column per variable.

        ``method``: ``"mle"``, ``"bdeu"`` (prior of equivalent sample size
        ``equivalent_sample_size``) or ``"dirichlet"`` (``pseudo_count`` added to every count).
        States come from ``states``, else from the current CPDs, else the sorted values seen.
        """
        import pandas as pd

        if not isinstance(data, pd.DataFrame) or data.shape[0] == 0:
            raise ValueError("data must be a non-empty pandas DataFrame")
        missing = [v for v in self.variables if v not in data.columns]
        if missing:
            raise ValueError(f"data has no column for variable(s) {missing}")
        if method not in _learning.LEARNING_METHODS:
            raise ValueError(f"method must be one of {_learning.LEARNING_METHODS}; got {method!r}")
        for name, value in (("equivalent_sample_size", equivalent_sample_size),
                            ("pseudo_count", pseudo_count)):  # fmt: skip
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number; got {value!r}")
        known = dict(self.states) if self.cpds else {}
        known.update({v: tuple(s) for v, s in (states or {}).items()})
        variable_states = {
            v: known.get(v) or tuple(sorted(pd.unique(data[v].dropna()))) for v in self.variables
        }
        codes = {v: _learning.encode_column(data[v], variable_states[v], v) for v in self.variables}
        cardinality = {v: len(variable_states[v]) for v in self.variables}
        cpds = []
        for v in self.variables:
            counts = _learning.family_counts(codes, v, self.parents[v], cardinality)
            values = _learning.estimate_cpd(counts, method, equivalent_sample_size, pseudo_count)
            cpds.append(CPD(v, values, self.parents[v], variable_states[v]))
        self._set_cpds(cpds)
        return self

    def __repr__(self) -> str:
        n_edges = sum(len(p) for p in self.parents.values())
        return f"BayesianNetwork({len(self.variables)} variables, {n_edges} edges)"
