"""The agent worker as ops see it, without a LiveKit server: a real worker process started
through livekit-agents' `start` command (tests/deploy_worker.py) running one simulated interview
in a real job process.

Checked: the health endpoint (`/`) and worker info (`/worker`, with our load), the Prometheus
endpoint merging the job process's metrics (multiprocess mode), and SIGTERM: the worker drains,
the running interview continues until it ends by itself, and only then the worker exits 0.
What needs a LiveKit server (dispatch, the worker status LiveKit sees while draining) is not
covered here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.timing

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait_for(what: str, probe: Callable[[], T | None], proc: subprocess.Popen[bytes]) -> T:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"worker exited ({proc.returncode}) while waiting for {what}"
        try:
            value = probe()
        except OSError:
            value = None
        if value is not None:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _samples(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()) if k != "nodename")
            out[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return out


class Worker:
    def __init__(self, tmp: Path) -> None:
        self.dir = tmp
        self.http_port = _free_port()
        self.metrics_port = _free_port()
        self.log = tmp / "worker.log"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp),
            "PYTHONPATH": str(ROOT),
            "DEPLOY_TEST_DIR": str(tmp),
            # nothing listens there: the worker keeps retrying, which is all it needs here
            "LIVEKIT_URL": f"ws://127.0.0.1:{_free_port()}",
            "LIVEKIT_API_KEY": "devkey",
            "LIVEKIT_API_SECRET": "devsecret-devsecret-devsecret-0123",
            "GOOGLE_API_KEY": "dummy",
            "STORAGE_DIR": str(tmp / "data"),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
            "AGENT_HTTP_PORT": str(self.http_port),
            "METRICS_PORT": str(self.metrics_port),
            "MAX_INTERVIEWS_PER_WORKER": "1",
            "NUM_IDLE_PROCESSES": "0",
            "LOAD_THRESHOLD": "0.7",
            "DRAIN_TIMEOUT": "300",
        }
        self._log_file = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.deploy_worker import main; main()"],
            cwd=tmp,  # no .env of the working tree
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def url(self, path: str, *, metrics: bool = False) -> str:
        return f"http://127.0.0.1:{self.metrics_port if metrics else self.http_port}{path}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # the process we started, by its handle
            self.proc.wait(timeout=30)
        self._log_file.close()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    w = Worker(tmp_path)
    try:
        yield w
    finally:
        w.close()


def test_health_metrics_and_drain_of_a_running_interview(worker: Worker) -> None:
    proc = worker.proc
    _wait_for("the interview to start", lambda: (worker.dir / "started").exists() or None, proc)

    # livekit-agents' health server
    status, body = _get(worker.url("/"))
    assert (status, body) == (200, "OK")

    def loaded() -> dict[str, object] | None:
        status, body = _get(worker.url("/worker"))
        info: dict[str, object] = json.loads(body)
        return info if status == 200 and float(str(info["worker_load"])) >= 0.7 else None

    info = _wait_for("/worker to report the interview's load", loaded, proc)
    assert info["active_jobs"] == 1
    assert info["agent_name"] == "interviewer"

    # the job process's metrics, merged by the worker's /metrics
    def scraped() -> dict[str, float] | None:
        _status, body = _get(worker.url("/metrics", metrics=True))
        values = _samples(body)
        return values if values.get("interview_active_interviews") == 1 else None

    values = _wait_for("/metrics to show the running interview", scraped, proc)
    assert values["interview_turn_latency_seconds_count"] == 2
    assert values["interview_turn_latency_seconds_sum"] == pytest.approx(2.0)
    assert values["interview_turn_latency_seconds_bucket{le=1.5}"] == 2
    assert values["interview_turn_latency_seconds_bucket{le=0.75}"] == 1
    assert values["interview_gemini_errors_total{recoverable=true}"] == 1
    assert values["interview_gemini_reconnects_total{reason=error}"] == 1
    assert values["interview_analysis_queue_drops_total{queue=vision_local}"] == 2
    # livekit-agents' own metrics are served next to ours (the main process's, per pid)
    loads = [v for k, v in values.items() if k.startswith("lk_agents_worker_load")]
    assert loads and max(loads) >= 0.7

    # SIGTERM (what `docker stop` sends): drain, don't kill the interview
    proc.send_signal(signal.SIGTERM)
    time.sleep(2.0)
    assert proc.poll() is None, "the worker exited with an interview still running"
    assert not (worker.dir / "finished").exists()
    status, body = _get(worker.url("/worker"))
    assert status == 200 and json.loads(body)["active_jobs"] == 1

    # the interview ends by itself; then the worker exits cleanly
    (worker.dir / "release").write_text("")
    assert proc.wait(timeout=120) == 0, worker.log.read_text()[-4000:]
    finished_at = float((worker.dir / "finished").read_text())
    assert finished_at <= time.time()
    log = worker.log.read_text()
    assert "draining worker" in log and '"timeout": 300' in log  # DRAIN_TIMEOUT reached it
    assert "drain timed out" not in log
