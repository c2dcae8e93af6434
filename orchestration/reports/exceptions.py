"""What needs a committee's attention in a council-service's period: the exceptions.

From the one query layer of the report's other sections (:mod:`orchestration.reports.queries`,
read once for a batch of reports, "as known on" the report date): per council, service and
period, the rows of each kind of exception in :data:`KINDS`, in that order. The service kinds
select from what the report prints, with no query of their own (five queries a report, when
they had them); returns not received are a council's, one query per council and period.
A row names what it is about (``subject``: a PI, an action, a risk or a return) so that the
writer (:mod:`orchestration.reports.exceptions_sheet`) can link it to its place in the
service report.

Every judgement is the warehouse's own: status, trend and the feeder check come from the
marts (``docs/status_logic.md``), the action's "Complete" from the status vocabulary; this
module only selects. "Worse for two periods running": the short trend of this period and of
the period before it (``dim_period.previous_period_key``) both Getting Worse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration import vocabulary
from orchestration.reports.queries import Period, fetch_dicts


@dataclass(frozen=True)
class Kind:
    key: str
    heading: str
    meaning: str


KINDS = (
    Kind("off_target", "Off Target or Warning", "misses its target for the period"),
    Kind(
        "worse_twice",
        "Worse for two periods running",
        "its short trend is Getting Worse this period and the period before",
    ),  # fmt: skip
    Kind(
        "no_value",
        "No value this period",
        "the report prints the PI but the return gives no value for this period",
    ),  # fmt: skip
    Kind(
        "status_differs",
        "Reported status differs",
        "the status the service reported is not the one its value and target give",
    ),  # fmt: skip
    Kind(
        "feeder",
        "Feeder data do not give the value",
        "the value is not the one its numerator and denominator give",
    ),  # fmt: skip
    Kind("overdue", "Actions overdue", "due by the period's end and not complete"),
    Kind("risk_rose", "Risks whose score rose", "scored higher than in its previous period"),
    Kind(
        "not_received",
        "Returns not received",
        "no return for the period submitted by the report date",
    ),  # fmt: skip
)
KIND = {k.key: k for k in KINDS}
JUDGED = ("Off Target", "Warning")
WORSE = "Getting Worse"
# The action statuses that are not an indicator's: "Complete" (pentana_statuses.csv).
DONE = tuple(
    set(vocabulary.words(vocabulary.STATUSES, "status", "for_actions")) - set(vocabulary.statuses())
)


def _pi_row(kind: str, ind: dict, v: dict, detail: str | None = None) -> dict:
    target = v.get("period_target")
    value = v.get("value")
    return {
        "kind": kind,
        "subject": ("pi", ind["indicator_code"]),
        "code": ind["indicator_code"],
        "title": ind["title"],
        "unit": ind["unit"],
        "decimals": ind["decimals"],
        "value": value,
        "target": target,
        "gap": value - target if value is not None and target is not None else None,
        "trend": v.get("short_trend"),
        "status": v.get("status"),
        "detail": detail,
    }


def pi_exceptions(data: dict, period: Period) -> list[dict]:
    """The PI kinds of exception for the period: Off Target or Warning, worse twice running,
    no value, reported status differs, feeder data disagree. ``data``: the report's
    (:func:`queries.report_data`), whose values include the period before its own."""
    values, previous = data["values"], data["previous_key"]
    out: dict[str, list[dict]] = {k.key: [] for k in KINDS}
    for ind in data["indicators"]:
        v = values.get((ind["indicator_code"], period.key))
        if v is None:
            continue  # not in this period's return: the report does not print it for it
        before = values.get((ind["indicator_code"], previous)) or {}
        if v["value"] is None:
            out["no_value"].append(_pi_row("no_value", ind, v, v["note"]))
            continue
        if v["status"] in JUDGED:
            out["off_target"].append(_pi_row("off_target", ind, v, v["status"]))
        if v["short_trend"] == WORSE and before.get("short_trend") == WORSE:
            detail = "worse than the period before, which was itself worse than the one before it"
            out["worse_twice"].append(_pi_row("worse_twice", ind, v, detail))
        if v["status_agrees"] is False:
            # the service report words it as the PI's footnote says it (service_report)
            detail = f"Shown as {v['status']}; the service reported it as {v['reported_status']}."
            out["status_differs"].append(_pi_row("status_differs", ind, v, detail))
        if v["feeder_check"] in ("disagrees", "not computable"):
            detail = (
                "the denominator is 0: the feeder data cannot give a value"
                if v["feeder_check"] == "not computable"
                else f"the feeder data give {v['computed_value']:.2f}"
            )
            out["feeder"].append(_pi_row("feeder", ind, v, detail))
    return [row for k in KINDS for row in out[k.key]]


def overdue_actions(data: dict, period: Period) -> list[dict]:
    """The period's actions due on or before its last day and not complete."""
    return [
        {
            "kind": "overdue",
            "subject": ("action", a["action_code"]),
            "code": a["action_code"],
            "title": a["action"],
            "due_date": a["due_date"],
            "progress_pct": a["progress_pct"],
            "detail": f"due {a['due_date']:%d %B %Y}, "
            + (
                f"{a['progress_pct']:g}% complete"
                if a["progress_pct"] is not None
                else "no progress given"
            ),
        }
        for a in data["actions"]
        if a["due_date"] is not None
        and a["due_date"] <= period.end_date
        and a["status"] not in DONE
    ]


