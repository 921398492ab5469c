"""Agent behaviour evals: persona scenarios run against the interviewer in text mode.

Each scenario plays a simulated candidate (a persona) against the real interviewer agent
(`agent.interviewer.Interviewer` built through its public constructor, with its phase machine
and persistence) and judges the conversation with livekit-agents' judges plus our own
deterministic checks. With GOOGLE_API_KEY (`python -m agent.scenarios`) the interviewer, the
candidate and the judges are Gemini; the test suite runs the same code with scripted models.
"""

from .checks import (
    FollowupFlaggedJudge,
    NoInstructionLeakJudge,
    NoPrematureEndJudge,
    PhaseOrderJudge,
    ToolUsedJudge,
)
from .personas import PERSONAS, Persona, persona
from .runner import ScenarioResult, ScriptedCandidate, SimulatedCandidate, run_scenario

__all__ = [
    "PERSONAS",
    "FollowupFlaggedJudge",
    "NoInstructionLeakJudge",
    "NoPrematureEndJudge",
    "Persona",
    "PhaseOrderJudge",
    "ScenarioResult",
    "ScriptedCandidate",
    "SimulatedCandidate",
    "ToolUsedJudge",
    "persona",
    "run_scenario",
]
