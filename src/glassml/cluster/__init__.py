"""Clustering: k-means (Lloyd and mini-batch), Gaussian mixtures by EM, DBSCAN.

Each model lives in its own private module and is re-exported here.
"""

from glassml.cluster._dbscan import DBSCAN
from glassml.cluster._gaussian_mixture import GaussianMixture
from glassml.cluster._kmeans import KMeans, MiniBatchKMeans
from glassml.cluster._kmeans_plusplus import kmeans_plusplus

__all__ = ["DBSCAN", "GaussianMixture", "KMeans", "MiniBatchKMeans", "kmeans_plusplus"]
