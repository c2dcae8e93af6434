"""Turning what people type into numbers, one rule set for every return.

Canonical forms stored in the warehouse:

* percentages in **percentage points**: ``98``, ``"98%"`` and a cell showing 98% (Excel
  stores 0.98 with a % number format) all become ``98.0``. A plain number between 0 and 1
  for a percentage indicator is read as a proportion in staging (``0.98`` -> 98); type
  values below 1% with the % sign.
* money as a plain number in the indicator's unit: ``"£15.722m"`` -> ``15.722`` for a £m
  indicator, ``"£1,832.00"`` -> ``1832.0``.
* thousands separators and surrounding spaces (including non-breaking) are dropped. A comma
  (or a space) must separate groups of three digits before the decimal point (``1,234``,
  ``1,234.5``): ``25,29`` and ``1.234,5`` are written with a decimal comma, and reading them
  as 2529 or 1.2345 would be a silent factor-of-100 (or 1,000) error, so they are rejected.

What a PI's value may be (:class:`PiLimits`): the range its framework gives, 0 to 100 for a %
PI that gives none, and, where a row gives its feeder data, their ratio within rounding. These
are the dbt tests ``within_indicator_limits`` and ``agrees_with_feeder_data`` on
``stg_returns__indicator_values.value`` (their SQL: ``dbt_project/tests/generic/`` and
``macros/feeders.sql``; their numbers: the dbt vars), applied here to a cell before loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from orchestration import vocabulary

EXCEL_ERRORS = {
    "#DIV/0!",
    "#N/A",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
}
BLANKS = {"", "n/a", "na", "-", "–", "—", "dna", "..", "new for 16/17"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DIGITS_AND_SEPARATORS = re.compile(r"^[+-]?[\d., ]+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([, ]\d{3})+(\.\d*)?$")  # 1,234 / 1 234 / 1,234.5


@dataclass(frozen=True)
class ParsedNumber:
    value: float | None
    is_percent: bool = False  # True when the value came with a % (sign or cell format)


class NotANumber(ValueError):
    pass


def clean_text(value: object) -> str:
    """Collapse whitespace (incl. non-breaking spaces) and strip."""
    if value is None:
        return ""
    text = str(value)
    # Most cells are clean already: printable (no tab, newline, non-breaking or zero-width
    # space), single-spaced and trimmed. Returning those as they are halves the cost per cell.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.replace("\u00a0", " ").replace("\u200b", "").split())


def parse_number(raw: object, percent_format: bool = False) -> ParsedNumber:
    """Parse a cell value. ``percent_format`` is True when the cell's number format has a %."""
    if raw is None or isinstance(raw, bool):
        if isinstance(raw, bool):
            raise NotANumber(f"expected a number, got {raw!r}")
        return ParsedNumber(None)
    if isinstance(raw, (date, datetime)):
        raise NotANumber(
            f"expected a number, got a date ({raw:%Y-%m-%d}): Excel turns some numbers typed "
            "into a cell (e.g. 4.30) into dates; format the cell as Number and type it again"
        )
    if isinstance(raw, (int, float)):
        if raw != raw:  # NaN
            return ParsedNumber(None)
        if percent_format:
            return ParsedNumber(round(float(raw) * 100, 10), True)
        return ParsedNumber(float(raw))
    text = clean_text(raw)
    if text.lower() in BLANKS:
        return ParsedNumber(None)
    is_percent = text.endswith("%")
    body = text.rstrip("%").strip().replace("£", "").strip()
    if ("," in body or " " in body) and _DIGITS_AND_SEPARATORS.match(body.removesuffix("m")):
        if not _GROUPED.match(body.removesuffix("m")):
            raise NotANumber(
                f"ambiguous number {text!r}: a comma (or space) may only separate thousands, "
                "as in 1,234 or 1,234.5; write decimals with a point (25.29, not 25,29)"
            )
        body = body.replace(",", "").replace(" ", "")
    if body.lower().endswith("m"):
        body = body[:-1]
    if not _NUMBER.match(body):
        if text.upper() in EXCEL_ERRORS:
            raise NotANumber(
                f"expected a number, got the Excel error {text.upper()} (a formula that failed): "
                "fix the formula or type the value"
            )
        raise NotANumber(f"expected a number, got {text!r}")
    return ParsedNumber(float(body), is_percent)


@dataclass(frozen=True)
class PiLimits:
    """What one PI's returned value is checked against: its unit (a % PI's value is in
    percentage points and its feeder ratio x 100) and the range it may take (None: open)."""

    unit: str
    min_value: float | None = None
    max_value: float | None = None


def pi_limits(unit: str | None, min_value=None, max_value=None) -> PiLimits:
    """A framework row's limits with stg_frameworks__indicators' defaults: a % PI that gives
    no Min Value / Max Value may take 0 to 100 (dbt vars percent_min_value / _max_value)."""
    unit = unit or ""
    if unit == "%":
        if min_value is None:
            min_value = vocabulary.dbt_var("percent_min_value")
        if max_value is None:
            max_value = vocabulary.dbt_var("percent_max_value")
    return PiLimits(unit, min_value, max_value)


def as_percentage_points(value: float, is_percent: bool, unit: str) -> float:
    """The value as staging stores it: for a % PI, a plain number strictly between 0 and 1
    is a proportion (0.98 -> 98), as stg_returns__indicator_value_versions reads it."""
    if unit == "%" and not is_percent and 0 < value < 1:
        return round(value * 100, 10)
    return value


def feeder_ratio(numerator, denominator, unit: str) -> float | None:
    """numerator / denominator, x 100 for a % PI; None without both or with a 0 denominator
    (macros/feeders.sql ``feeder_ratio``)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * (100 if unit == "%" else 1)


def feeder_tolerance(value: float) -> float:
    """Half the last printed digit: a whole number may differ from its ratio by 0.5, a value
    printed to 2 decimal places by 0.005 (dbt vars feeder_tolerance_whole / _decimal)."""
    whole = value == round(value)
    return vocabulary.dbt_var("feeder_tolerance_whole" if whole else "feeder_tolerance_decimal")


def feeder_disagrees(value: float, ratio: float) -> bool:
    """macros/feeders.sql ``feeder_disagrees``."""
    return abs(ratio - value) > feeder_tolerance(value)
