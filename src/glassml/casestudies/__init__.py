"""Case studies: real problems on real data, end to end, each written up as a report.

``run(name, data=None, out="reports/", quick=False, seed=0, dask=None)`` runs one study and
returns a :class:`CaseStudyResult` (``metrics``, ``report_path``, ``figures``,
``runtime_s``); ``run_all()`` runs every study and keeps going past a failure. From the shell:
``glassml case-study NAME|all [--data PATH] [--out DIR] [--quick] [--seed N] [--dask
local|ADDRESS] [--set NAME=VALUE]``.

A study of your own is a :class:`Study` whose ``run(context)`` fills ``context.report`` and
``context.metrics``; :func:`register` it and it runs and reports like the built-in ones.
"""

from glassml.casestudies._runner import (
    BUILTIN,
    CaseStudyFailure,
    CaseStudyResult,
    available,
    get_study,
    register,
    run,
    run_all,
    write_index,
)
from glassml.casestudies._study import Option, ProgressEvent, Study, StudyContext
from glassml.casestudies.report import Headline, Report

__all__ = [
    "BUILTIN",
    "CaseStudyFailure",
    "CaseStudyResult",
    "Headline",
    "Option",
    "ProgressEvent",
    "Report",
    "Study",
    "StudyContext",
    "available",
    "get_study",
    "register",
    "run",
    "run_all",
    "write_index",
]
