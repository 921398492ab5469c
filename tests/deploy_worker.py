"""A worker process for test_deploy_worker.py: `python -m agent start`'s code path, one interview.

The server is composed like `agent.worker.build_server` (capacity options, metrics housekeeping)
and run through livekit-agents' own `start` command (`cli.run_app`), so SIGTERM goes through
the real drain. The interview is a simulated job (`AgentServer.simulate_job(fake_job=True)`:
a mock room, a real job process) because a real one needs a LiveKit server. Inside it, the
metrics flow through the agent's code paths (`interview_started`, `attach_session_metrics` on an
`AgentSession` receiving the events livekit-agents emits); it ends when the test creates
`$DEPLOY_TEST_DIR/release`, the way an interview ends: the session closes, the job shuts down.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from livekit.agents import AgentServer, AgentSession, JobContext, cli, llm
from livekit.agents.voice.events import ConversationItemAddedEvent, ErrorEvent

from agent import capacity
from agent import prometheus_metrics as metrics
from agent.worker import get_settings


def _gate(name: str) -> Path:
    return Path(os.environ["DEPLOY_TEST_DIR"]) / name


async def interview(ctx: JobContext) -> None:
    """Runs in the job process."""
    metrics.interview_started()
    try:
        session: AgentSession = AgentSession()
        metrics.attach_session_metrics(session)
        for latency in (0.6, 1.4):
            reply = llm.ChatMessage(
                role="assistant", content=["Go on."], metrics={"e2e_latency": latency}
            )
            session.emit("conversation_item_added", ConversationItemAddedEvent(item=reply))
        error = llm.RealtimeModelError(
            timestamp=time.time(), label="google.realtime", error=OSError("1011"), recoverable=True
        )
        session.emit("error", ErrorEvent(error=error, source=None))
        metrics.record_analysis_drop("vision_local", 2)
        _gate("started").write_text(str(os.getpid()))
        while not _gate("release").exists():  # noqa: ASYNC110 - a file from another process
            await asyncio.sleep(0.05)
        _gate("finished").write_text(str(time.time()))
    finally:
        metrics.interview_ended()
    ctx.shutdown(reason="session closed: interview ended")


def main() -> None:
    settings = get_settings()
    server = AgentServer(
        ws_url=settings.livekit_url,
        api_key=settings.livekit_api_key,
        api_secret=settings.livekit_api_secret.get_secret_value(),
        **capacity.server_options(settings),
    )
    metrics.install_worker_housekeeping(server, interval_s=1.0)
    server.rtc_session(interview, agent_name=settings.agent_name)

    @server.once("worker_started")
    def _simulate_interview() -> None:
        asyncio.get_running_loop().create_task(server.simulate_job("interview-room", fake_job=True))

    sys.argv = [sys.argv[0], "start"]
    cli.run_app(server)


if __name__ == "__main__":
    main()
