"""The alert rules (deploy/prometheus/) and the Grafana dashboard (deploy/grafana/).

promtool (Debian's `prometheus` package, installed by .ci/install-system-deps.sh) checks the
rules and runs their unit tests; these tests also pin what promtool cannot see: every metric an
alert or a panel queries is one the product really exports (agent/prometheus_metrics.py and
livekit-agents' telemetry, read from the prometheus_client registry, not from a list kept here),
every label matcher names a label and value those metrics carry, every alert has a firing and a
quiet unit test, and the capacity threshold is the agent's own `load_threshold`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from livekit.agents.telemetry import metrics as livekit_metrics
from prometheus_client.metrics import MetricWrapperBase

from agent import prometheus_metrics
from agent.settings import AgentSettings
from evals import prometheus_metrics as evals_metrics
from tokenserver import prometheus_metrics as tokenserver_metrics

ROOT = Path(__file__).resolve().parent.parent
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
ALERTS_TEST = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
PROMETHEUS_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "interviews.json"

# labels Prometheus adds to every scraped series, and the one prometheus_client's multiprocess
# mode adds to gauges that are not aggregated (lk_agents_worker_load: mode "all")
TARGET_LABELS = {"instance", "job", "pid"}
# label values our code can produce, per label name (bounded by design)
LABEL_VALUES = {
    # `reason` is a label of three counters: Gemini reconnects, failovers, webhook failures
    "reason": {
        *prometheus_metrics.RECONNECT_REASONS,
        *prometheus_metrics.FAILOVER_REASONS,
        *tokenserver_metrics.WEBHOOK_FAILURE_REASONS,
    },
    "recoverable": {"true", "false"},
    "to": set(prometheus_metrics.FAILOVER_DIRECTIONS),
    "outcome": set(evals_metrics.OUTCOMES),
}
PROMQL_WORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "le",
}  # fmt: skip


@dataclass(frozen=True)
class Exported:
    """One metric family as a scrape shows it: its series names and label names."""

    family: str
    series: frozenset[str]
    labels: frozenset[str]


def exported_metrics() -> dict[str, Exported]:
    """Series name -> family, for every metric the agent worker's /metrics can carry."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "gauge": ("",),
    }
    by_series: dict[str, Exported] = {}
    for module in (prometheus_metrics, livekit_metrics, evals_metrics, tokenserver_metrics):
        for metric in vars(module).values():
            if not isinstance(metric, MetricWrapperBase):
                continue
            labels: tuple[str, ...] = metric._labelnames  # the declared label names
            for family in metric.describe():
                names = frozenset(family.name + s for s in suffixes[family.type])
                extra = {"le"} if family.type == "histogram" else set()
                entry = Exported(family.name, names, frozenset(labels) | extra)
                by_series.update(dict.fromkeys(names, entry))
    return by_series


EXPORTED = exported_metrics()
OUR_FAMILIES = {e.family for e in EXPORTED.values() if e.family.startswith("interview_")}


def promtool() -> str:
    exe = shutil.which("promtool")
    if exe is None:
        raise RuntimeError("promtool is missing: .ci/install-system-deps.sh installs prometheus")
    return exe


def run_promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd
    )


