"""Everything an instructor needs to write an exercise, in one import.

    from glassml.learn._authoring import *

gives :class:`Exercise`, the checks (:func:`agrees`, :func:`holds`, :func:`raises`), the
input strategies (``st``, :func:`grid`, :func:`matrices`, :func:`vectors`, ...), the helpers
:func:`near` and :func:`relative_error`, and :func:`register`.
"""

from glassml.learn._curriculum import register
from glassml.learn._grading import (
    Exercise,
    Mismatch,
    agrees,
    holds,
    near,
    raises,
    relative_error,
)
from glassml.learn._strategies import (
    assume,
    described,
    grid,
    hnp,
    labels,
    matrices,
    sizes,
    st,
    vectors,
)

__all__ = [
    "Exercise",
    "Mismatch",
    "agrees",
    "assume",
    "described",
    "grid",
    "hnp",
    "holds",
    "labels",
    "matrices",
    "near",
    "raises",
    "register",
    "relative_error",
    "sizes",
    "st",
    "vectors",
]
