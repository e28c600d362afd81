"""Exact inference by variable elimination: P(query | evidence) and MAP / MPE.

The joint of a Bayesian network is P(x) = prod_i P(x_i | pa_i). For a query Q and evidence e,
    P(Q, e) = sum_{H} prod_i P(x_i | pa_i) [E = e],       H = the other variables,
and each sum can be pushed inside the product: to eliminate Z, multiply only the factors that
mention Z and sum Z out of their product,
    tau(Y) = sum_z prod_{phi ∋ Z} phi(z, Y),
then put tau back in the pool. The cost is exponential only in the largest scope created, which
depends on the order: the greedy min-fill heuristic eliminates next the variable whose
elimination adds the fewest new edges between its neighbours in the interaction graph (ties:
fewest neighbours). P(Q | e) = P(Q, e) / sum_Q P(Q, e).

Barren variables — neither queried, observed, nor ancestors of either — sum to 1 and are
dropped before elimination.

MAP. argmax_M P(M | e) for a subset M: first sum out H = the rest (as above), then max out the
variables of M one by one (max-product). Each max-out keeps its table before the max; walking
the max-outs backwards, each variable's argmax given the already decided later ones is the
traceback. M = all unobserved variables is the MPE (most probable explanation).
Koller & Friedman (2009), "Probabilistic Graphical Models", sections 9.3-9.4 and 13.2-13.3.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from glassml.stats.bayesnet._factor import combine, reduce

Scope = tuple[str, ...]


def min_fill_order(scopes: Iterable[Scope], eliminate: Iterable[str]) -> list[str]:
    """Greedy min-fill elimination order of ``eliminate`` over the factors' interaction graph."""
    neighbours: dict[str, set[str]] = {}
    for scope in scopes:
        for v in scope:
            neighbours.setdefault(v, set()).update(u for u in scope if u != v)
    remaining = list(dict.fromkeys(eliminate))
    for v in remaining:
        neighbours.setdefault(v, set())
    order = []
    while remaining:

        def cost(v: str) -> tuple[int, int]:
            adjacent = list(neighbours[v])
            fill = sum(
                1
                for i, a in enumerate(adjacent)
                for b in adjacent[i + 1 :]
                if b not in neighbours[a]
            )
            return fill, len(adjacent)

        chosen = min(remaining, key=cost)  # min() keeps the first of equal costs: deterministic
        adjacent = neighbours.pop(chosen)
        for a in adjacent:
            neighbours[a].discard(chosen)
            neighbours[a].update(adjacent - {a})
        remaining.remove(chosen)
        order.append(chosen)
    return order


def _eliminate(pool: list[tuple[Scope, np.ndarray]], variable: str, how: str):
    """Multiply the factors mentioning ``variable`` and sum (or max) it out.

    Returns the new pool and, for max, the product table before the max (for the traceback).
    """
    involved = [factor for factor in pool if variable in factor[0]]
    rest = [factor for factor in pool if variable not in factor[0]]
    if not involved:
        return rest, None
    scope, table = combine([f[0] for f in involved], [f[1] for f in involved])
    axis = scope.index(variable)
    reduced = table.sum(axis=axis) if how == "sum" else table.max(axis=axis)
    rest.append((scope[:axis] + scope[axis + 1 :], reduced))
    return rest, ((scope, table) if how == "max" else None)


def evidence_pool(network, evidence: dict[str, int], keep: Iterable[str]):
    """CPD factors of the ancestors of ``keep`` ∪ evidence, reduced by the evidence."""
    relevant = network.ancestors(set(keep) | set(evidence))
    pool = []
    for v in network.variables:
        if v in relevant:
            cpd = network.cpds[v]
            pool.append(reduce((v, *cpd.parents), cpd.values, evidence))
    return pool, relevant


def sum_product(network, query: Scope, evidence: dict[str, int]) -> tuple[np.ndarray, float]:
    """Unnormalised P(query, e) as an array over ``query`` (in that order), and P(e)."""
    pool, relevant = evidence_pool(network, evidence, query)
    hidden = [
        v for v in network.variables if v in relevant and v not in evidence and v not in query
    ]
    for variable in min_fill_order([scope for scope, _ in pool], hidden):
        pool, _ = _eliminate(pool, variable, "sum")
    scope, table = combine([f[0] for f in pool], [f[1] for f in pool])
    # Every remaining axis is a query variable; order them as asked.
    table = table.transpose([scope.index(v) for v in query]) if query else table.reshape(())
    return table, float(table.sum())


def max_product(network, targets: Scope, evidence: dict[str, int]) -> tuple[dict[str, int], float]:
    """argmax over ``targets`` of P(targets, e) (summing out the rest), and that maximum."""
    pool, relevant = evidence_pool(network, evidence, targets)
    hidden = [
        v for v in network.variables if v in relevant and v not in evidence and v not in targets
    ]
    for variable in min_fill_order([scope for scope, _ in pool], hidden):
        pool, _ = _eliminate(pool, variable, "sum")
    tracebacks = []
    for variable in min_fill_order([scope for scope, _ in pool], targets):
        pool, before_max = _eliminate(pool, variable, "max")
        tracebacks.append((variable, before_max))
    maximum = float(np.prod([table for _, table in pool])) if pool else 1.0
    assignment: dict[str, int] = {}
    for variable, before_max in reversed(tracebacks):
        if before_max is None:  # a variable in no factor (cannot happen for a network node)
            assignment[variable] = 0
            continue
        scope, table = before_max
        # Variables maxed out later are already decided; pick this one's best state given them.
        index = tuple(slice(None) if v == variable else assignment[v] for v in scope)
        assignment[variable] = int(np.argmax(table[index]))
    return assignment, maximum
