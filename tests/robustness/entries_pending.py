"""Scaffolding for public entry points not yet registered: each line goes when its package's
entries land in entries_<family>.py, and this file goes with the last one."""

ENTRIES = []
EXEMPT = {
    # Found when the coverage test began walking public subpackages (as it does for
    # glassml.stats.bayesnet): the report subpackage's own __all__ (Report, Section, ...,
    # render_study) is public, and entries_casestudies.py registers only the package's top level.
    "glassml.casestudies.report.*": "pending: issue 18 registers the report subpackage's names",
}