# --- reading PromQL without a PromQL parser: enough to find metric names and label matchers ---

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}")
_MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_IDENT = re.compile(r"(?<![\w:.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """The series names an expression selects (identifiers that are not functions, keywords,
    label names in groupings or matchers, durations or strings)."""
    text = _MATCHERS.sub(lambda m: m.group(1) or "", expr)
    text = _GROUPING.sub(" ", text)
    text = _STRING.sub(" ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery durations
    return {n for n in _IDENT.findall(text) if n.lower() not in PROMQL_WORDS}


def label_uses(expr: str) -> Iterator[tuple[str | None, str, str, str]]:
    """(metric or None, label, operator, value) for every label matcher."""
    for m in _MATCHERS.finditer(expr):
        for label, op, value in _MATCHER.findall(m.group(2)):
            yield m.group(1), label, op, value


def grouping_labels(expr: str) -> set[str]:
    return {
        label.strip()
        for m in _GROUPING.finditer(expr)
        for label in m.group(2).split(",")
        if label.strip()
    }


def assert_queries_real_metrics(where: str, expr: str) -> set[str]:
    """Every selected series, matcher label and label value exists; returns the families."""
    names = metric_names(expr)
    assert names, f"{where}: no metric found in {expr!r}"
    unknown = names - EXPORTED.keys()
    assert not unknown, f"{where}: {sorted(unknown)} are not exported by the product"
    allowed_labels = set(TARGET_LABELS)
    for name in names:
        allowed_labels |= EXPORTED[name].labels
    for metric, label, op, value in label_uses(expr):
        own = EXPORTED[metric].labels | TARGET_LABELS if metric else allowed_labels
        assert label in own, f"{where}: {metric} has no label {label!r}"
        if label in LABEL_VALUES and op in ("=", "!="):
            assert value in LABEL_VALUES[label], f"{where}: {label}={value!r} never happens"
        if label in LABEL_VALUES and op in ("=~", "!~"):
            parts = set(value.split("|"))
            assert parts <= LABEL_VALUES[label], f"{where}: {label}=~{value!r} never happens"
    extra = grouping_labels(expr) - allowed_labels
    assert not extra, f"{where}: groups by labels no selected metric has: {sorted(extra)}"
    return {EXPORTED[n].family for n in names}


def test_promql_reader_sees_names_and_matchers() -> None:
    """The reader above is what catches an invented metric: pin what it extracts."""
    expr = (
        'histogram_quantile(0.95, sum by (le, instance) (rate(made_up_seconds_bucket{le!="",'
        'reason=~"go_away|stall"}[5m]))) / on () clamp_min(sum(other_total offset 1h), 1) > 0.5'
    )
    assert metric_names(expr) == {"made_up_seconds_bucket", "other_total"}
    assert list(label_uses(expr)) == [
        ("made_up_seconds_bucket", "le", "!=", ""),
        ("made_up_seconds_bucket", "reason", "=~", "go_away|stall"),
    ]
    assert grouping_labels(expr) == {"le", "instance"}
    with pytest.raises(AssertionError, match="not exported"):
        assert_queries_real_metrics("x", "rate(interview_failovers_total[5m])")
    with pytest.raises(AssertionError, match="never happens"):
        assert_queries_real_metrics("x", 'interview_gemini_reconnects_total{reason="goaway"}')
    with pytest.raises(AssertionError, match="no label"):
        assert_queries_real_metrics("x", 'interview_turn_latency_seconds_count{queue="a"}')


# --- alert rules ------------------------------------------------------------------------------


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text())
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_promtool_check_rules() -> None:
    result = run_promtool("check", "rules", str(ALERTS), cwd=ALERTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass() -> None:
    result = run_promtool("test", "rules", str(ALERTS_TEST), cwd=ALERTS_TEST.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_config_loads_the_rules_and_scrapes_the_agents_metrics_port() -> None:
    result = run_promtool("check", "config", str(PROMETHEUS_CONFIG), cwd=PROMETHEUS_CONFIG.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert config["rule_files"] == ["alerts.yml"]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "agent"]
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == ["agent"]  # the docker-compose service, one A record per replica
    assert sd["port"] == AgentSettings.model_fields["metrics_port"].default


def test_unit_tests_fail_when_a_threshold_moves(tmp_path: Path) -> None:
    """The unit tests pin the thresholds: a p95 budget of 800 ms instead of 500 must fail."""
    rules = ALERTS.read_text()
    budget = "sum by (le) (rate(interview_turn_latency_seconds_bucket[1h]))) > 0.5"
    assert budget in rules
    (tmp_path / "alerts.yml").write_text(rules.replace(budget, budget[:-3] + "0.8"))
    shutil.copy(ALERTS_TEST, tmp_path / "alerts_test.yml")
    result = run_promtool("test", "rules", "alerts_test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "InterviewTurnLatencyP95High" in result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    doc = yaml.safe_load(ALERTS_TEST.read_text())
    assert doc["rule_files"] == ["alerts.yml"]
    fires: set[str] = set()
    quiet: set[str] = set()
    for test in doc["tests"]:
        for case in test.get("alert_rule_test", []):
            (fires if case["exp_alerts"] else quiet).add(case["alertname"])
    names = {r["alert"] for r in alert_rules()}
    assert names - fires == set(), "alerts never shown to fire"
    assert names - quiet == set(), "alerts never shown to stay quiet"
    assert (fires | quiet) - names == set(), "tests of alerts that do not exist"


def test_alerts_are_actionable_and_query_real_metrics() -> None:
    rules = alert_rules()
    assert len({r["alert"] for r in rules}) == len(rules)
    covered: set[str] = set()
    for rule in rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        covered |= assert_queries_real_metrics(name, rule["expr"])
    # the alert list, on the metrics that exist today
    assert covered >= {
        "interview_turn_latency_seconds",
        "interview_gemini_errors",
        "interview_gemini_reconnects",
        "interview_analysis_queue_drops",
        "lk_agents_worker_load",
        "interview_model_failovers",
        "interview_evaluations",
        "interview_webhook_failures",
    }


def test_latency_alert_is_p95_over_500_ms_over_one_hour() -> None:
    (rule,) = [r for r in alert_rules() if r["alert"] == "InterviewTurnLatencyP95High"]
    expr = " ".join(rule["expr"].split())
    assert "histogram_quantile(0.95," in expr
    assert "interview_turn_latency_seconds_bucket[1h]" in expr and ") > 0.5 " in expr
    # 0.5 s must be a bucket boundary, or the quantile is a guess between buckets
    assert 0.5 in prometheus_metrics.TURN_LATENCY._upper_bounds


def test_capacity_alerts_use_the_agents_load_threshold() -> None:
    threshold = AgentSettings.model_fields["load_threshold"].default
    for rule in alert_rules():
        if "lk_agents_worker_load" in rule["expr"]:
            assert rule["expr"].strip().endswith(f">= {threshold}"), rule["alert"]


# --- Grafana dashboard ------------------------------------------------------------------------


def dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return doc


def graph_panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def test_dashboard_structure() -> None:
    doc = dashboard()
    assert doc["uid"] and doc["title"] and isinstance(doc["schemaVersion"], int)
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    occupied: set[tuple[int, int]] = set()
    for panel in doc["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["w"] > 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
    for panel in graph_panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        assert panel["description"], panel["title"]


def test_dashboard_queries_parse_and_use_real_metrics(tmp_path: Path) -> None:
    """Each panel query becomes a recording rule that `promtool check rules` parses (Grafana's
    `$__rate_interval` replaced by a duration, as Grafana does before querying)."""
    records: list[dict[str, str]] = []
    shown: set[str] = set()
    for panel in graph_panels():
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", "5m")
            assert "$" not in expr, f"{panel['title']}: unknown variable in {expr!r}"
            shown |= assert_queries_real_metrics(panel["title"], expr)
            records.append(
                {"record": f"dashboard:panel{panel['id']}:{target['refId']}", "expr": expr}
            )
    rules = tmp_path / "dashboard_rules.yml"
    rules.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": records}]}))
    result = run_promtool("check", "rules", str(rules), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert shown >= OUR_FAMILIES, f"metrics without a panel: {sorted(OUR_FAMILIES - shown)}"
