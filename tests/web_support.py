"""Helpers for the browser tests of `web/`: the real token server in a subprocess, Debian
Chromium through Playwright, a built `web/dist`, a real recording made at test time, and a
stored interview seeded through `interview_store`.

Chromium is always the system one (`/usr/bin/chromium`); Playwright never downloads a browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import fractions
import functools
import os
import shutil
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from livekit import api
from playwright.async_api import Page as AsyncPage
from playwright.sync_api import Page

from evals.evaluation import write_html
from interview_store import (
    CandidateFeedback,
    DimensionScore,
    EventKind,
    EvidenceQuote,
    HumanReviewItem,
    InterviewEvent,
    InterviewPlan,
    InterviewStatus,
    InterviewStore,
    LearningItem,
    Observation,
    ObservationKind,
    Phase,
    Recommendation,
    RecommendationValue,
    Recording,
    RecordingKind,
    Report,
    ReportFlag,
    TranscriptItem,
    database_url_for,
)
from tests.fake_interview import stored_report

REPO = Path(__file__).resolve().parent.parent
WEB_DIR = REPO / "web"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # a camera and a microphone for the device check, without a permission prompt
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]

AXE_JS = WEB_DIR / "node_modules" / "axe-core" / "axe.min.js"
_AXE_RUN = "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"

AxeProblem = tuple[str, str, list[Any]]
"""axe's rule id, impact and the first few offending elements: readable in a failed assert."""


@functools.cache
def _axe_source() -> str:
    # evaluated over CDP rather than added as a <script>: the page's own CSP stays in force
    return AXE_JS.read_text() + "\n;0"


def _problems(result: Mapping[str, Any]) -> list[AxeProblem]:
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]
    ]


def axe_wcag_aa(page: Page) -> list[AxeProblem]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now."""
    page.evaluate(_axe_source())
    return _problems(page.evaluate(_AXE_RUN))


async def axe_wcag_aa_async(page: AsyncPage) -> list[AxeProblem]:
    """`axe_wcag_aa` for the async Playwright tests (the live room)."""
    await page.evaluate(_axe_source())
    return _problems(await page.evaluate(_AXE_RUN))


async def open_room(page: AsyncPage, created: Mapping[str, str]) -> None:
    """What the setup page leaves behind after creating the interview (the session in
    sessionStorage), then the room: the live-room browser tests' way in."""
    await page.goto("/")
    await page.evaluate(
        "s => sessionStorage.setItem('interview.session', JSON.stringify(s))",
        {**created, "created_at": int(time.time() * 1000)},
    )
    await page.goto("/room")


def sign_in_recruiter(page: Page) -> None:
    """The seeded recruiter, through the API with the page's own cookie jar (test_web_ui tests
    the sign-in form itself)."""
    r = page.request.post(
        "/api/auth/sign-in", data={"email": RECRUITER_EMAIL, "password": RECRUITER_PASSWORD}
    )
    assert r.ok, r.text()


API_KEY = "APIwebtest"
API_SECRET = "web-test-secret-web-test-secret-0123456"
RECRUITER_TOKEN = "recruiter-web-test-token-0123456789"
RECRUITER_EMAIL = "recruiter@example.com"
RECRUITER_PASSWORD = "web-test-password-0123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_web_build() -> Path:
    """`.ci/run` builds web/ before the tests; locally, build it once if it is missing."""
    dist = WEB_DIR / "dist"
    if not (dist / "index.html").is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("web/dist is missing and npm is not installed")
        if not (WEB_DIR / "node_modules").is_dir():
            subprocess.run([npm, "ci"], cwd=WEB_DIR, check=True)
        subprocess.run([npm, "run", "build"], cwd=WEB_DIR, check=True)
    return dist


@dataclass
class TokenServer:
    base_url: str
    storage_dir: Path
    livekit_url: str
    log_path: Path

    def store(self) -> InterviewStore:
        return InterviewStore(
            database_url=database_url_for(None, self.storage_dir), storage_dir=self.storage_dir
        )

    def mint(self, *, room: str, identity: str, ttl: timedelta = timedelta(minutes=15)) -> str:
        return (
            api.AccessToken(API_KEY, API_SECRET)
            .with_identity(identity)
            .with_ttl(ttl)
            .with_grants(api.VideoGrants(room_join=True, room=room))
            .to_jwt()
        )


