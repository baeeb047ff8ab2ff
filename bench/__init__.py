"""Benchmarks: realistic data at quick, borough and national scale, query cost, and the gap to
the floor (the same rows fetched with hand-written SQL and encoded to JSON).

    bench/
      scales.py        sizes of each scale and the named benchmark actors
      population.py    organisations, teams, staff and accounts (deterministic)
      records.py       five years of each person's record: goals, budgets, requests, consents
      trail.py         the audit trail: events in time order, hash-chained
      load.py          recreate the database, migrate, bulk-load (executemany / COPY)
      generate.py      ``python -m bench generate``: all of the above
      fixture.py       the actors and ids the scenarios use, read back from the database
      scenarios.py     the GraphQL operations each scenario sends
      floor.py         the same rows with hand-written SQL, as JSON (floor_writes.py: writes)
      unaudited.py     the audit trail switched off, for the on/off comparison only
      inprocess.py     timing in-process: schema.execute, statements, memory
      profile.py       what dominates: pyinstrument, summarised
      http.py          2 uvicorn workers (server.py), wrk or drive.py (httpx), N clients
      report.py        REPORT.md and its plots; findings.md is the analysis it ends with
      run.py           ``python -m bench run``: everything for one scale and backend
"""
