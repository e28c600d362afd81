"""The regression-analysis table of a least-squares fit, as statsmodels prints it.

Every statistic is a closed form of the (weighted) residuals, the design's singular values and
the unscaled covariance ``(A'A)^+`` with ``A = sqrt(W) [1, X]``:

    scale   s^2 = SSR / (n - rank)                    SSR = sum_i w_i r_i^2
    Cov(b)  = s^2 (A'A)^+         se_j = sqrt(Cov_jj)  t_j = b_j / se_j
    p_j     = 2 P(T_{n-rank} > |t_j|)                  CI_j = b_j +- t_{0.975, n-rank} se_j
    R^2     = 1 - SSR / TSS     (TSS centred at the weighted mean with an intercept, else not)
    adj R^2 = 1 - (n - k_const) / (n - rank) (1 - R^2)
    F       = ((TSS - SSR) / (rank - k_const)) / s^2,  p = P(F_{rank-k_const, n-rank} > F)
    log L   = -n/2 log(SSR) - n/2 (1 + log(2 pi / n)) + 1/2 sum_i log w_i
    AIC     = -2 log L + 2 rank,  BIC = -2 log L + log(n) rank
    cond    = sigma_max(A) / sigma_min(A)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class RegressionSummary:
    """Regression analysis of a fitted :class:`LinearRegression` (statsmodels OLS/WLS names).

    With ``A = sqrt(W) [1, X]``, residuals ``r`` and ``rank`` the rank of ``A``::

        s^2 = sum_i w_i r_i^2 / (n - rank)      Cov(b) = s^2 (A'A)^+      t_j = b_j / se_j
        R^2 = 1 - SSR / TSS                     F = ((TSS - SSR) / (rank - k_const)) / s^2
        log L = -n/2 log(SSR) - n/2 (1 + log(2 pi / n)) + 1/2 sum_i log w_i

    (the full list is in the module docstring). Every field equals statsmodels' ``OLS`` /
    ``WLS`` result of the same name (tests/linear/test_ols.py, rtol 1e-8).

    References
    ----------
    Greene (2018), *Econometric Analysis*, 8th ed., ch. 4-5 (least squares inference).
    Seabold & Perktold (2010), "statsmodels: econometric and statistical modeling with Python".

    Examples
    --------
    >>> import numpy as np
    >>> from glassml.linear import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2))
    >>> summary = LinearRegression().fit(X, X @ [1.0, 0.0] + rng.normal(size=40)).summary()
    >>> summary.names, bool(summary.pvalues[1] < 0.001 < summary.pvalues[2])
    (['const', 'x1', 'x2'], True)
    """

    names: list[str]
    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    conf_int: np.ndarray  # (n_params, 2): 95 % confidence interval
    nobs: int
    df_model: float
    df_resid: float
    rsquared: float
    rsquared_adj: float
    fvalue: float
    f_pvalue: float
    llf: float
    aic: float
    bic: float
    resid_std_err: float
    condition_number: float
    durbin_watson: float
    omnibus: float
    omnibus_pvalue: float
    jarque_bera: float
    jarque_bera_pvalue: float
    skew: float
    kurtosis: float
    weighted: bool

    def _in_units(self, units: np.ndarray, y_unit: float) -> RegressionSummary:
        """The same analysis for parameters measured in ``units`` (y in ``y_unit``).

        A fit solved with X and y divided by powers of two reports its parameters, standard
        errors and intervals times each parameter's unit, the residual standard error times
        y's, and log L shifted by ``-n log(y_unit)`` (the density of y / c is c times y's);
        t, p, R², F and the residual diagnostics are scale-free.
        """
        if np.all(units == 1.0) and y_unit == 1.0:
            return self
        shift = self.nobs * np.log(y_unit)
        return dataclasses.replace(
            self,
            params=self.params * units,
            bse=self.bse * units,
            conf_int=self.conf_int * units[:, None],
            llf=float(self.llf - shift),
            aic=float(self.aic + 2.0 * shift),
            bic=float(self.bic + 2.0 * shift),
            resid_std_err=self.resid_std_err * y_unit,
        )

    def _header_rows(self) -> list[tuple[str, str, str, str]]:
        model = "WLS" if self.weighted else "OLS"
        return [
            ("Model:", model, "R-squared:", f"{self.rsquared:.4f}"),
            ("No. observations:", f"{self.nobs}", "Adj. R-squared:", f"{self.rsquared_adj:.4f}"),
            ("Df model:", f"{self.df_model:g}", "F-statistic:", f"{self.fvalue:.4g}"),
            ("Df residuals:", f"{self.df_resid:g}", "Prob (F-statistic):", f"{self.f_pvalue:.3g}"),
            (
                "Resid. std. error:",
                f"{self.resid_std_err:.4g}",
                "Log-likelihood:",
                f"{self.llf:.5g}",
            ),
            ("Condition number:", f"{self.condition_number:.3g}", "AIC:", f"{self.aic:.5g}"),
            ("", "", "BIC:", f"{self.bic:.5g}"),
        ]

    def _coefficient_rows(self) -> list[list[str]]:
        return [
            [
                name,
                f"{coef:.4f}",
                f"{se:.3f}",
                f"{t:.3f}",
                f"{p:.3f}",
                f"{low:.3f}",
                f"{high:.3f}",
            ]
            for name, coef, se, t, p, (low, high) in zip(
                self.names,
                self.params,
                self.bse,
                self.tvalues,
                self.pvalues,
                self.conf_int,
                strict=True,
            )
        ]

    def _diagnostic_rows(self) -> list[tuple[str, str, str, str]]:
        return [
            ("Omnibus:", f"{self.omnibus:.3f}", "Durbin-Watson:", f"{self.durbin_watson:.3f}"),
            (
                "Prob(Omnibus):",
                f"{self.omnibus_pvalue:.3f}",
                "Jarque-Bera (JB):",
                f"{self.jarque_bera:.3f}",
            ),
            ("Skew:", f"{self.skew:.3f}", "Prob(JB):", f"{self.jarque_bera_pvalue:.3g}"),
            ("Kurtosis:", f"{self.kurtosis:.3f}", "", ""),
        ]

    _COLUMNS = ("", "coef", "std err", "t", "P>|t|", "[0.025", "0.975]")

    def __str__(self) -> str:
        title = f"{'WLS' if self.weighted else 'OLS'} Regression Results"
        line = "{:<22}{:>14}    {:<22}{:>14}".format
        pairs = [line(*row) for row in self._header_rows()]
        rows = [list(self._COLUMNS), *self._coefficient_rows()]
        width0 = max(len(row[0]) for row in rows)
        table = [f"{row[0]:<{width0}}" + "".join(f"{cell:>11}" for cell in row[1:]) for row in rows]
        diagnostics = [line(*row) for row in self._diagnostic_rows()]
        width = max(len(line) for line in pairs + table)
        rule, thin = "=" * width, "-" * width
        return "\n".join(
            [
                title.center(width),
                rule,
                *pairs,
                rule,
                table[0],
                thin,
                *table[1:],
                rule,
                *diagnostics,
                rule,
            ]
        )

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table

        title = f"{'WLS' if self.weighted else 'OLS'} Regression Results"
        header = Table(title=title, show_header=False, box=None, padding=(0, 2))
        for _ in range(4):
            header.add_column()
        for row in self._header_rows():
            header.add_row(*row)
        coefficients = Table(self._COLUMNS[0], show_lines=False)
        for column in self._COLUMNS[1:]:
            coefficients.add_column(column, justify="right")
        for row in self._coefficient_rows():
            coefficients.add_row(*row)
        diagnostics = Table(show_header=False, box=None, padding=(0, 2))
        for _ in range(4):
            diagnostics.add_column()
        for row in self._diagnostic_rows():
            diagnostics.add_row(*row)
        return Group(header, coefficients, diagnostics)


def regression_summary(
    *,
    names: list[str],
    params: np.ndarray,
    unscaled_cov: np.ndarray,
    singular_values: np.ndarray,
    rank: int,
    y: np.ndarray,
    weighted_resid: np.ndarray,
    weights: np.ndarray,
    has_constant: bool,
    weighted: bool,
) -> RegressionSummary:
    """Assemble the statistics above from a least-squares fit's pieces (see module docstring)."""
    nobs = y.shape[0]
    k_constant = int(has_constant)
    df_resid = float(nobs - rank)
    df_model = float(rank - k_constant)

    ssr = float(weighted_resid @ weighted_resid)
    scale = ssr / df_resid
    bse = np.sqrt(scale * np.diag(unscaled_cov))
    tvalues = params / bse
    pvalues = 2.0 * stats.t.sf(np.abs(tvalues), df_resid)
    half_width = stats.t.ppf(0.975, df_resid) * bse
    conf_int = np.column_stack([params - half_width, params + half_width])

    if has_constant:
        mean = np.average(y, weights=weights)
        tss = float(np.sum(weights * (y - mean) ** 2))
    else:
        tss = float(np.sum(weights * y**2))
    if tss == 0.0:
        raise ValueError(
            "y: expected a y that varies for summary(), got a constant y (total sum of "
            "squares 0): R-squared and the F statistic are undefined"
        )
    # Residuals at the rounding level of y (an exact fit up to float64): standard errors and
    # t statistics would measure rounding, not noise.
    if ssr <= (nobs * np.finfo(np.float64).eps) ** 2 * tss:
        raise ValueError(
            "y: expected residual variation for summary(), got an exact fit (residuals at the "
            f"rounding level of y, sum of squares {ssr:.3g}): standard errors would be 0 and "
            "t statistics infinite"
        )
    rsquared = 1.0 - ssr / tss
    rsquared_adj = 1.0 - (nobs - k_constant) / df_resid * (1.0 - rsquared)
    if df_model > 0:
        fvalue = ((tss - ssr) / df_model) / scale
        f_pvalue = float(stats.f.sf(fvalue, df_model, df_resid))
    else:  # no slope of rank > 0 to test (every feature constant or collinear with 1)
        fvalue = f_pvalue = float("nan")

    half_n = nobs / 2.0
    llf = -np.log(ssr) * half_n - (1.0 + np.log(np.pi / half_n)) * half_n
    llf += 0.5 * np.sum(np.log(weights))
    n_params = df_model + k_constant
    aic = -2.0 * llf + 2.0 * n_params
    bic = -2.0 * llf + np.log(nobs) * n_params

    # Residual diagnostics on the whitened residuals, as statsmodels' summary does.
    durbin_watson = float(np.sum(np.diff(weighted_resid) ** 2) / ssr)
    skew = float(stats.skew(weighted_resid))
    kurtosis = float(stats.kurtosis(weighted_resid, fisher=False))
    jarque_bera = nobs / 6.0 * (skew**2 + (kurtosis - 3.0) ** 2 / 4.0)
    if nobs >= 8:
        omnibus, omnibus_pvalue = (float(v) for v in stats.normaltest(weighted_resid))
    else:  # D'Agostino's test needs 8 observations
        omnibus, omnibus_pvalue = float("nan"), float("nan")

    return RegressionSummary(
        names=names,
        params=params,
        bse=bse,
        tvalues=tvalues,
        pvalues=pvalues,
        conf_int=conf_int,
        nobs=nobs,
        df_model=df_model,
        df_resid=df_resid,
        rsquared=float(rsquared),
        rsquared_adj=float(rsquared_adj),
        fvalue=float(fvalue),
        f_pvalue=f_pvalue,
        llf=float(llf),
        aic=float(aic),
        bic=float(bic),
        resid_std_err=float(np.sqrt(scale)),
        condition_number=float(singular_values[0] / singular_values[-1]),
        durbin_watson=durbin_watson,
        omnibus=omnibus,
        omnibus_pvalue=omnibus_pvalue,
        jarque_bera=float(jarque_bera),
        jarque_bera_pvalue=float(stats.chi2.sf(jarque_bera, 2)),
        skew=skew,
        kurtosis=kurtosis,
        weighted=weighted,
    )