@contextmanager
def run_token_server(
    tmp: Path, dist: Path, *, extra_env: Mapping[str, str] | None = None
) -> Iterator[TokenServer]:
    """`python -m tokenserver` exactly as deployed, with LIVEKIT_URL on a closed loopback port
    (nothing listens there, so the browser's LiveKit connection is refused). `extra_env`
    adds settings (e.g. a planner endpoint) on top of these."""
    port = free_port()
    livekit_url = f"ws://127.0.0.1:{free_port()}"
    storage = tmp / "storage"
    log_path = tmp / "tokenserver.log"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp)),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "STORAGE_DIR": str(storage),
        "LIVEKIT_URL": livekit_url,
        "LIVEKIT_API_KEY": API_KEY,
        "LIVEKIT_API_SECRET": API_SECRET,
        "RECRUITER_TOKEN": RECRUITER_TOKEN,
        "WEB_DIST_DIR": str(dist),
        "RATE_LIMIT_PER_MINUTE": "1000",
        **(extra_env or {}),
    }
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tokenserver"],
            cwd=tmp,  # no stray .env from the repo
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"token server exited: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("token server did not become ready within 60 s")
                time.sleep(0.1)
            # the recruiter account, made the way an operator makes it
            subprocess.run(
                [
                    *(sys.executable, "-m", "tokenserver", "users", "add", RECRUITER_EMAIL),
                    *("--role", "admin", "--password-stdin"),
                ],
                cwd=tmp,
                env=env,
                input=RECRUITER_PASSWORD.encode(),
                check=True,
                capture_output=True,
            )
            yield TokenServer(base_url, storage, livekit_url, log_path)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- media made at test time ------------------------------------------------------------


def speech_wav(path: Path, text: str) -> Path:
    """Real synthetic speech (Debian espeak-ng)."""
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), text], check=True)
    return path


