"""The course's topics in teaching order, and the registry of exercises.

An exercise lives in a module of :mod:`glassml.learn.exercises` and registers itself with
:func:`register`; every module of that package is imported on first use, so a new module is
picked up without editing any list. A new topic is added to :data:`TOPICS` (its place in the
order) and gets a folder of lessons under ``lessons/<topic>/``.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from glassml.learn._grading import Exercise

# (topic id, title). The id is the first half of every exercise id and the lesson folder.
TOPICS: list[tuple[str, str]] = [
    ("linear-algebra", "Linear algebra"),
    ("calculus", "Calculus"),
    ("probability", "Probability and statistics"),
    ("optimisation", "Numerical methods and optimisation"),
    ("regression", "Linear and logistic regression, regularisation"),
    ("clustering", "Clustering: k-means and Gaussian mixtures"),
    ("svm", "Support vector machines"),
    ("neural-networks", "Neural networks and convolution"),
    ("trees", "Trees and boosting"),
    ("anomaly", "Anomaly detection"),
    ("recommenders", "Matrix factorisation and ranking"),
    ("time-series", "Time series and survival analysis"),
    ("practice", "Best practices: preprocessing, validation, metrics"),
    ("model-selection", "Tuning: Gaussian processes and Bayesian optimisation"),
    ("interpretability", "Interpretability: Shapley values and LIME"),
    ("fairness-privacy", "Fairness and privacy"),
    ("capstones", "Case studies: maintenance, fraud, recommendation, medical imaging"),
]

_EXERCISES: dict[str, Exercise] = {}
_loaded = False


def register(*exercises: Exercise) -> None:
    """Add exercises to the course (called by the modules of ``glassml.learn.exercises``)."""
    topics = {topic for topic, _ in TOPICS}
    for exercise in exercises:
        if exercise.id in _EXERCISES and _EXERCISES[exercise.id] is not exercise:
            raise ValueError(f"id: exercise {exercise.id!r} is registered twice")
        if exercise.topic not in topics:
            raise ValueError(
                f"id: the topic of {exercise.id!r} is not in glassml.learn._curriculum.TOPICS"
            )
        _EXERCISES[exercise.id] = exercise


def _load() -> None:
    global _loaded
    if _loaded:
        return
    package = importlib.import_module("glassml.learn.exercises")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _loaded = True


def all_exercises() -> list[Exercise]:
    """Every exercise, in the order of :data:`TOPICS`, then of definition.

    Examples
    --------
    >>> from glassml.learn import all_exercises
    >>> exercises = all_exercises()
    >>> exercises[0].id, exercises[0].function_name
    ('linear-algebra/gram-schmidt', 'gram_schmidt')
    >>> len(exercises) >= 60
    True
    """
    _load()
    order = {topic: i for i, (topic, _) in enumerate(TOPICS)}
    return sorted(_EXERCISES.values(), key=lambda e: order[e.topic])


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, or a ``ValueError`` suggesting the nearest ids.

    Examples
    --------
    >>> from glassml.learn import get_exercise
    >>> exercise = get_exercise("linear-algebra/power-iteration")
    >>> exercise.function_name, exercise.lesson
    ('power_iteration', 'linear-algebra/eigenvalues')
    >>> get_exercise("linear-algebra/power-iterations")
    Traceback (most recent call last):
    ...
    ValueError: exercise_id: ... did you mean linear-algebra/power-iteration, ...?
    """
    _load()
    if not isinstance(exercise_id, str):
        raise TypeError(
            f"exercise_id: expected a string such as 'linear-algebra/power-iteration', "
            f"got {type(exercise_id).__name__}"
        )
    if exercise_id in _EXERCISES:
        return _EXERCISES[exercise_id]
    close = difflib.get_close_matches(exercise_id, list(_EXERCISES), n=3, cutoff=0.5)
    suggestion = f"; did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"exercise_id: expected one of the course's exercise ids "
        f"(glassml learn tracks lists them), got {exercise_id!r}{suggestion}"
    )


def topic_title(topic: str) -> str:
    return dict(TOPICS).get(topic, topic)
