"""One declaration of each return rule: the reader's rules are the dbt tests on the staging
models. Every error-severity test dbt runs on ``stg_returns__*`` (read from the manifest, i.e.
what dbt really enforces) is either checked by the reader on a named cell or documented as
guaranteed by construction; the documented spellings become the warehouse's words, and
anything else is refused with the choices."""

from __future__ import annotations

import json

import pytest

from orchestration.workbook import rules


def test_every_dbt_test_on_return_data_is_a_reader_rule(manifest):
    nodes = json.loads(manifest.read_text())["nodes"].values()
    enforced = {
        (n["attached_node"].rsplit(".", 1)[-1], n["column_name"], n["test_metadata"]["name"])
        for n in nodes
        if n["resource_type"] == "test"
        and (n.get("attached_node") or "").rsplit(".", 1)[-1] in rules.MODELS
        and n["config"]["severity"].lower() == "error"
    }
    assert len(enforced) >= 20
    declared = {}
    for rule in rules.all_tests():
        assert isinstance(rule, rules.Rule), f"a test the reader cannot check: {rule}"
        declared[(rule.model, rule.column, rule.test)] = rule
    assert enforced == set(declared)
    for rule in declared.values():
        # Checked on a cell (or a row key), or guaranteed by how the reader builds the row.
        assert rule.field or rule.key or rule.guaranteed_by, rule.name
    # The rules this issue asked for, each read from the schema files.
    by_name = {r.name: r for r in rules.rules()}
    assert by_name["relationships on stg_returns__indicator_values.council"].seed == "councils"
    assert by_name["not_null on stg_returns__risks.risk_score"].field == "Current Risk Score"
    assert by_name["not_null on stg_returns__actions.action"].field == "Action"
    progress = by_name["accepted_range on stg_returns__actions.progress_pct"]
    assert (progress.min_value, progress.max_value) == (0, 100)


@pytest.mark.parametrize(
    "rule_name, typed, canonical",
    [
        ("in_vocabulary on stg_returns__indicator_values.reported_status", "Green", "On Target"),
        ("in_vocabulary on stg_returns__indicator_values.reported_status", " amber", "Warning"),
        ("in_vocabulary on stg_returns__indicator_values.reported_status", "RED", "Off Target"),
        (
            "in_vocabulary on stg_returns__indicator_values.reported_status",
            "off target",
            "Off Target",
        ),
        ("in_vocabulary on stg_returns__actions.reported_status", "Completed", "Complete"),
        (
            "relationships on stg_returns__indicator_values.council",
            "Argyll and Bute",
            "Argyll & Bute",
        ),
        ("relationships on stg_returns__indicator_values.council", "midlothian", "Midlothian"),
    ],
)
def test_documented_spellings_become_the_warehouse_words(rule_name, typed, canonical):
    (rule,) = [r for r in rules.rules() if r.name == rule_name]
    problems = []
    assert rules.check(rule, typed.strip(), problems.append) == canonical
    assert problems == []


def test_anything_else_is_refused_with_the_choices():
    (rule,) = [
        r for r in rules.rules() if r.column == "reported_status" and r.sheet == "Indicators"
    ]
    problems = []
    rules.check(rule, "Purple", problems.append)
    assert problems == [
        "'Purple' is not an accepted Status: use one of On Target, Warning, Off Target, Data Only "
        "(also accepted: Green = On Target, Amber = Warning, Red = Off Target), or leave it blank"
    ]
