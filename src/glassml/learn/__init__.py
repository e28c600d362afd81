"""The executable course: lessons, exercises graded against glassml, certificate tracks.

A learner reads a lesson (a notebook in their workspace), writes the function an exercise asks
for, and grades it at once::

    from glassml.learn import check
    check("linear-algebra/power-iteration", power_iteration)

The grader compares the function with glassml's verified implementation on generated inputs
(shrunk by hypothesis to the smallest failing one), checks mathematical properties and edge
cases under a time limit, and answers with partial credit and a hint, never the solution.
From a terminal: ``glassml learn start|check|status|tracks|certificate|verify|serve``.
See ``docs/learn.md``.
"""

from glassml.learn._certificate import verify_certificate, write_certificate
from glassml.learn._check import check
from glassml.learn._curriculum import all_exercises, get_exercise
from glassml.learn._grading import Exercise, GradeResult
from glassml.learn._tracks import TRACKS, Track
from glassml.learn._workspace import start_workspace

__all__ = [
    "TRACKS",
    "Exercise",
    "GradeResult",
    "Track",
    "all_exercises",
    "check",
    "get_exercise",
    "start_workspace",
    "verify_certificate",
    "write_certificate",
]
