"""Discrete Bayesian networks: exact and approximate inference, learning, d-separation.

:class:`BayesianNetwork` holds a DAG and one :class:`CPD` per variable (axis order
``(child, *parents)``). ``query`` answers P(Q | e) by variable elimination (min-fill order),
likelihood weighting or Gibbs sampling; ``map_query`` finds MAP/MPE states by max-product;
``fit`` learns CPDs from a DataFrame (maximum likelihood, BDeu, Dirichlet); ``d_separated``
runs Bayes-ball; ``sample`` draws from the joint.
"""

from glassml.stats.bayesnet._examples import asia_network, random_network, sprinkler_network
from glassml.stats.bayesnet._factor import Factor
from glassml.stats.bayesnet._network import CPD, BayesianNetwork, MAPResult

__all__ = [
    "CPD",
    "BayesianNetwork",
    "Factor",
    "MAPResult",
    "asia_network",
    "random_network",
    "sprinkler_network",
]
