"""The bad-returns corpus: malformed and hostile return workbooks, generated on demand.

``python -m tests.support.bad_returns.generate <out_dir>`` writes every case; ``generate.CASES`` is the
table of cases and their expected outcomes (see ``docs/reliability.md``). Generated files are
never committed.
"""
