"""The partitions of the quarterly assets: every financial quarter of orchestration.periods.

Here, not in orchestration.periods, so that the return reader's worker processes, which
import periods, do not import Dagster: measured, that import was 0.5 s of each worker's
start-up, more than reading 100 returns.
"""

from __future__ import annotations

import dagster as dg

from orchestration.periods import all_quarters

financial_quarters = dg.StaticPartitionsDefinition([q.key for q in all_quarters()])
