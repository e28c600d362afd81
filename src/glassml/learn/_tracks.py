"""The five certificate tracks: paths through the exercises, one per programme.

A track names exercises by id, either one by one (``"practice/kfold-indices"``) or a whole
topic (``"linear-algebra/*"``), so an exercise added to a topic joins every track that takes
the topic. ``awaited`` lists topics a track will take once they exist in the course (models
and case studies still being built); ``glassml learn tracks`` shows them as to come.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from glassml.learn._curriculum import all_exercises
from glassml.learn._grading import Exercise

SKILLS = ("linear-algebra/*", "calculus/*", "probability/*", "optimisation/*")
MODELS = (
    "regression/*",
    "clustering/*",
    "svm/*",
    "neural-networks/*",
    "trees/*",
    "anomaly/*",
    "recommenders/*",
    "time-series/*",
)
BEST_PRACTICES = ("practice/*", "model-selection/*", "interpretability/*", "fairness-privacy/*")
PREPARATION = ("practice/standardise", "practice/one-hot", "practice/kfold-indices")
# A case study: the modelling family it rests on and its capstone exercise.
MAINTENANCE = ("time-series/*", "capstones/nasa-score")
FRAUD = ("anomaly/*", "capstones/cost-optimal-threshold")
RECOMMENDATION = ("recommenders/*", "capstones/precision-at-k")
MEDICAL_IMAGING = ("neural-networks/*", "capstones/expected-calibration-error")


@dataclass(frozen=True)
class Track:
    """A certificate track: an id, its title, the programme it follows, and its exercises."""

    id: str
    title: str
    programme: str
    selectors: tuple[str, ...]
    awaited: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("id", "title", "programme"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name}: expected a string, got {getattr(self, name)!r}")
        for name in ("selectors", "awaited"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"{name}: expected a tuple of strings, got {value!r}")
            object.__setattr__(self, name, tuple(value))

    def exercises(self) -> list[Exercise]:
        """The track's exercises in course order, each once."""
        return [
            exercise
            for exercise in all_exercises()
            if any(fnmatch.fnmatchcase(exercise.id, pattern) for pattern in self.selectors)
        ]


TRACKS: tuple[Track, ...] = (
    Track(
        "foundations",
        "Foundations: the mathematics of machine learning",
        "The four skills: linear algebra, calculus, probability and statistics, numerical "
        "methods and optimisation.",
        SKILLS,
    ),
    Track(
        "mathematical-methods",
        "Mathematical methods for machine learning",
        "The four skills and the best practices: preprocessing and feature engineering, "
        "validation and metrics, tuning, interpretability, fairness and privacy (ethics).",
        (*SKILLS, *BEST_PRACTICES),
    ),
    Track(
        "models-algorithms",
        "Machine-learning models and algorithms",
        "The four skills, the modelling techniques (regression, classification, clustering, "
        "SVMs, neural networks, trees, anomaly detection, matrix factorisation, time series) "
        "and data preparation.",
        (*SKILLS, *MODELS, *PREPARATION),
    ),
    Track(
        "professional",
        "Professional mathematics for machine learning",
        "The four skills and the case studies of predictive maintenance, fraud detection and "
        "recommendation.",
        (*SKILLS, *MAINTENANCE, *FRAUD, *RECOMMENDATION),
    ),
    Track(
        "applied-models",
        "Applied mathematics for machine-learning models",
        "The four skills, model building and optimisation (tuning included), and the case "
        "studies of fraud detection, recommendation and medical imaging.",
        (*SKILLS, *MODELS, "model-selection/*", *FRAUD, *RECOMMENDATION, *MEDICAL_IMAGING),
    ),
)


def get_track(track_id: str) -> Track:
    for track in TRACKS:
        if track.id == track_id:
            return track
    known = ", ".join(track.id for track in TRACKS)
    kind = ValueError if isinstance(track_id, str) else TypeError
    raise kind(f"track: expected one of {known}, got {track_id!r}")
