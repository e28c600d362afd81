"""Discrete Bayesian networks against brute-force enumeration of the joint.

References and tolerances:
- exact inference (variable elimination) and MAP/MPE (max-product): the joint enumerated
  state by state as prod_i P(x_i | pa_i) (a loop here, no factor code), then summed/maximised;
  probabilities to 1e-12 absolute on the sprinkler, "asia" and random 8-node networks.
- the sprinkler's textbook values P(Rain | WetGrass) = 0.7079, P(Sprinkler | WetGrass) = 0.4298
  (Murphy's BNT tutorial) to 5e-5.
- likelihood weighting: within the standard error sqrt(p (1 - p) / ESS) (Kish's ESS of the
  weights, computed here from the evidence probabilities) of the exact answer; Gibbs sampling
  (autocorrelated draws): within the standard error given by the spread of its 400
  independent chains' frequencies; forward sampling: every joint cell's frequency within its
  binomial standard error. Each of these fails with probability 1e-4 for a correct sampler
  (parity.assert_within_se, Bonferroni over the entries checked together).
- d-separation: brute-force conditional independence on the joint of random 6-node networks
  (|P(x, y | z) - P(x | z) P(y | z)| < 1e-10 for all states), which random Dirichlet CPDs make
  equivalent to d-separation (faithfulness holds with probability one).
- learning: maximum likelihood, BDeu and Dirichlet CPDs against counts from pandas.crosstab
  and the closed forms, to 1e-12.
- cost: on a random 30-node, in-degree <= 3 network the min-fill order keeps every table
  variable elimination builds to at most 8 variables (timings live in benchmarks/).
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from parity import assert_within_se

from glassml.stats.bayesnet import (
    CPD,
    BayesianNetwork,
    asia_network,
    random_network,
    sprinkler_network,
)


def brute_force_joint(network):
    """The joint as an array with one axis per variable (network.variables order)."""
    variables = network.variables
    cards = [network.cardinality[v] for v in variables]
    joint = np.empty(cards)
    for assignment in itertools.product(*(range(c) for c in cards)):
        state = dict(zip(variables, assignment, strict=True))
        probability = 1.0
        for v in variables:
            cpd = network.cpds[v]
            probability *= cpd.values[(state[v], *(state[p] for p in cpd.parents))]
        joint[assignment] = probability
    return joint


def brute_force_query(network, joint, query, evidence):
    variables = network.variables
    index = tuple(
        network.states[v].index(evidence[v]) if v in evidence else slice(None) for v in variables
    )
    kept = [v for v in variables if v not in evidence]
    sliced = joint[index]
    other = tuple(i for i, v in enumerate(kept) if v not in query)
    marginal = sliced.sum(axis=other)
    remaining = [v for v in kept if v in query]
    marginal = marginal.transpose([remaining.index(v) for v in query])
    return marginal / marginal.sum(), kept, sliced


@pytest.fixture(scope="module")
def asia():
    network = asia_network()
    return network, brute_force_joint(network)


def test_sprinkler_textbook_values():
    network = sprinkler_network()
    wet = {"WetGrass": "yes"}
    assert abs(network.query("Rain", wet).probability(Rain="yes") - 0.7079) < 5e-5
    assert abs(network.query("Sprinkler", wet).probability(Sprinkler="yes") - 0.4298) < 5e-5


@pytest.mark.parametrize("make", [sprinkler_network, asia_network])
def test_exact_queries_match_brute_force(make):
    network = make()
    joint = brute_force_joint(network)
    rng = np.random.default_rng(0)
    variables = network.variables
    worst = 0.0
    for _ in range(25):
        n_evidence = int(rng.integers(0, 3))
        chosen = rng.permutation(len(variables))
        evidence_vars = [variables[i] for i in chosen[:n_evidence]]
        query = tuple(variables[i] for i in chosen[n_evidence : n_evidence + 2])
        evidence = {v: network.states[v][int(rng.integers(2))] for v in evidence_vars}
        expected, *_ = brute_force_query(network, joint, query, evidence)
        if not np.isfinite(expected).all():
            continue  # evidence of probability zero (asia's deterministic either)
        worst = max(worst, np.abs(network.query(query, evidence).values - expected).max())
    assert worst < 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_random_networks_exact_and_map_match_brute_force(seed):
    network = random_network(8, max_parents=3, max_states=3, random_state=seed)
    joint = brute_force_joint(network)
    rng = np.random.default_rng(seed)
    variables = network.variables
    for _ in range(8):
        chosen = rng.permutation(8)
        evidence = {variables[i]: int(rng.integers(network.cardinality[variables[i]]))
                    for i in chosen[:3]}  # fmt: skip
        query = (variables[chosen[3]], variables[chosen[4]])
        expected, kept, sliced = brute_force_query(network, joint, query, evidence)
        np.testing.assert_allclose(network.query(query, evidence).values, expected, atol=1e-12)

        # MAP over the query pair: argmax of the brute-force marginal.
        result = network.map_query(query, evidence)
        best = np.unravel_index(np.argmax(expected), expected.shape)
        assert result.assignment == {v: int(b) for v, b in zip(query, best, strict=True)}
        assert abs(result.probability - expected.max()) < 1e-12

        # MPE over all unobserved variables: argmax of the sliced joint.
        mpe = network.map_query(evidence=evidence)
        best = np.unravel_index(np.argmax(sliced), sliced.shape)
        assert mpe.assignment == {v: int(b) for v, b in zip(kept, best, strict=True)}
        assert abs(mpe.probability - sliced.max() / sliced.sum()) < 1e-12


def test_asia_mpe_matches_brute_force(asia):
    network, joint = asia
    evidence = {"xray": "yes", "dysp": "yes"}
    _, kept, sliced = brute_force_query(network, joint, ("lung",), evidence)
    mpe = network.map_query(evidence=evidence)
    best = np.unravel_index(np.argmax(sliced), sliced.shape)
    assert mpe.assignment == {v: network.states[v][b] for v, b in zip(kept, best, strict=True)}
    assert abs(mpe.probability - sliced.max() / sliced.sum()) < 1e-12


def _lw_tolerance(network, joint, evidence, n_samples, probabilities):
    """4 standard errors of likelihood weighting: the weights are P(e_j | pa_j) per sample, and
    E[w] = P(e), E[w^2] from the joint, so ESS ≈ n E[w]^2 / E[w^2]."""
    variables = network.variables
    cards = [network.cardinality[v] for v in variables]
    weight_sq = 0.0
    for assignment in itertools.product(*(range(c) for c in cards)):
        state = dict(zip(variables, assignment, strict=True))
        if any(network.states[v][state[v]] != s for v, s in evidence.items()):
            continue
        weight = 1.0
        proposal = 1.0
        for v in variables:
            cpd = network.cpds[v]
            p = cpd.values[(state[v], *(state[q] for q in cpd.parents))]
            if v in evidence:
                weight *= p
            else:
                proposal *= p
        weight_sq += proposal * weight**2
    index = tuple(network.states[v].index(evidence[v]) if v in evidence else slice(None)
                  for v in variables)  # fmt: skip
    evidence_probability = joint[index].sum()
    ess = n_samples * evidence_probability**2 / weight_sq
    return np.sqrt(probabilities * (1 - probabilities) / ess)


def test_likelihood_weighting_within_standard_errors(asia):
    network, joint = asia
    evidence = {"xray": "yes", "dysp": "yes", "smoke": "no"}
    n_samples = 40_000
    estimates, exacts, errors = [], [], []
    for variable in ("lung", "tub", "bronc", "either"):
        exact = network.query(variable, evidence).values
        estimate = network.query(
            variable, evidence, method="likelihood_weighting", n_samples=n_samples, random_state=1
        ).values
        # Binary variables: the two states' errors are one error; keep the "yes" state.
        estimates.append(estimate[1])
        exacts.append(exact[1])
        errors.append(_lw_tolerance(network, joint, evidence, n_samples, exact)[1])
    assert_within_se(estimates, exacts, errors, what="likelihood weighting")


@pytest.mark.parametrize("make", [sprinkler_network, lambda: random_network(8, random_state=3)])
def test_gibbs_close_to_exact(make):
    """40,000 Gibbs states from 400 independent chains: each state's frequency is the mean of
    the chains' frequencies, whose spread gives its standard error (autocorrelation
    included); checked over every state of every unobserved variable together. (The fixed
    0.03 used before assumed an autocorrelation it never measured.)"""
    from glassml.stats.bayesnet import _sampling

    network = make()
    last = network.variables[-1]
    evidence = {last: network.states[last][0]}
    codes = {last: 0}
    n_chains, n_samples = 400, 40_000
    kept = _sampling.gibbs_states(network, codes, n_samples, 50, n_chains,
                                  np.random.default_rng(2))  # fmt: skip
    per_chain = kept.reshape(-1, n_chains, kept.shape[1])  # (sweep, chain, variable)
    estimates, exacts, errors = [], [], []
    for index, variable in enumerate(network.variables[:-1]):
        exact = network.query(variable, evidence).values
        estimate = network.query(
            variable, evidence, method="gibbs", n_samples=n_samples, n_chains=n_chains,
            n_burn_in=50, random_state=2,
        ).values  # fmt: skip
        for state in range(exact.size):
            chain_frequencies = np.mean(per_chain[:, :, index] == state, axis=0)
            assert abs(chain_frequencies.mean() - estimate[state]) < 1e-12  # the same states
            estimates.append(estimate[state])
            exacts.append(exact[state])
            errors.append(chain_frequencies.std(ddof=1) / np.sqrt(n_chains))
    assert_within_se(estimates, exacts, errors, what="Gibbs frequencies")


def test_forward_sampling_matches_joint():
    network = sprinkler_network()
    joint = brute_force_joint(network)
    n_samples = 50_000
    data = network.sample(n_samples, random_state=0)
    assert list(data.columns) == network.variables
    codes = tuple(
        pd.Categorical(data[v], categories=network.states[v]).codes for v in network.variables
    )
    frequencies = np.zeros(joint.shape)
    np.add.at(frequencies, codes, 1.0 / n_samples)
    standard_error = np.sqrt(joint * (1 - joint) / n_samples)
    assert_within_se(frequencies, joint, standard_error + 1e-12, what="joint frequencies")


def _independent(joint, x, y, given):
    """Brute-force X ⊥ Y | Z on a joint array (axes indexed by position)."""
    axes = list(range(joint.ndim))
    keep = [x, y, *given]
    marginal = joint.sum(axis=tuple(a for a in axes if a not in keep))
    order = [sorted(keep).index(a) for a in keep]
    marginal = marginal.transpose(order)  # axes (x, y, *given)
    p_z = marginal.sum(axis=(0, 1), keepdims=True)
    p_xz = marginal.sum(axis=1, keepdims=True)
    p_yz = marginal.sum(axis=0, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(p_z > 0, marginal / p_z - (p_xz / p_z) * (p_yz / p_z), 0.0)
    return np.abs(gap).max() < 1e-10


@pytest.mark.parametrize("seed", range(4))
def test_d_separation_matches_brute_force_independence(seed):
    network = random_network(6, max_parents=2, max_states=2, random_state=10 + seed)
    joint = brute_force_joint(network)
    variables = network.variables
    n_checked = n_separated = 0
    for x, y in itertools.combinations(range(6), 2):
        others = [i for i in range(6) if i not in (x, y)]
        for size in range(3):
            for given in itertools.combinations(others, size):
                separated = network.d_separated(
                    variables[x], variables[y], [variables[g] for g in given]
                )
                assert separated == _independent(joint, x, y, list(given)), (x, y, given)
                n_checked += 1
                n_separated += separated
    assert 0 < n_separated < n_checked  # both answers occur


def test_d_separation_textbook_cases():
    network = asia_network()
    assert network.d_separated("asia", "smoke")  # independent causes
    assert not network.d_separated("asia", "smoke", "dysp")  # collider's descendant observed
    assert network.d_separated("tub", "xray", "either")  # chain blocked
    assert not network.d_separated("lung", "bronc")  # common cause smoke
    assert network.d_separated("lung", "bronc", "smoke")
    assert network.d_separated({"asia", "tub"}, {"xray", "dysp"}, {"either", "bronc"})


@pytest.fixture(scope="module")
def sprinkler_data():
    data = sprinkler_network().sample(3000, random_state=5)
    # One parent configuration never seen: its column must come out uniform (or prior mean).
    return data[~((data["Sprinkler"] == "yes") & (data["Rain"] == "yes"))]


@pytest.mark.parametrize("method", ["mle", "bdeu", "dirichlet"])
def test_parameter_learning_matches_counts(sprinkler_data, method):
    network = BayesianNetwork(sprinkler_network().edges)
    ess, pseudo = 4.0, 0.5
    network.fit(sprinkler_data, method=method, equivalent_sample_size=ess, pseudo_count=pseudo,
                states={v: ("no", "yes") for v in network.variables})  # fmt: skip
    for variable in network.variables:
        cpd = network.cpds[variable]
        parents = list(cpd.parents)
        if parents:
            counts = pd.crosstab(
                sprinkler_data[variable], [sprinkler_data[p] for p in parents], dropna=False
            )
            full = (
                pd.MultiIndex.from_product([("no", "yes")] * len(parents), names=parents)
                if len(parents) > 1
                else pd.Index(["no", "yes"], name=parents[0])
            )
            counts = counts.reindex(index=["no", "yes"], columns=full, fill_value=0)
            table = counts.to_numpy(dtype=float).reshape((2,) + (2,) * len(parents))
        else:
            table = sprinkler_data[variable].value_counts().reindex(["no", "yes"]).to_numpy(float)
        n_configurations = table[0].size
        alpha = {"mle": 0.0, "bdeu": ess / (2 * n_configurations), "dirichlet": pseudo}[method]
        totals = table.sum(axis=0) + 2 * alpha
        expected = np.where(totals > 0, (table + alpha) / np.where(totals > 0, totals, 1), 0.5)
        np.testing.assert_allclose(cpd.values, expected, rtol=0, atol=1e-12)
    assert np.allclose(network.cpds["WetGrass"].values[:, 1, 1], 0.5)  # unseen: uniform


def test_learning_recovers_the_generating_cpds():
    truth = asia_network()
    data = truth.sample(60_000, random_state=7)
    learned = BayesianNetwork(truth.edges).fit(data, states=truth.states)
    for v in truth.variables:
        true_values = truth.cpds[v].values
        # Binomial standard error per column, with the column's expected count.
        parents = truth.cpds[v].parents
        marginal = truth.query(list(parents)).values if parents else np.array(1.0)
        expected_count = np.maximum(60_000 * marginal, 1.0)
        tolerance = 5 * np.sqrt(true_values * (1 - true_values) / expected_count) + 1e-12
        seen = expected_count > 50
        gap = np.abs(learned.cpds[v].values - true_values)
        assert np.all(gap[:, seen] <= tolerance[:, seen]), v


def test_variable_elimination_on_30_nodes_stays_small(monkeypatch):
    """The min-fill order keeps elimination cheap: no table it builds spans more than 8
    variables (a deterministic stand-in for the timing that belongs in benchmarks/)."""
    from glassml.stats.bayesnet import _elimination

    widest, combine = [0], _elimination.combine

    def recording_combine(scopes, tables):
        scope, table = combine(scopes, tables)
        widest[0] = max(widest[0], len(scope))
        return scope, table

    monkeypatch.setattr(_elimination, "combine", recording_combine)
    network = random_network(30, max_parents=3, max_states=3, random_state=2024)
    result = network.query("X29", {"X0": 0, "X7": 1, "X21": 0, "X28": 1})
    assert abs(result.values.sum() - 1.0) < 1e-12
    assert 0 < widest[0] <= 8, widest[0]


_B = CPD("B", [0.5, 0.5])
_DATA = sprinkler_network().sample(50, random_state=0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: BayesianNetwork([("A", "B"), ("B", "C"), ("C", "A")]),
         r"^edges: expected a directed acyclic graph, got a cycle: .*A"),
        (lambda: CPD("A", [1.5, -0.5]), r"^values: expected probabilities in \[0, 1\] .*'A'"),
        (lambda: CPD("A", [[0.5, 0.5], [0.4, 0.4]], parents=["B"]),
         r"^values: expected each column .* to sum to 1 \(CPD of 'A'\)"),
        (lambda: CPD("A", [0.5, 0.5], parents=["B"]), r"^values: expected 1 \+ 1 axes .*'A'"),
        (lambda: BayesianNetwork([("B", "A")], [_B, CPD("A", np.full((2, 3), 0.5), ["B"])]),
         r"^cpds: expected axis 1 of the CPD of 'A' \(parent 'B'\) to have length 2"),
        (lambda: BayesianNetwork([("B", "A")], [_B, CPD("A", [0.5, 0.5])]),
         r"^cpds: expected the CPD of 'A' to have the graph's parents \['B'\], got \[\]"),
        (lambda: sprinkler_network().query("Rain", {"Snow": "yes"}),
         r"^evidence: expected variables of the network .*, got unknown .*\['Snow'\]"),
        (lambda: sprinkler_network().query("Rain", {"WetGrass": "maybe"}),
         r"^evidence: expected a state of 'WetGrass' among \['no', 'yes'\], got 'maybe'"),
        (lambda: asia_network().query("lung", {"either": "no", "tub": "yes"}),
         r"^evidence: expected evidence of positive probability"),
        (lambda: sprinkler_network().query("Rain", method="magic"), r"^method: expected one of"),
        (lambda: BayesianNetwork(sprinkler_network().edges).fit(_DATA.assign(Rain=np.nan)),
         r"^data: expected no missing values, got NaN in column 'Rain'"),
        (lambda: sprinkler_network().fit(_DATA.assign(Rain="drizzle")),
         r"^data: expected states of 'Rain' .*, got value\(s\) \['drizzle'\]"),
    ],
)  # fmt: skip
def test_bad_input_names_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_malformed_structures_are_refused_by_name():
    """Not a CPD, not a name, not a pair: each refused naming the argument (issue 9)."""
    with pytest.raises(ValueError, match=r"^cpds: expected CPD objects, got 42"):
        BayesianNetwork([("A", "B")], [42])
    with pytest.raises(ValueError, match=r"^edges: expected \(parent, child\) pairs"):
        BayesianNetwork([("A", "B", "C")])
    with pytest.raises(ValueError, match=r"^variable: expected a variable name"):
        CPD(3, [0.5, 0.5])
    with pytest.raises(TypeError, match=r"^values: expected real numbers, got complex"):
        CPD("A", [0.5 + 1j, 0.5])
    network = sprinkler_network()
    with pytest.raises(ValueError, match=r"^evidence: expected a mapping"):
        network.query("Rain", ["WetGrass"])
    with pytest.raises(ValueError, match=r"^n_samples: expected an integer"):
        network.query("Rain", method="gibbs", n_samples=2.5)
    with pytest.raises(ValueError, match=r"^random_state: expected"):
        network.sample(10, random_state="seed")
    result = network.query("Rain")
    with pytest.raises(ValueError, match=r"^Rain: expected a state among \['no', 'yes'\]"):
        result.probability(Rain="maybe")
