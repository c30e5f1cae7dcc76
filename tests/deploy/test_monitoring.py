"""monitoring/alerts.yml and the runbook: rules read series that exist and link real sections."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from common import metrics
from common.metrics import State, StateCollector

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = REPO / "docs" / "operations.md"
REQUIRED = {
    "YtdtFunctionDown",
    "YtdtHighErrorRate",
    "YtdtQuotaAbove80Percent",
    "YtdtNoSuccessfulDispatch",
    "YtdtSlackDeliveriesFailed",
}


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((REPO / "monitoring" / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def exported_series() -> set[str]:
    """Every series name the functions export (counters with _total, histogram parts, gauges)."""
    names: set[str] = set()
    collectors = [
        metrics.REQUESTS,
        metrics.REQUEST_SECONDS,
        metrics.SCANS,
        metrics.QUOTA_UNITS,
        metrics.EVENTS,
        metrics.DELIVERIES,
        metrics.DISPATCH_RUNS,
    ]
    for collector in collectors:
        for family in collector.describe():
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
            names.update(family.name + s for s in suffixes.get(family.type, [""]))
    state = State(1, 10, datetime.now(UTC), {"pending": 0, "failed": 0})
    names.update(family.name for family in StateCollector(lambda: state).collect())
    return names


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_the_issue_s_alerts_are_all_there_with_severity_and_summary(
    rules: list[dict[str, Any]],
) -> None:
    assert {rule["alert"] for rule in rules} >= REQUIRED
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "warn")
        assert rule["annotations"]["summary"]


def test_every_ytdt_series_an_alert_reads_is_exported(rules: list[dict[str, Any]]) -> None:
    exported = exported_series()
    used = {name for rule in rules for name in re.findall(r"\bytdt_\w+", rule["expr"])}
    assert used, "the rules read no series of ours"
    assert used <= exported, used - exported


def test_every_alert_links_a_runbook_section_that_exists(rules: list[dict[str, Any]]) -> None:
    sections = anchors(RUNBOOK.read_text())
    for rule in rules:
        page, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert page == "docs/operations.md"
        assert anchor in sections, (rule["alert"], anchor)


def test_the_runbook_covers_the_issue_s_topics_each_with_a_japanese_summary() -> None:
    text = RUNBOOK.read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    titles = [section.splitlines()[0] for section in sections]
    for topic in ("Deploy", "Rollback", "Rotate keys and tokens", "Restore from backup"):
        assert topic in titles
    assert any(title.startswith("Health checks") for title in titles)
    for section in sections:
        summaries = [line for line in section.splitlines() if line.startswith("> ")]
        japanese = "".join(summaries)
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", japanese), section.splitlines()[0]


def test_make_targets_the_runbook_uses_exist() -> None:
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.MULTILINE))
    used = set(re.findall(r"`make ([\w-]+)", RUNBOOK.read_text()))
    assert used and used <= targets, used - targets
