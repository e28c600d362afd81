"""The course's exercises, one module per topic; each module calls ``register(...)``.

Every module here is imported when the course first needs its exercises, so a new topic's
module needs no other registration. See ``docs/learn.md`` ("How an instructor adds an
exercise").
"""
