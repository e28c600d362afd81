"""Dimensionality reduction: principal component analysis and t-SNE.

Each estimator lives in its own private module and is re-exported here.
"""

from glassml.decomposition._pca import PCA
from glassml.decomposition._tsne import TSNE

__all__ = ["PCA", "TSNE"]
