"""Data preparation: de-duplication before splitting, and a tabular preprocessor built from
scikit-learn parts (imputation, scaling, encodings chosen by cardinality)."""

from glassml.preprocessing._dedup import Deduplicator
from glassml.preprocessing._tabular import describe_missing, tabular_preprocessor

__all__ = ["Deduplicator", "describe_missing", "tabular_preprocessor"]
