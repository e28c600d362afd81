"""d-separation by the Bayes-ball / reachability algorithm.

X and Y are d-separated given Z when every trail between them is blocked: a chain or fork
through an observed node is blocked; a collider a -> m <- b is blocked unless m or one of its
descendants is observed. Then X ⊥ Y | Z in every distribution that factorises over the graph.

The ball travels along (node, direction) pairs from X (Koller & Friedman 2009, Algorithm 3.1):
arriving "up" (from a child) at an unobserved node it may go on to parents and children;
arriving "down" (from a parent) it may go on to children if the node is unobserved, and bounce
back up to parents if the node is in Z or has a descendant in Z (an active collider), i.e. if
the node is an ancestor of Z (Z included). Y is d-separated from X iff the ball never reaches Y.
"""

from __future__ import annotations


def reachable(network, sources: set[str], observed: set[str]) -> set[str]:
    """Nodes reachable from ``sources`` by an active trail given ``observed``."""
    observed_ancestors = network.ancestors(observed)
    to_visit = [(node, "up") for node in sources]
    visited: set[tuple[str, str]] = set()
    found: set[str] = set()
    while to_visit:
        node, direction = to_visit.pop()
        if (node, direction) in visited:
            continue
        visited.add((node, direction))
        if node not in observed:
            found.add(node)
        if direction == "up" and node not in observed:
            to_visit.extend((parent, "up") for parent in network.parents[node])
            to_visit.extend((child, "down") for child in network.children[node])
        elif direction == "down":
            if node not in observed:
                to_visit.extend((child, "down") for child in network.children[node])
            if node in observed_ancestors:
                to_visit.extend((parent, "up") for parent in network.parents[node])
    return found
