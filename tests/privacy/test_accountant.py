"""The RDP accountant against Google's dp-accounting, and against the definition.

Reference: ``dp_accounting.rdp.RdpAccountant`` with ``PoissonSampledDpEvent(q,
GaussianDpEvent(σ))`` composed ``steps`` times. On a grid of sampling rates, noise multipliers,
step counts and δ (the regime of DP-SGD: ε from about 0.05 to 60), ε agrees to 1e-6 relative;
the per-order RDP values to 1e-6 relative or 1e-9 absolute (both sum the fractional-order
series until the terms fall below e^-30 of A_α ≈ 1, which leaves an absolute error near 1e-12 in
A_α and so up to 1e-9 in ρ = log A_α / (α - 1) at α = 1.1, where ρ itself may be 1e-7).

Against the definition: A_α = E_{z ~ N(0, σ²)}[(1 - q + q e^{(2z - 1)/(2σ²)})^α] by numerical
quadrature (scipy.integrate.quad, relative accuracy 1e-12): the integer orders equal it to
1e-9 relative, and the fractional orders bound it from above (their series sums absolute
values of the generalised binomial coefficients, as dp-accounting does: conservative).

The inverse: ``calibrate_noise_multiplier`` returns σ with ε(σ) <= target and
ε(σ (1 - 1e-8)) > target.
"""

from __future__ import annotations

import math

import dp_accounting
import numpy as np
import pytest
from dp_accounting.rdp import rdp_privacy_accountant as reference_rdp
from parity import assert_close
from scipy import integrate

import glassml.privacy as gp


def test_epsilon_matches_dp_accounting_on_a_grid():
    """dp-accounting's per-step RDP (one evaluation per (q, σ)), composed and converted by its
    own ``compute_epsilon``; ours through the public accountant."""
    orders = gp.DEFAULT_ORDERS
    for q in (0.001, 0.01, 0.05):
        for sigma in (0.8, 1.1, 2.0, 5.0):
            theirs_rdp = reference_rdp._compute_rdp_poisson_subsampled_gaussian(q, sigma, orders)
            mine = gp.RDPAccountant().step(sigma, q)
            for steps in (10, 1000, 20_000):
                mine_total = gp.RDPAccountant()
                mine_total.rdp = steps * mine.rdp
                for delta in (1e-5, 1e-8):
                    theirs, _ = reference_rdp.compute_epsilon(orders, steps * theirs_rdp, delta)
                    if theirs > 60:  # not a privacy guarantee anyone would state
                        continue
                    assert_close(
                        mine_total.get_epsilon(delta),
                        theirs,
                        rtol=1e-6,
                        what=f"epsilon q={q} sigma={sigma} steps={steps} delta={delta}",
                    )
    # The composed form itself, end to end, for one setting.
    accountant = reference_rdp.RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(0.01, dp_accounting.GaussianDpEvent(1.1))
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, 3000))
    assert_close(gp.compute_epsilon(1.1, 0.01, 3000, 1e-5), accountant.get_epsilon(1e-5), rtol=1e-6)


def test_full_batch_and_delta_conversion_match_dp_accounting():
    accountant = reference_rdp.RdpAccountant()
    accountant.compose(dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(3.0), 50))
    assert_close(gp.compute_epsilon(3.0, 1.0, 50, 1e-6), accountant.get_epsilon(1e-6), rtol=1e-6)
    mine = gp.RDPAccountant().step(1.1, 0.01, 5000)
    theirs = reference_rdp.RdpAccountant()
    event = dp_accounting.PoissonSampledDpEvent(0.01, dp_accounting.GaussianDpEvent(1.1))
    theirs.compose(dp_accounting.SelfComposedDpEvent(event, 5000))
    for epsilon in (1.0, 3.0, 8.0):
        assert_close(mine.get_delta(epsilon), theirs.get_delta(epsilon), rtol=1e-6)


@pytest.mark.parametrize("q, sigma", [(0.001, 0.8), (0.01, 1.1), (0.05, 2.0), (0.2, 1.0)])
def test_rdp_per_order_matches_dp_accounting(q, sigma):
    mine = gp.rdp_sampled_gaussian(sigma, q)
    theirs = reference_rdp._compute_rdp_poisson_subsampled_gaussian(q, sigma, gp.DEFAULT_ORDERS)
    finite = np.isfinite(theirs)  # dp-accounting gives up on some orders (1,000 terms)
    assert finite.sum() >= len(theirs) - 8
    assert_close(mine[finite], theirs[finite], rtol=1e-6, atol=1e-9, what="rdp")


