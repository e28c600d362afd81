"""Example networks: the sprinkler, "asia", and random networks for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from glassml._validation import check_count
from glassml.stats._validation import check_generator
from glassml.stats.bayesnet._network import CPD, BayesianNetwork

BINARY = ("no", "yes")
# One CPD holds max_states ** (max_parents + 1) numbers: keep it within 80 MB.
_MAX_TABLE = 10_000_000


def sprinkler_network() -> BayesianNetwork:
    """Cloudy -> {Sprinkler, Rain} -> WetGrass (Russell & Norvig; Murphy's BNT tutorial).

    P(Rain = yes | WetGrass = yes) = 0.7079 and P(Sprinkler = yes | WetGrass = yes) = 0.4298.

    Examples
    --------
    >>> network = sprinkler_network()
    >>> network.variables
    ['Cloudy', 'Sprinkler', 'Rain', 'WetGrass']
    >>> round(network.query("Sprinkler", {"WetGrass": "yes"}).probability(Sprinkler="yes"), 4)
    0.4298
    """
    cpds = [
        CPD("Cloudy", [0.5, 0.5], states=BINARY),
        # columns: Cloudy = no, yes
        CPD("Sprinkler", [[0.5, 0.9], [0.5, 0.1]], ["Cloudy"], BINARY),
        CPD("Rain", [[0.8, 0.2], [0.2, 0.8]], ["Cloudy"], BINARY),
        # axes (WetGrass, Sprinkler, Rain)
        CPD(
            "WetGrass",
            [[[1.0, 0.1], [0.1, 0.01]], [[0.0, 0.9], [0.9, 0.99]]],
            ["Sprinkler", "Rain"],
            BINARY,
        ),
    ]
    edges = [("Cloudy", "Sprinkler"), ("Cloudy", "Rain"), ("Sprinkler", "WetGrass"),
             ("Rain", "WetGrass")]  # fmt: skip
    return BayesianNetwork(edges, cpds)


def asia_network() -> BayesianNetwork:
    """Lauritzen & Spiegelhalter's (1988) chest-clinic network ("asia"), eight binary variables.

    asia -> tub; smoke -> lung, bronc; {tub, lung} -> either (logical OR); either -> xray;
    {bronc, either} -> dysp.

    Examples
    --------
    >>> network = asia_network()
    >>> round(network.query("lung", {"xray": "yes", "smoke": "yes"}).probability(lung="yes"), 4)
    0.646
    """

    def binary(variable, p_yes, parents=()):
        p_yes = np.asarray(p_yes, dtype=np.float64)
        return CPD(variable, np.stack([1.0 - p_yes, p_yes]), parents, BINARY)

    cpds = [
        binary("asia", 0.01),
        binary("tub", [0.01, 0.05], ["asia"]),  # indexed by asia = no, yes
        binary("smoke", 0.5),
        binary("lung", [0.01, 0.1], ["smoke"]),
        binary("bronc", [0.3, 0.6], ["smoke"]),
        binary("either", [[0.0, 1.0], [1.0, 1.0]], ["tub", "lung"]),  # tub OR lung
        binary("xray", [0.05, 0.98], ["either"]),
        binary("dysp", [[0.1, 0.7], [0.8, 0.9]], ["bronc", "either"]),
    ]
    edges = [
        ("asia", "tub"), ("smoke", "lung"), ("smoke", "bronc"), ("tub", "either"),
        ("lung", "either"), ("either", "xray"), ("bronc", "dysp"), ("either", "dysp"),
    ]  # fmt: skip
    return BayesianNetwork(edges, cpds)


def random_network(
    n_nodes: int, max_parents: int = 3, max_states: int = 3, random_state=None
) -> BayesianNetwork:
    """A random DAG (node i draws up to ``max_parents`` parents uniformly among the earlier
    nodes) with 2..``max_states`` states per variable and Dirichlet(1) CPD columns.

    Examples
    --------
    >>> network = random_network(6, max_parents=2, random_state=0)
    >>> len(network.variables), all(len(p) <= 2 for p in network.parents.values())
    (6, True)
    """
    n_nodes = check_count(n_nodes, "n_nodes")
    max_parents = check_count(max_parents, "max_parents", minimum=0)
    max_states = check_count(max_states, "max_states", minimum=2)
    if n_nodes > 100_000:
        raise ValueError(f"n_nodes: expected at most 100,000 nodes, got {n_nodes}")
    if max_states ** (min(max_parents, n_nodes - 1) + 1) > _MAX_TABLE:
        raise ValueError(
            f"max_parents: expected max_states ** (max_parents + 1) <= {_MAX_TABLE:,} numbers "
            f"per CPD, got {max_states} ** {max_parents + 1}"
        )
    rng = check_generator(random_state)
    names = [f"X{i}" for i in range(n_nodes)]
    cards = rng.integers(2, max_states + 1, size=n_nodes)
    edges, cpds = [], []
    for i, name in enumerate(names):
        candidates = np.arange(i)
        n_parents = int(rng.integers(0, min(max_parents, candidates.size) + 1))
        parents = [names[j] for j in sorted(rng.choice(candidates, n_parents, replace=False))]
        edges.extend((parent, name) for parent in parents)
        shape = tuple(int(cards[names.index(p)]) for p in parents)
        columns = rng.dirichlet(np.ones(cards[i]), size=shape)  # shape (*parents, states)
        cpds.append(CPD(name, np.moveaxis(columns, -1, 0), parents))
    return BayesianNetwork(edges, cpds, nodes=names)