def make_recording(path: Path, *, seconds: float, speech: Path) -> None:
    """A small WebM (VP8 video + Opus audio) like an egress recording: a moving bar over a
    coloured background, with the speech as its audio track. Written with PyAV."""
    import av  # PyAV ships with livekit-agents

    with wave.open(str(speech)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    total = int(seconds * 48000)
    # resample to 48 kHz by linear interpolation; pad with silence to the full length
    t_src = np.arange(len(pcm)) / rate
    t_dst = np.arange(int(len(pcm) * 48000 / rate)) / 48000
    audio = np.interp(t_dst, t_src, pcm).astype(np.int16)[:total]
    audio = np.pad(audio, (0, total - len(audio)))

    fps = 10
    with av.open(str(path), "w", format="webm") as out:
        vs = out.add_stream("libvpx", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        vs.bit_rate = 200_000
        astream = out.add_stream("libopus", rate=48000)
        astream.layout = "mono"
        for i in range(int(seconds * fps)):
            img = np.zeros((120, 160, 3), dtype=np.uint8)
            img[:, :] = (30, 60, 140)
            x = int(i / (seconds * fps) * 150)
            img[40:80, x : x + 10] = (250, 200, 60)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = fractions.Fraction(1, fps)
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        chunk = 960
        for start in range(0, total, chunk):
            block = audio[start : start + chunk]
            if len(block) < chunk:
                block = np.pad(block, (0, chunk - len(block)))
            sound = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
            sound.sample_rate = 48000
            sound.pts = start
            sound.time_base = fractions.Fraction(1, 48000)
            for packet in astream.encode(sound):
                out.mux(packet)
        for packet in astream.encode():
            out.mux(packet)


# --- a stored interview -------------------------------------------------------------------


def make_report(interview_id: str, t0: float) -> Report:
    """A typed report as `evals` stores it: one dimension whose runs disagree, one whose
    evidence was not found (unsupported, excluded from the overall), and a verified quote
    said 2.6 s into the recording."""
    quote = EvidenceQuote(
        quote="We capped the pool at twenty connections",
        turn="T2",
        timestamp=t0 + 2.6,
        offset_s=2.6,
        verified=True,
    )
    learning_plan = [
        LearningItem(
            topic="Database indexing",
            why="Struggled with covering indexes.",
            actions=["Read Use The Index, Luke"],
        )
    ]
    strengths = ["Backed claims with numbers from real work."]
    improvements = ["Lead with the conclusion, then the detail."]

    def dimension(
        key: str, name: str, score: float | None, runs: list[int], **kw: Any
    ) -> DimensionScore:
        fields: dict[str, Any] = {
            "question": f"How strong is the candidate's {name.lower()}?",
            "supported": score is not None,
            "disagreement": False,
            "anchor": None,
            "rationale": "",
            "evidence": [],
            "rejected_evidence": [],
        }
        fields.update(kw)
        return DimensionScore(key=key, name=name, score=score, run_scores=runs, **fields)

    return stored_report(
        interview_id,
        overall_score=3.5,
        recommendation=Recommendation(
            value=RecommendationValue.YES,
            label="Yes",
            advice="Advice to the hiring team, not a decision: the evidence supports it.",
            bar=3.0,
            basis="overall 3.50 over 3 supported dimensions",
        ),
        dimensions=[
            dimension(
                "technical_depth",
                "Technical depth",
                4.0,
                [4, 4],
                rationale="Explained connection pooling trade-offs with a concrete example.",
                evidence=[quote],
            ),
            dimension(
                "communication",
                "Communication",
                3.0,
                [2, 4],
                disagreement=True,
                rationale="Clear in places, rambling in others.",
                evidence=[quote],
            ),
            dimension(
                "experience_authenticity",
                "Experience authenticity",
                None,
                [4, 4],
                rationale="Claims a team of twelve.",
                rejected_evidence=[
                    EvidenceQuote(
                        quote="I led a team of twelve",
                        turn=None,
                        timestamp=None,
                        offset_s=None,
                        verified=False,
                        reason="not found",
                    )
                ],
            ),
            dimension(
                "problem_solving",
                "Problem solving",
                3.5,
                [3, 4],
                rationale="Reasoned from load tests.",
            ),
        ],
        human_review=[
            HumanReviewItem(
                dimension="communication",
                reason="scoring runs disagree by more than 1 point (2 vs 4)",
            ),
            HumanReviewItem(
                dimension="experience_authenticity",
                reason="no evidence quote could be found in the transcript; "
                "score excluded from the overall",
            ),
        ],
        strengths=strengths,
        improvements=improvements,
        learning_plan=learning_plan,
        cv_accuracy_notes=["The CV says 'led a team'; the answers describe a team of three."],
        body_language_notes=["Face visible in 92% of 40 analysed frames."],
        flags=[
            ReportFlag.NEEDS_HUMAN_REVIEW,
            ReportFlag.SCORE_DISAGREEMENT,
            ReportFlag.UNSUPPORTED_EVIDENCE,
        ],
        candidate_feedback=CandidateFeedback(
            strengths=strengths, improvements=improvements, learning_plan=learning_plan
        ),
    )


TRANSCRIPT = [
    # (offset s, end s, speaker, text, phase)
    (0.4, 2.2, "interviewer", "Welcome! Tell me about your last project.", "intro"),
    (
        2.6,
        4.4,
        "candidate",
        "I built a payments API and we capped the pool at twenty connections.",
        "intro",
    ),
    (4.6, 6.0, "interviewer", "How did you choose that number?", "technical"),
    (6.2, 7.8, "candidate", "We load tested it and watched the database CPU.", "technical"),
]


async def seed_interview(
    store: InterviewStore,
    *,
    recording: Path | None,
    role: str = "Backend engineer",
    candidate_name: str = "Ada Example",
    with_report: bool = True,
) -> tuple[str, float]:
    """A finished, evaluated interview with transcript, phases, observations, a recording
    and a rendered report. Returns (id, epoch of 0:00 in the recording)."""
    rec = await store.create(InterviewPlan(role=role, candidate_name=candidate_name))
    await store.set_status(rec.id, InterviewStatus.LIVE)
    live = await store.get(rec.id)
    assert live is not None and live.started_at is not None
    t0 = live.started_at.timestamp()
    for i, (start, end, speaker, text, phase) in enumerate(TRANSCRIPT):
        await store.append_transcript(
            rec.id,
            TranscriptItem(
                item_id=f"item-{i}",
                speaker=speaker,
                text=text,
                start_time=t0 + start,
                end_time=t0 + end,
                phase=Phase(phase),
            ),
        )
    for at, phase, prev in (
        (0.0, "intro", None),
        (4.5, "technical", "intro"),
        (7.9, "wrap_up", "technical"),
    ):
        await store.append_event(
            rec.id,
            InterviewEvent(
                kind=EventKind.PHASE_CHANGE,
                at=t0 + at,
                phase=phase,
                data={"from": prev, "to": phase},
            ),
        )
    await store.append_observation(
        rec.id,
        Observation(
            at=t0 + 1.5,
            source="local",
            kind=ObservationKind.FACE_STATE,
            phase="intro",
            confidence=0.8,
            data={"looking_away": True, "face_visible": True},
        ),
    )
    await store.append_observation(
        rec.id,
        Observation(
            at=t0 + 5.0,
            source="gemini",
            kind=ObservationKind.READING_FROM_NOTES,
            phase="technical",
            confidence=0.6,
            data={"description": "eyes move along lines off-screen"},
        ),
    )
    if recording is not None:
        folder = store.files_dir(rec.id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "egress.webm"
        shutil.copy(recording, target)
        await store.add_recording(
            rec.id,
            Recording(kind=RecordingKind.EGRESS, location=str(target), duration_s=8.0),
        )
    await store.set_status(rec.id, InterviewStatus.ENDED)
    if with_report:
        await store_report(store, rec.id, make_report(rec.id, t0))
    return rec.id, t0


async def store_report(store: InterviewStore, interview_id: str, report: Report) -> None:
    """Store the report and draw report.html the way `evals` does (the same template and
    the same render-state bookkeeping), so the dashboard embeds the real page."""
    await store.save_report(interview_id, report)
    record = await store.get(interview_id)
    assert record is not None
    _, render = await write_html(store.files_dir(interview_id), record, report)
    await store.set_report_render(interview_id, render)


def run(coro: Any) -> Any:
    """Run a coroutine to completion from sync test code. In a worker thread: Playwright's sync
    API keeps an event loop marked as running on the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def with_store(server: TokenServer, fn: Any) -> Any:
    store = server.store()
    try:
        return await fn(store)
    finally:
        await store.aclose()


def store_call(server: TokenServer, fn: Any) -> Any:
    """`fn(store)` on the running token server's database, from sync (Playwright) test code."""
    return run(with_store(server, fn))
