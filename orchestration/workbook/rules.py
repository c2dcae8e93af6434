"""The data rules a return must meet, read from the dbt tests on the staging models.

The dbt schema files of ``stg_returns__indicator_values``, ``stg_returns__actions`` and
``stg_returns__risks`` are the one declaration of these rules. dbt runs them on the loaded
data; the reader runs the same rules on each return *before* anything is written, so a bad
return is rejected with its cell named instead of failing the build later. Each column's
``meta`` says where its value comes from:

* ``return_column``: a column of the model's sheet (the model's ``meta.return_sheet``);
* ``return_metadata``: a field of the Metadata sheet;
* ``return_guaranteed_by``: why the reader guarantees the rule by construction (e.g. the
  Period parser only ever gives Quarter or Year end), for columns no cell maps to;
* ``return_aliases`` (accepted values) and ``return_aliases_from`` (columns of a related
  seed holding other spellings): what people type for a canonical value, e.g. Green for
  On Target, or Argyll and Bute for Argyll & Bute.

Supported tests: ``not_null``, ``accepted_values``, ``in_vocabulary`` (the words of a
vocabulary seed such as Pentana's gauges, read from its CSV by :mod:`orchestration.vocabulary`),
``relationships`` (to a dbt seed, read from its CSV), ``relationships_within`` (to a framework model, within the same council: the
caller gives the values in force, see :func:`check`), ``accepted_range``, ``not_less_than``
(one column at least another of the same row: the caller gives the row), ``unique`` (with
the column's ``return_key``), and ``within_indicator_limits`` / ``agrees_with_feeder_data``
(a value within its PI's range, and agreeing with the row's feeder data: the caller gives the
row and the council's PIs' :class:`~orchestration.workbook.values.PiLimits`).

The framework workbooks (:mod:`orchestration.frameworks`) are checked the same way against
the tests on the ``stg_frameworks__*`` models, whose ``meta`` keys start ``framework_``
instead of ``return_`` (:func:`load`).
Warn-severity tests are left to dbt: a warning never rejects a file.
``tests/integration/test_return_rules.py`` fails when a test on these models is neither mapped to a
cell nor guaranteed by construction, so the reader and dbt cannot drift apart.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from orchestration import vocabulary
from orchestration.config import DBT_PROJECT_DIR
from orchestration.workbook import values as v

STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"  # by source: staging/<source>/<model>.yml
MODELS = ("stg_returns__indicator_values", "stg_returns__actions", "stg_returns__risks")
METADATA = "Metadata"
FRAMEWORK_MODELS = (
    "stg_frameworks__services",
    "stg_frameworks__groups",
    "stg_frameworks__indicators",
    "stg_frameworks__targets",
    "stg_frameworks__risk_bands",
)
SUPPORTED = (
    "not_null",
    "accepted_values",
    "in_vocabulary",
    "relationships",
    "relationships_within",
    "accepted_range",
    "not_less_than",
    "unique",
    "within_indicator_limits",
    "agrees_with_feeder_data",
)
# Tests checked against the row's PI in its council's framework (the caller gives the PIs).
PER_PI = ("relationships_within", "within_indicator_limits", "agrees_with_feeder_data")
_REF = re.compile(r"""ref\(\s*['"](\w+)['"]\s*\)""")
_VAR = re.compile(r"""^\{\{\s*var\(\s*['"](\w+)['"]\s*\)\s*\}\}$""")


@dataclass(frozen=True)
class Rule:
    """One dbt test as the reader applies it to a return's cells."""

    test: str  # not_null | accepted_values | relationships | accepted_range | unique
    model: str
    column: str  # the staging column the test is on
    sheet: str  # the return sheet its value comes from (Metadata for a metadata field)
    field: str | None  # the return's column header or Metadata field; None: by construction
    guaranteed_by: str | None = None
    values: tuple = ()  # accepted values, or the related seed column's values
    canonical: Mapping[str, str] = field(default_factory=dict)  # lower-case spelling -> value
    aliases: tuple[tuple[str, str], ...] = ()  # (documented spelling, value), for messages
    seed: str | None = None  # relationships: the seed's file name
    to_model: str | None = None  # relationships_within: the model the values must be in
    within: str | None = None  # relationships_within: the field both sides share (Council)
    min_value: float | None = None
    max_value: float | None = None
    key: tuple[str, ...] = ()  # unique: the return columns that identify a row
    other: str | None = None  # not_less_than: the header of the column it is compared with
    code_field: str | None = None  # per-PI tests: the header of the row's PI code
    feeders: tuple[str, str] = ("", "")  # agrees_with_feeder_data: numerator, denominator

    @property
    def name(self) -> str:
        return f"{self.test} on {self.model}.{self.column}"


def _tests(column: dict) -> list[tuple[str, dict, dict]]:
    """A column's data tests as ``(test name, arguments, config)``."""
    out = []
    for entry in column.get("data_tests", column.get("tests", [])) or []:
        if isinstance(entry, str):
            out.append((entry, {}, {}))
            continue
        ((name, spec),) = entry.items()
        spec = spec or {}
        arguments = spec.get(
            "arguments", {k: v for k, v in spec.items() if k not in ("config", "name")}
        )
        out.append((name, arguments, spec.get("config", {})))
    return out


def _meta(node: dict) -> dict:
    return (node.get("config") or {}).get("meta") or node.get("meta") or {}


def _argument(value):
    """A test argument as dbt renders it: ``"{{ var('name') }}"`` is the project variable."""
    match = _VAR.match(value.strip()) if isinstance(value, str) else None
    return vocabulary.dbt_var(match.group(1)) if match else value


def _spellings(rows, target: str, columns) -> tuple[tuple[str, str], ...]:
    """``(other spelling, value)`` pairs: a seed's ``columns`` hold a row's other spellings of
    its ``target`` value, separated by |."""
    return tuple(
        (spelling, r[target].strip())
        for r in rows
        for column_name in columns or []
        for spelling in map(str.strip, (r.get(column_name) or "").split("|"))
        if spelling
    )


def _rule(
    model: str,
    sheet: str,
    column: dict,
    test: str,
    arguments: dict,
    prefix: str = "return",
    fields: Mapping[str, str] | None = None,
) -> Rule:
    """``fields``: the model's columns' field names (for ``within``)."""
    meta = {k.removeprefix(prefix + "_"): v for k, v in _meta(column).items()}
    name = column["name"]
    if meta.get("metadata"):
        where = {"sheet": METADATA, "field": meta["metadata"]}
    elif meta.get("column"):
        where = {"sheet": sheet, "field": meta["column"]}
    else:
        where = {"sheet": sheet, "field": None, "guaranteed_by": meta.get("guaranteed_by")}
    if test == "relationships_within":
        return Rule(
            test,
            model,
            name,
            to_model=_REF.search(arguments["to"]).group(1),
            within=(fields or {}).get(arguments["within"]) or arguments["within"],
            **where,
        )
    if test == "accepted_values":
        values = tuple(arguments["values"])
        canonical = {str(v).lower(): v for v in values}
        aliases = tuple((meta.get("aliases") or {}).items())
        canonical |= {typed.lower(): value for typed, value in aliases}
        return Rule(test, model, name, values=values, canonical=canonical, aliases=aliases, **where)
    if test == "in_vocabulary":  # the words of a vocabulary seed, and their other spellings
        seed, target = _REF.search(arguments["to"]).group(1), arguments["field"]
        used_for = arguments.get("used_for")
        rows = [
            r for r in vocabulary.seed_rows(seed) if not used_for or r[used_for].lower() == "true"
        ]
        values = vocabulary.words(seed, target, used_for)
        aliases = _spellings(rows, target, meta.get("aliases_from"))
        canonical = {typed.lower(): value for typed, value in aliases}
        canonical |= {str(v).lower(): v for v in values}
        return Rule(
            test, model, name, values=values, canonical=canonical, aliases=aliases, seed=seed,
            **where,
        )  # fmt: skip
    if test == "relationships":
        seed = _REF.search(arguments["to"]).group(1)
        rows = vocabulary.seed_rows(seed)
        target = arguments["field"]
        values = tuple(r[target].strip() for r in rows)
        canonical = {  # other spellings, matched ignoring case
            typed.lower(): value
            for typed, value in _spellings(rows, target, meta.get("aliases_from"))
        }
        if meta.get("aliases_from"):
            canonical |= {r[target].strip().lower(): r[target].strip() for r in rows}
        return Rule(test, model, name, values=values, canonical=canonical, seed=seed, **where)
    if test == "accepted_range":
        return Rule(
            test,
            model,
            name,
            min_value=_argument(arguments["min_value"]),
            max_value=_argument(arguments["max_value"]),
            **where,
        )
    if test == "unique":
        return Rule(test, model, name, key=tuple(meta.get("key") or ()), **where)
    if test == "not_less_than":
        return Rule(test, model, name, other=(fields or {}).get(arguments["other"]), **where)
    if test in ("within_indicator_limits", "agrees_with_feeder_data"):
        fields = fields or {}
        feeders = (arguments.get("numerator"), arguments.get("denominator"))
        return Rule(
            test,
            model,
            name,
            to_model=_REF.search(arguments["to"]).group(1),
            within=fields.get(arguments["within"]) or arguments["within"],
            code_field=fields.get(arguments["key"]),
            feeders=tuple(fields.get(f) or "" for f in feeders),
            **where,
        )
    return Rule(test, model, name, **where)


def _schema_file(model: str) -> Path:
    (path,) = STAGING_DIR.rglob(f"{model}.yml")  # one yml per model, in its source's folder
    return path


@cache
def load(
    models: tuple[str, ...] = MODELS, prefix: str = "return"
) -> tuple[Rule | tuple[str, str, str], ...]:
    """Every error-severity test on these staging models: a :class:`Rule`, or
    ``(model, column, test)`` for a test the reader does not support (a drift to fix).
    ``prefix``: the models' meta keys (``return_column``, ``framework_column``, ...)."""
    out: list = []
    for model in models:
        doc = yaml.safe_load(_schema_file(model).read_text(encoding="utf-8"))
        (node,) = [m for m in doc["models"] if m["name"] == model]
        sheet = _meta(node)[f"{prefix}_sheet"]
        columns = node.get("columns", [])
        fields = {
            c["name"]: _meta(c).get(f"{prefix}_column") or _meta(c).get(f"{prefix}_metadata")
            for c in columns
        }
        for column in columns:
            for test, arguments, config in _tests(column):
                if str(config.get("severity", "error")).lower() == "warn":
                    continue  # a warning is for people to look at, never a reason to reject
                if test not in SUPPORTED:
                    out.append((model, column["name"], test))
                else:
                    out.append(_rule(model, sheet, column, test, arguments, prefix, fields))
    return tuple(out)


def all_tests() -> tuple[Rule | tuple[str, str, str], ...]:
    """Every error-severity test on the return staging models (see :func:`load`)."""
    return load()


@cache
def rules(models: tuple[str, ...] = MODELS, prefix: str = "return") -> tuple[Rule, ...]:
    """The rules a reader applies: every supported test mapped to a cell or key."""
    return tuple(
        r for r in load(models, prefix) if isinstance(r, Rule) and (r.field is not None or r.key)
    )


def framework_rules() -> tuple[Rule, ...]:
    return rules(FRAMEWORK_MODELS, "framework")


def rules_for(
    sheet: str, models: tuple[str, ...] = MODELS, prefix: str = "return"
) -> tuple[Rule, ...]:
    return tuple(r for r in rules(models, prefix) if r.sheet == sheet)


def required_metadata() -> set[str]:
    """Metadata fields a not_null rule requires."""
    return {r.field for r in rules_for(METADATA) if r.test == "not_null"}


def _typed(value):
    """A record's value as typed: numbers come as ``(value, is_percent)``; blank is None."""
    if isinstance(value, tuple):
        value = value[0]
    return None if value is None or value == "" else value


def _unknown(rule: Rule, value: str, allowed=None, where: str | None = None) -> str:
    values = sorted(allowed) if allowed is not None else rule.values
    close = difflib.get_close_matches(value, values, n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    where = where or f"the reference list dbt_project/seeds/{rule.seed}.csv"
    return f"unknown {rule.field} {value!r}: it is not in {where} ({len(values)} values){hint}"


def check(
    rule: Rule, value, add, allowed=None, where: str | None = None, row: dict | None = None
) -> object:
    """Check one cell's value against a rule; returns the canonical value (``add(problem)``
    is called for a breach). ``unique`` is checked across rows by :func:`check_unique`.
    ``allowed``/``where``: for ``relationships_within``, the values in force for the row's
    council (e.g. the PI codes of its framework) and what they are, for the message.
    For ``within_indicator_limits`` / ``agrees_with_feeder_data``, ``allowed`` maps the
    council's PI codes to their :class:`~orchestration.workbook.values.PiLimits`.
    ``row``: for ``not_less_than`` and the per-PI tests, the record the value is on."""
    typed = _typed(value)
    if rule.test == "not_null":
        if typed is None and rule.sheet == METADATA:
            add(
                f"metadata field '{rule.field}' is missing or blank (column A names the field, "
                "column B holds its value)"
            )
        elif typed is None:
            add(f"'{rule.field}' is blank: it is required")
    elif typed is None:
        return value
    elif rule.test == "relationships_within":
        if allowed is not None and str(typed) not in allowed:
            add(_unknown(rule, str(typed), allowed, where))
    elif rule.test in ("accepted_values", "in_vocabulary", "relationships"):
        text = str(typed)
        if rule.canonical:
            canonical = rule.canonical.get(text.lower())
        else:
            canonical = text if text in rule.values else None
        if canonical is not None:
            return canonical
        if rule.test == "relationships":
            add(_unknown(rule, text))
        else:
            aliases = ", ".join(f"{typed} = {value}" for typed, value in rule.aliases)
            also = f" (also accepted: {aliases})" if aliases else ""
            add(
                f"{text!r} is not an accepted {rule.field}: use one of "
                f"{', '.join(map(str, rule.values))}{also}, or leave it blank"
            )
    elif rule.test == "not_less_than":
        other = _typed((row or {}).get(rule.other))
        if other is not None and typed < other:
            add(f"'{rule.field}' must be at least the {rule.other} ({other:g}), got {typed:g}")
    elif rule.test in ("within_indicator_limits", "agrees_with_feeder_data"):
        code = _typed((row or {}).get(rule.code_field))
        pi = (allowed or {}).get(code) if code is not None else None
        if isinstance(pi, v.PiLimits):  # an unknown code is its relationships_within's to report
            is_percent = isinstance(value, tuple) and value[1]
            points = v.as_percentage_points(typed, is_percent, pi.unit)
            if rule.test == "within_indicator_limits":
                problem = _outside_limits(rule, code, points, is_percent, pi)
            else:
                problem = _off_feeders(rule, code, points, pi, row or {})
            if problem:
                add(problem)
    elif rule.test == "accepted_range":
        if not rule.min_value <= typed <= rule.max_value:
            add(
                f"'{rule.field}' must be between {rule.min_value:g} and {rule.max_value:g}, got {typed:g}"
            )
    return value


def _outside_limits(rule: Rule, code, points: float, is_percent, pi: v.PiLimits) -> str:
    low = pi.min_value if pi.min_value is not None else float("-inf")
    high = pi.max_value if pi.max_value is not None else float("inf")
    if low <= points <= high:
        return ""
    if pi.min_value is not None and pi.max_value is not None:
        allowed = f"from {pi.min_value:g} to {pi.max_value:g}"
    else:
        allowed = f"at least {low:g}" if pi.min_value is not None else f"at most {high:g}"
    unit = "%" if pi.unit == "%" else ""
    hint = ""
    if pi.unit == "%" and is_percent:
        typed = round(points / 100, 10)
        hint = (
            f"; the cell is formatted as a percentage, so {typed:g} typed in it reads as "
            f"{points:g}%: to give {typed:g}%, type {typed:g}%"
        )
    return (
        f"{rule.field} {points:g}{unit} for {code} is outside the range its framework allows "
        f"({allowed}{unit}: its Min Value / Max Value, 0 to 100 for a % PI that gives none)"
        f"{hint}"
    )


def _off_feeders(rule: Rule, code, points: float, pi: v.PiLimits, row: dict) -> str:
    numerator, denominator = (_typed(row.get(h)) for h in rule.feeders)
    ratio = v.feeder_ratio(numerator, denominator, pi.unit)
    if ratio is None or not v.feeder_disagrees(points, ratio):
        return ""
    times = " x 100" if pi.unit == "%" else ""
    printed = "a whole number" if points == round(points) else "with decimals"
    return (
        f"{rule.field} {points:g} for {code} disagrees with its feeder data: "
        f"{rule.feeders[0]} {numerator:g} / {rule.feeders[1]} {denominator:g}{times} = "
        f"{ratio:.6g} (a value given as {printed} may differ from it by at most "
        f"{v.feeder_tolerance(points):g}): correct the value or the feeder data"
    )


def _named(value) -> str:
    """A key's value as a message names it: a date as the sheet shows it, the rest quoted."""
    return f"{value.day} {value:%B %Y}" if isinstance(value, date) else repr(value)


def check_unique(rule: Rule, records: list[dict], add) -> None:
    """Rows of one sheet whose key (``return_key``) repeats: ``add(problem, row)``."""
    seen: dict[tuple, int] = {}
    for rec in records:
        key = tuple(_typed(rec.get(k)) for k in rule.key)
        if key[0] is None:
            continue  # a blank code is reported by its not_null rule
        if key in seen:
            named = " ".join(f"{k} {_named(v)}" for k, v in zip(rule.key, key) if v is not None)
            add(f"{named} appears twice: rows {seen[key]} and {rec['row']}", rec["row"])
        else:
            seen[key] = rec["row"]
