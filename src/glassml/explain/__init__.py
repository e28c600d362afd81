"""Why did the model say that? Shapley values (exact, Kernel, linear, tree), LIME for tables and
images, gradient attributions, and their plots — every explainer returns one
:class:`Explanation` and states the axiom it satisfies."""

from glassml.explain._exact import ExactExplainer
from glassml.explain._explanation import Explanation
from glassml.explain._gradients import (
    gradient_x_input,
    integrated_gradients,
    saliency,
    smoothgrad,
)
from glassml.explain._kernel import KernelExplainer
from glassml.explain._lime import LimeImageExplainer, LimeTabularExplainer
from glassml.explain._linear import LinearExplainer
from glassml.explain._plots import (
    plot_bar,
    plot_beeswarm,
    plot_dependence,
    plot_image_attribution,
    plot_waterfall,
)
from glassml.explain._stability import Stability, stability
from glassml.explain._tree import TreeExplainer

__all__ = [
    "ExactExplainer",
    "Explanation",
    "KernelExplainer",
    "LimeImageExplainer",
    "LimeTabularExplainer",
    "LinearExplainer",
    "Stability",
    "TreeExplainer",
    "gradient_x_input",
    "integrated_gradients",
    "plot_bar",
    "plot_beeswarm",
    "plot_dependence",
    "plot_image_attribution",
    "plot_waterfall",
    "saliency",
    "smoothgrad",
    "stability",
]
