"""Conformance instances for nn (see tests/test_conformance.py).

The CNN is checked with its defaults on scikit-learn's 2-D test data, which it reads as square
single-channel images (its documented layout for flat rows: d features fill an s x s image,
s = ceil(sqrt(d)), trailing pixels zero). Every check runs; none is expected to fail.
"""

from glassml.nn import CNNClassifier

INSTANCES = {"CNNClassifier": [CNNClassifier(random_state=0)]}
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}
