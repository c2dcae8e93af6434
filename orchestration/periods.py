"""Financial periods: the one Python definition of the financial year, its quarters and keys.

Scottish councils report on the financial year April-March. A partition key names one
quarter of one financial year: ``2019-20-Q3`` is October-December 2019 (Q1 = April-June).
A return file for that quarter also carries the year-end (annual) values when it is Q4.
:class:`FinancialPeriod` is a quarter or a whole year (the reports' periods, keyed
``2019-20-Q3`` or ``2019-20``), its dates and labels those of :class:`FinancialQuarter`.
dbt's twin is ``dbt_project/macros/periods.sql``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

FIRST_YEAR = 2010  # 2010/11: the first LGBF year
LAST_YEAR = 2030  # 2030/31

_KEY = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")
_PERIOD_KEY = re.compile(r"^(\d{4})-(\d{2})(?:-Q([1-4]))?$")
_FY_LABEL = re.compile(r"^(\d{4})/(\d{2})$")


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    start_year: int  # 2019 for 2019/20
    quarter: int  # 1..4

    @property
    def financial_year(self) -> str:
        """Label as printed in reports: ``2019/20``."""
        return fy_label(self.start_year)

    @property
    def key(self) -> str:
        return f"{fy_key(self.start_year)}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.financial_year}"

    @property
    def start_date(self) -> date:
        month = 4 + 3 * (self.quarter - 1)
        year = self.start_year + (month > 12)
        return date(year, (month - 1) % 12 + 1, 1)

    @property
    def end_date(self) -> date:
        nxt = self.next()
        return date.fromordinal(nxt.start_date.toordinal() - 1)

    def next(self) -> FinancialQuarter:
        if self.quarter == 4:
            return FinancialQuarter(self.start_year + 1, 1)
        return FinancialQuarter(self.start_year, self.quarter + 1)

    def previous(self) -> FinancialQuarter:
        if self.quarter == 1:
            return FinancialQuarter(self.start_year - 1, 4)
        return FinancialQuarter(self.start_year, self.quarter - 1)

    @classmethod
    def from_key(cls, key: str) -> FinancialQuarter:
        m = _KEY.match(key)
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            raise ValueError(f"not a financial-quarter partition key (e.g. 2019-20-Q3): {key!r}")
        return cls(int(m.group(1)), int(m.group(3)))

    @classmethod
    def containing(cls, day: date) -> FinancialQuarter:
        start_year = day.year if day.month >= 4 else day.year - 1
        return cls(start_year, ((day.month - 4) % 12) // 3 + 1)


@dataclass(frozen=True)
class FinancialPeriod:
    """A quarter of a financial year, or the whole year (``quarter`` None: the year end)."""

    fy_start_year: int  # 2019 for 2019/20
    quarter: int | None

    @property
    def financial_year(self) -> str:
        return fy_label(self.fy_start_year)

    @property
    def last_quarter(self) -> FinancialQuarter:
        """The quarter itself, or the year's Q4 (whose end is the year's)."""
        return FinancialQuarter(self.fy_start_year, self.quarter or 4)

    @cached_property
    def key(self) -> str:
        """Worked out once per period: a report looks its values up by it ~800 times."""
        return fy_key(self.fy_start_year) if self.quarter is None else self.last_quarter.key

    @property
    def label(self) -> str:
        return self.financial_year if self.quarter is None else self.last_quarter.label

    @property
    def start_date(self) -> date:
        return FinancialQuarter(self.fy_start_year, self.quarter or 1).start_date

    @property
    def end_date(self) -> date:
        return self.last_quarter.end_date

    @classmethod
    def from_key(cls, key: str):
        """``2019-20-Q3`` (a quarter) or ``2019-20`` (the year)."""
        m = _PERIOD_KEY.match(key)
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            raise ValueError(f"not a financial period key (e.g. 2019-20 or 2019-20-Q3): {key!r}")
        return cls(int(m.group(1)), int(m.group(3)) if m.group(3) else None)


def fy_label(start_year: int) -> str:
    """2019 -> ``2019/20``"""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_key(start_year: int) -> str:
    """2019 -> ``2019-20``"""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def parse_fy_label(label: str) -> int:
    """``2019/20`` -> 2019. Raises ValueError for anything else (e.g. ``2019/21``)."""
    m = _FY_LABEL.match(label.strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"expected a financial year like 2019/20, got {label!r}")
    return int(m.group(1))


def all_quarters() -> list[FinancialQuarter]:
    return [FinancialQuarter(y, q) for y in range(FIRST_YEAR, LAST_YEAR + 1) for q in range(1, 5)]
