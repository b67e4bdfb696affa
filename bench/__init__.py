"""Benchmarks of the Norec Portal against PostgreSQL and Redis (``make bench``).

Each area has its own module (``pages``, ``mail``, ``documents``, ``imports``,
``enrolment``); ``run`` prepares the database and runs them; ``common`` holds what they
share. Results go to ``bench/RESULTS.md``, one marked section per area.
"""
