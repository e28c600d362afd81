"""Survival and reliability: how long until failure, and the failure rate at a given age.

Nonparametric curves (:class:`KaplanMeier`, :class:`NelsonAalen`), the Weibull lifetime model
(:class:`WeibullFitter`, and :class:`WeibullAFT` with covariates on the scale), the Cox
proportional-hazards model (:class:`CoxPH`) and Harrell's :func:`concordance_index`. Every
fitter takes durations T > 0, event indicators (1 = failure observed, 0 = censored) and,
where left truncation applies, entry times; each is checked against lifelines.
"""

from glassml.survival._aft import WeibullAFT
from glassml.survival._concordance import concordance_index
from glassml.survival._cox import CoxPH
from glassml.survival._nonparametric import KaplanMeier, NelsonAalen
from glassml.survival._weibull import WeibullFitter

__all__ = [
    "CoxPH",
    "KaplanMeier",
    "NelsonAalen",
    "WeibullAFT",
    "WeibullFitter",
    "concordance_index",
]
