"""Tour section: the regression-analysis table of least squares on scikit-learn's diabetes data
(the numbers statsmodels would print), and the lasso path of the same data as a figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

TITLE = "Regression analysis"


def run(console, out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_diabetes

    from glassml._io import save_figure
    from glassml.linear import LinearRegression, lasso_path

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = LinearRegression().fit(X, y)
    console.print(
        "Ordinary least squares by QR on the diabetes data (442 patients, 10 baseline "
        "variables, disease progression after one year):"
    )
    console.print(model.summary())

    centred_X = (X - X.mean()).to_numpy()
    alphas, coefs, _ = lasso_path(centred_X, (y - y.mean()).to_numpy(), n_alphas=60, tol=1e-8)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, path in zip(X.columns, coefs, strict=True):
        axis.plot(np.log10(alphas), path, label=name)
    axis.invert_xaxis()
    axis.set_xlabel("log10(alpha)  (penalty weakens to the right)")
    axis.set_ylabel("coefficient")
    axis.set_title("Lasso path by coordinate descent: variables enter one by one")
    axis.legend(ncol=2, fontsize=8)
    paths = save_figure(figure, out_dir / "regression_lasso_path")
    plt.close(figure)
    first = [X.columns[j] for j in np.argsort([np.argmax(path != 0) for path in coefs])[:3]]
    console.print(
        f"Lasso path: the first variables to enter are {', '.join(first)}; figure {paths[0].name}."
    )
