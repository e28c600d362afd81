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

from glassml._validation import check_count, check_option, check_positive, fail
from glassml.stats._validation import check_finite, check_generator, real_array
from glassml.stats.bayesnet import _elimination, _learning, _sampling
from glassml.stats.bayesnet._dseparation import reachable
from glassml.stats.bayesnet._factor import Factor

QUERY_METHODS = ("exact", "likelihood_weighting", "gibbs")


def _name(value, argument: str) -> str:
    """A variable's name: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise fail(argument, "a variable name (a non-empty string)", value)
    return value


def _names(values, argument: str) -> tuple[str, ...]:
    """A sequence of variable names (a single string is one name, never its characters)."""
    if isinstance(values, str):
        return (_name(values, argument),)
    try:
        names = tuple(values)
    except TypeError:
        raise fail(argument, "a sequence of variable names", values) from None
    for name in names:
        _name(name, argument)
    return names


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
        self.variable = _name(variable, "variable")
        self.parents = _names(parents, "parents")
        where = f"(CPD of {variable!r})"
        table = np.array(real_array(values, "values"), copy=True)
        if table.ndim != 1 + len(self.parents):
            raise ValueError(
                f"values: expected 1 + {len(self.parents)} axes (child, *parents "
                f"{list(self.parents)}) {where}, got shape {table.shape}"
            )
        if len(set(self.parents)) != len(self.parents) or variable in self.parents:
            raise ValueError(
                f"parents: expected distinct names other than {variable!r}, got "
                f"{list(self.parents)}"
            )
        if 0 in table.shape:
            raise ValueError(f"values: expected a non-empty table {where}, got shape {table.shape}")
        check_finite(table, "values")
        if np.any(table < 0) or np.any(table > 1):
            raise ValueError(f"values: expected probabilities in [0, 1] {where}, got "
                             f"{float(table[(table < 0) | (table > 1)][0])!r}")  # fmt: skip
        column_sums = table.sum(axis=0)
        if not np.allclose(column_sums, 1.0, rtol=0, atol=1e-8):
            worst = np.unravel_index(np.argmax(np.abs(column_sums - 1.0)), column_sums.shape)
            raise ValueError(
                f"values: expected each column (parent configuration) to sum to 1 {where}, got "
                f"{float(column_sums[worst])!r} at parent states "
                f"{tuple(int(i) for i in worst)}"
            )
        self.values = table
        if states is None:
            self.states = tuple(range(table.shape[0]))
        elif isinstance(states, str):
            raise fail("states", f"a sequence of {table.shape[0]} state names", states)
        else:
            self.states = tuple(states)
        try:
            distinct = len(set(self.states)) == len(self.states)
        except TypeError:  # unhashable states
            raise fail("states", "hashable state names", states) from None
        if len(self.states) != table.shape[0] or not distinct:
            raise ValueError(
                f"states: expected {table.shape[0]} distinct names {where}, got {list(self.states)}"
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

    Exact inference is variable elimination with a min-fill order (:meth:`query`,
    :meth:`map_query`); approximate inference is likelihood weighting or Gibbs sampling
    (``query(..., method=...)``). Koller & Friedman (2009), "Probabilistic Graphical Models".

    Parameters
    ----------
    edges : iterable of (parent, child)
        The DAG; a cycle raises ``ValueError`` naming it.
    cpds : iterable of CPD or mapping name -> CPD, optional
        One per variable, each with exactly its parents in the graph (in any order: the CPD's
        ``parents`` fix the axis order). May be left out and learned with :meth:`fit`.
    nodes : iterable of str, optional
        Extra variables without edges.

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
        if isinstance(edges, str):
            raise fail("edges", "an iterable of (parent, child) pairs", edges)
        try:
            edge_list = [tuple(edge) for edge in edges]
        except TypeError:
            raise fail("edges", "an iterable of (parent, child) pairs", edges) from None
        for edge in edge_list:
            if len(edge) != 2 or edge[0] == edge[1]:
                raise fail("edges", "(parent, child) pairs of two different variables", edge)
            _names(edge, "edges")
        if cpds is None:
            cpd_list = []
        elif isinstance(cpds, Mapping):
            cpd_list = list(cpds.values())
        elif isinstance(cpds, str | CPD):
            raise fail("cpds", "an iterable of CPD objects or a mapping name -> CPD", cpds)
        else:
            try:
                cpd_list = list(cpds)
            except TypeError:
                raise fail("cpds", "an iterable of CPD objects", cpds) from None
        for cpd in cpd_list:
            if not isinstance(cpd, CPD):
                raise fail("cpds", "CPD objects", cpd)
        names = dict.fromkeys(
            [v for edge in edge_list for v in edge]
            + list(_names(() if nodes is None else nodes, "nodes"))
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
            raise ValueError(
                "edges: expected a directed acyclic graph, got a cycle: "
                + " -> ".join(self._find_cycle())
            )
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
        """The variables and all their ancestors.

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> sorted(sprinkler_network().ancestors(["WetGrass"]))
        ['Cloudy', 'Rain', 'Sprinkler', 'WetGrass']
        """
        found, stack = set(), list(self._check_variables(_names(variables, "variables"),
                                                          "variables"))  # fmt: skip
        while stack:
            v = stack.pop()
            if v not in found:
                found.add(v)
                stack.extend(self.parents[v])
        return found

    def markov_blanket(self, variable: str) -> set[str]:
        """Parents, children and the children's other parents of ``variable``.

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> sorted(sprinkler_network().markov_blanket("Rain"))
        ['Cloudy', 'Sprinkler', 'WetGrass']
        """
        self._check_variables([_name(variable, "variable")], "variable")
        blanket = set(self.parents[variable]) | set(self.children[variable])
        for child in self.children[variable]:
            blanket.update(self.parents[child])
        return blanket - {variable}

    def _set_cpds(self, cpd_list: list[CPD]) -> None:
        cpds = {}
        for cpd in cpd_list:
            if cpd.variable in cpds:
                raise ValueError(f"cpds: expected one CPD per variable, got two for "
                                 f"{cpd.variable!r}")  # fmt: skip
            cpds[cpd.variable] = cpd
        missing = [v for v in self.variables if v not in cpds]
        if missing:
            raise ValueError(f"cpds: expected a CPD for every variable, got none for {missing}")
        for v in self.variables:
            cpd = cpds[v]
            if set(cpd.parents) != set(self.parents[v]):
                raise ValueError(
                    f"cpds: expected the CPD of {v!r} to have the graph's parents "
                    f"{sorted(self.parents[v])}, got {sorted(cpd.parents)}"
                )
            for axis, parent in enumerate(cpd.parents, start=1):
                expected = cpds[parent].values.shape[0]
                if cpd.values.shape[axis] != expected:
                    raise ValueError(
                        f"cpds: expected axis {axis} of the CPD of {v!r} (parent {parent!r}) to "
                        f"have length {expected}, {parent!r}'s number of states, got "
                        f"{cpd.values.shape[axis]}"
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
                f"{name}: expected variables of the network {self.variables}, got unknown "
                f"variable(s) {unknown}"
            )
        if len(set(variables)) != len(variables):
            raise ValueError(f"{name}: expected distinct variables, got {list(variables)}")
        return variables

    def _check_ready(self) -> None:
        if not self.cpds:
            raise ValueError(
                "cpds: expected a network with CPDs, got none (pass cpds or call fit(data) first)"
            )

    def _encode_evidence(self, evidence: Mapping | None) -> dict[str, int]:
        self._check_ready()
        if evidence is not None and not isinstance(evidence, Mapping):
            raise fail("evidence", "a mapping variable -> observed state", evidence)
        evidence = dict(evidence or {})
        self._check_variables(evidence, "evidence")
        codes = {}
        for variable, state in evidence.items():
            states = self.cpds[variable].states
            if state not in states:
                raise ValueError(
                    f"evidence: expected a state of {variable!r} among {list(states)}, got "
                    f"{state!r}"
                )
            codes[variable] = states.index(state)
        return codes

    def _query_variables(self, variables, evidence: dict) -> tuple[str, ...]:
        query = _names(variables, "variables")
        if not query:
            raise ValueError("variables: expected at least one variable to query, got none")
        self._check_variables(query, "variables")
        overlap = [v for v in query if v in evidence]
        if overlap:
            raise ValueError(f"variables: expected variables not in the evidence, got {overlap}")
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

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> sprinkler_network().query("Rain", {"WetGrass": "yes"}).values.round(4)
        array([0.2921, 0.7079])
        """
        codes = self._encode_evidence(evidence)
        query = self._query_variables(variables, codes)
        method = check_option(method, "method", QUERY_METHODS)
        # The sampling settings are checked whatever the method: a bad one is never ignored.
        n_samples = check_count(n_samples, "n_samples")
        n_burn_in = check_count(n_burn_in, "n_burn_in", minimum=0)
        n_chains = check_count(n_chains, "n_chains")
        rng = check_generator(random_state)
        if method == "exact":
            table, total = _elimination.sum_product(self, query, codes)
            if total <= 0:
                raise ValueError(
                    f"evidence: expected evidence of positive probability, got {dict(evidence)} "
                    "(probability zero)"
                )
            values = table / total
        else:
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

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> sprinkler_network().map_query(["Rain", "Sprinkler"], {"WetGrass": "yes"}).assignment
        {'Rain': 'yes', 'Sprinkler': 'no'}
        """
        codes = self._encode_evidence(evidence)
        if variables is None:
            targets = tuple(v for v in self.variables if v not in codes)
            if not targets:
                raise ValueError(
                    "evidence: expected some variable left unobserved, got every one observed"
                )
        else:
            targets = self._query_variables(variables, codes)
        assignment, maximum = _elimination.max_product(self, targets, codes)
        _, evidence_probability = _elimination.sum_product(self, (), codes)
        if evidence_probability <= 0:
            raise ValueError(
                f"evidence: expected evidence of positive probability, got {dict(evidence)} "
                "(probability zero)"
            )
        states = {v: self.cpds[v].states[assignment[v]] for v in targets}
        return MAPResult(states, maximum / evidence_probability)

    def d_separated(self, x, y, given: Iterable[str] | str = ()) -> bool:
        """Whether ``x`` and ``y`` (names or sets of names) are d-separated given ``given``.

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> network = sprinkler_network()
        >>> network.d_separated("Sprinkler", "Rain", "Cloudy")
        True
        >>> network.d_separated("Sprinkler", "Rain", ["Cloudy", "WetGrass"])  # a collider
        False
        """
        x_set, y_set = set(_names(x, "x")), set(_names(y, "y"))
        observed = set(_names(given, "given"))
        for name, nodes in (("x", x_set), ("y", y_set), ("given", observed)):
            self._check_variables(sorted(nodes), name)
        if not x_set or not y_set:
            raise ValueError("x, y: expected at least one variable in each, got an empty set")
        if x_set & y_set or (x_set | y_set) & observed:
            raise ValueError("x, y, given: expected disjoint sets of variables, got an overlap")
        return not (reachable(self, x_set, observed) & y_set)

    # -- sampling and learning -----------------------------------------------------------------

    def sample(self, n_samples: int, random_state=None):
        """``n_samples`` rows from the joint by forward sampling, as a pandas DataFrame.

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> sprinkler_network().sample(3, random_state=0).shape
        (3, 4)
        """
        import pandas as pd

        self._check_ready()
        n_samples = check_count(n_samples, "n_samples")
        codes, _ = _sampling.forward_sample(self, n_samples, check_generator(random_state))
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

        Examples
        --------
        >>> from glassml.stats.bayesnet import sprinkler_network
        >>> truth = sprinkler_network()
        >>> learned = BayesianNetwork(truth.edges).fit(truth.sample(5000, random_state=0))
        >>> learned.cpds["Rain"].values.round(1)  # truth: [[0.8, 0.2], [0.2, 0.8]]
        array([[0.8, 0.2],
               [0.2, 0.8]])
        """
        import pandas as pd

        if not isinstance(data, pd.DataFrame) or data.shape[0] == 0:
            raise fail("data", "a non-empty pandas DataFrame", data)
        missing = [v for v in self.variables if v not in data.columns]
        if missing:
            raise ValueError(f"data: expected a column per variable, got none for {missing}")
        method = check_option(method, "method", _learning.LEARNING_METHODS)
        equivalent_sample_size = check_positive(equivalent_sample_size, "equivalent_sample_size")
        pseudo_count = check_positive(pseudo_count, "pseudo_count")
        if states is not None and not isinstance(states, Mapping):
            raise fail("states", "a mapping variable -> sequence of states", states)
        known = dict(self.states) if self.cpds else {}
        for v, s in (states or {}).items():
            if isinstance(s, str):
                raise fail("states", f"a sequence of state names for {v!r}", s)
            known[v] = tuple(s)
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