def risks_that_rose(data: dict) -> list[dict]:
    """The period's risks scored higher than in the latest earlier period that scored them
    (both as known on the report's date: ``risks`` and ``risks_before`` of its data)."""
    out = []
    for k in data["risks"]:
        prior = data["risks_before"].get(k["risk_code"])
        if prior and k["risk_score"] is not None and k["risk_score"] > prior["risk_score"]:
            out.append(
                {
                    "kind": "risk_rose",
                    "subject": ("risk", k["risk_code"]),
                    "code": k["risk_code"],
                    "title": k["title"],
                    "value": k["risk_score"],
                    "previous": prior["risk_score"],
                    "detail": f"score {k['risk_score']:g}, {prior['risk_score']:g} in "
                    f"{Period.from_key(prior['period_key']).label}",
                }
            )
    return out


def returns_not_received(con, council: str, period: Period, as_of: date) -> list[dict]:
    """The council's framework services with no return for the period's quarter (a year end
    is in its Q4 return) submitted by ``as_of``: none loaded, or one whose "Submitted on" is
    later. (A return without a "Submitted on" counts as on time: the warehouse cannot tell.)"""
    rows = fetch_dicts(
        con,
        """select s.service, min(try_cast(f.submitted_on as date)) as submitted_on, count(f.source_file) as files
           from staging.stg_frameworks__services s
           left join staging.stg_returns__files f
             on f.council = s.council and f.service = s.service and f.partition_key = $quarter
           where s.council = $council and s.effective_from <= $end
           group by s.service
           having count(f.source_file) = 0
               or bool_and(coalesce(try_cast(f.submitted_on as date) > $as_of, false))
           order by s.service""",
        {
            "council": council,
            "quarter": period.last_quarter.key,
            "end": period.end_date,
            "as_of": as_of,
        },  # fmt: skip
    )
    return [
        {
            "kind": "not_received",
            "subject": ("return", r["service"]),
            "code": None,
            "title": r["service"],
            "service": r["service"],
            "detail": "no return loaded"
            if not r["files"]
            else f"submitted {r['submitted_on']:%d %B %Y}, after the report date",
        }
        for r in rows
    ]


def service_exceptions(data: dict, service: str, period: Period) -> list[dict]:
    """Every exception of one council-service's period, in :data:`KINDS` order, from what its
    report prints (``data``, :func:`queries.report_data`: no query of its own). Returns not
    received are the council's: :func:`returns_not_received`."""
    rows = pi_exceptions(data, period) + overdue_actions(data, period) + risks_that_rose(data)
    return [dict(row, service=service) for row in rows]
