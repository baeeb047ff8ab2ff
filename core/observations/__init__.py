"""Observations: a person's measurements and self-tracking (docs/health-record.md).

    kinds.py      what can be observed: the registry, core's kinds, the plugins' (a hook)
    rules.py      checking a reading against its kind; the record's days (London)
    models.py     the observation table
    recording.py  recording (one or many), BMI from height, correcting without deleting
    reading.py    pages and series for people and caseloads, a goal's progress
"""
