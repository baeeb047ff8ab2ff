"""The medication list, doses taken, late or skipped, and adherence per week
(docs/health-record.md). Category ``medication``.

    models.py    medication and dose tables
    services.py  adding, stopping, recording doses; batch readers; adherence
"""
