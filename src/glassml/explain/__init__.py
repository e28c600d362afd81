"""Why did the model say that? Shapley values (exact, Kernel, linear, tree), LIME for tables and
images, gradient attributions, and their plots — every explainer returns one
:class:`Explanation` and states the axiom it satisfies."""

from glassml.explain._exact import ExactExplainer
from glassml.explain._explanation import Explanation
from glassml.explain._kernel import KernelExplainer
from glassml.explain._linear import LinearExplainer
from glassml.explain._tree import TreeExplainer

__all__ = [
    "ExactExplainer",
    "Explanation",
    "KernelExplainer",
    "LinearExplainer",
    "TreeExplainer",
]