def _log_a_by_quadrature(q, sigma, alpha):
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5

    def integrand(z):
        x = (2 * z - 1) / (2 * sigma**2)
        inner = (
            math.log1p(q * math.expm1(x))
            if x < 30
            else x + math.log(q) + math.log1p((1 - q) * math.exp(-x) / q)
        )
        return math.exp(alpha * inner - z * z / (2 * sigma**2)) / (math.sqrt(2 * math.pi) * sigma)

    value, _ = integrate.quad(
        integrand, -40 * sigma, 40 * sigma + alpha, points=[0.0, 0.5, z0], epsrel=1e-12, limit=500
    )
    return math.log(value)


@pytest.mark.parametrize("q, sigma", [(0.01, 1.0), (0.1, 2.0), (0.3, 4.0)])
def test_rdp_against_the_definition(q, sigma):
    orders = np.array([1.5, 2.0, 2.5, 3.0, 4.7, 8.0, 12.0])
    rdp = gp.rdp_sampled_gaussian(sigma, q, orders)
    for alpha, value in zip(orders, rdp, strict=True):
        exact = _log_a_by_quadrature(q, sigma, alpha) / (alpha - 1)
        if float(alpha).is_integer():
            assert_close(value, exact, rtol=1e-9, what=f"rho({alpha})")
        else:
            assert value >= exact * (1 - 1e-9), (alpha, value, exact)


def test_full_batch_is_the_gaussian_rdp():
    assert_close(gp.rdp_sampled_gaussian(2.0, 1.0, [2.0, 10.0]), [2 / 8, 10 / 8], rtol=1e-15)


def test_composition_adds():
    accountant = gp.RDPAccountant(orders=[2.0, 5.0, 20.0])
    accountant.step(1.0, 0.02, 300).step(2.0, 0.05, 100)
    expected = 300 * gp.rdp_sampled_gaussian(1.0, 0.02, [2.0, 5.0, 20.0]) + 100 * (
        gp.rdp_sampled_gaussian(2.0, 0.05, [2.0, 5.0, 20.0])
    )
    assert_close(accountant.rdp, expected, rtol=1e-13)
    assert accountant.steps == 400


@pytest.mark.parametrize("target", [0.5, 2.0, 8.0])
def test_calibration_is_the_inverse(target):
    q, steps, delta = 0.01, 2000, 1e-5
    sigma = gp.calibrate_noise_multiplier(target, q, steps, delta)
    assert gp.compute_epsilon(sigma, q, steps, delta) <= target
    assert gp.compute_epsilon(sigma * (1 - 1e-8), q, steps, delta) > target


def test_improved_conversion_is_tighter_than_the_classic_one():
    """Balle et al.'s conversion never exceeds Mironov's rho + log(1/delta)/(alpha - 1)."""
    orders = np.array(gp.DEFAULT_ORDERS)
    rdp = 1000 * gp.rdp_sampled_gaussian(1.1, 0.01)
    improved, _ = gp.rdp_to_epsilon(orders, rdp, 1e-5)
    classic = np.min(rdp + math.log(1 / 1e-5) / (orders - 1))
    assert improved < classic


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("rate", [0.0, -0.1, 1.5, math.nan])
def test_sampling_rate_outside_the_unit_interval_is_refused(rate):
    with pytest.raises(ValueError, match="sample_rate"):
        gp.compute_epsilon(1.0, rate, 10, 1e-5)
    with pytest.raises(ValueError, match="sample_rate"):
        gp.RDPAccountant().step(1.0, rate)


def test_other_bad_input_is_named():
    with pytest.raises(ValueError, match="noise_multiplier"):
        gp.compute_epsilon(0.0, 0.1, 10, 1e-5)
    with pytest.raises(ValueError, match="delta"):
        gp.compute_epsilon(1.0, 0.1, 10, 1.0)
    with pytest.raises(ValueError, match="steps"):
        gp.compute_epsilon(1.0, 0.1, 0, 1e-5)
    with pytest.raises(ValueError, match="orders"):
        gp.RDPAccountant(orders=[0.5, 2.0])
    with pytest.raises(ValueError, match="target_epsilon"):
        gp.calibrate_noise_multiplier(-1.0, 0.1, 10, 1e-5)
