"""Running a learner's function under a time limit without another process.

An infinite loop in a learner's code must not hang the grader, and the grader runs inside the
learner's own notebook kernel (the function object cannot be sent elsewhere). On POSIX, in the
main thread (where Jupyter runs cells), an interval timer's ``SIGALRM`` interrupts the loop;
anywhere else a trace function checks the clock on every line. Both raise
:class:`LearnerTimeout`, a ``BaseException`` so that a learner's ``except Exception`` cannot
swallow it. Neither interrupts a single long call into compiled code; graded inputs are small.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any


class LearnerTimeout(BaseException):
    """The learner's code ran past its time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"time limit of {seconds:g} s exceeded")
        self.seconds = seconds


def _use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(function: Callable[..., Any], args: tuple, seconds: float) -> Any:
    """``function(*args)``; raise :class:`LearnerTimeout` after ``seconds`` of wall time."""
    if _use_alarm():
        return _call_with_alarm(function, args, seconds)
    return _call_with_trace(function, args, seconds)


def _call_with_alarm(function: Callable[..., Any], args: tuple, seconds: float) -> Any:
    def expire(signum, frame):
        raise LearnerTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return function(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_with_trace(function: Callable[..., Any], args: tuple, seconds: float) -> Any:
    deadline = time.monotonic() + seconds

    def local(frame, event, arg):
        if time.monotonic() > deadline:
            raise LearnerTimeout(seconds)
        return local

    def tracer(frame, event, arg):
        return local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return function(*args)
    finally:
        sys.settrace(previous)
