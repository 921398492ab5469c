"""Per-interview vision aggregates: a pure function over stored observations.

It lives here (not in interview_store) because only the agent writes these observations;
the evals process reads the same rows and may compute its own figures with the same rules:

- face_visible_pct = Σ face_s / Σ observed_s over `face_window` rows (camera time only);
- looking_away_pct = Σ away_s / Σ face_s (share of the time the face was visible);
- multi_face_events = `face_state` rows whose presence became "multiple";
- notable_moments = every Gemini observation, every multi-face start, every long absence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from interview_store import Observation


@dataclass
class PhaseFigures:
    observed_s: float = 0.0
    face_s: float = 0.0
    away_s: float = 0.0

    @property
    def face_visible_pct(self) -> float | None:
        return _pct(self.face_s, self.observed_s)

    @property
    def looking_away_pct(self) -> float | None:
        return _pct(self.away_s, self.face_s)


@dataclass
class VisionSummary:
    observed_s: float = 0.0
    face_visible_pct: float | None = None
    looking_away_pct: float | None = None
    multi_face_events: int = 0
    absences: int = 0
    notable_moments: list[dict[str, Any]] = field(default_factory=list)
    per_phase: dict[str, PhaseFigures] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "observed_s": round(self.observed_s, 1),
            "face_visible_pct": self.face_visible_pct,
            "looking_away_pct": self.looking_away_pct,
            "multi_face_events": self.multi_face_events,
            "absences": self.absences,
            "notable_moments": self.notable_moments,
            "per_phase": {
                phase: {
                    "observed_s": round(f.observed_s, 1),
                    "face_visible_pct": f.face_visible_pct,
                    "looking_away_pct": f.looking_away_pct,
                }
                for phase, f in self.per_phase.items()
            },
        }


def summarise(observations: Iterable[Observation]) -> VisionSummary:
    summary = VisionSummary()
    total = PhaseFigures()
    for obs in sorted(observations, key=lambda o: o.at):
        if obs.source == "local" and obs.kind == "face_window":
            observed = float(obs.data.get("observed_s", 0.0))
            face = float(obs.data.get("face_s", 0.0))
            away = float(obs.data.get("away_s", 0.0))
            for figures in (
                total,
                summary.per_phase.setdefault(obs.phase or "unknown", PhaseFigures()),
            ):
                figures.observed_s += observed
                figures.face_s += face
                figures.away_s += away
        elif obs.source == "local" and obs.kind == "face_state":
            if obs.data.get("presence") == "multiple":
                summary.multi_face_events += 1
                summary.notable_moments.append(
                    _moment(obs, f"{obs.data.get('faces', 2)} faces in view")
                )
        elif obs.source == "local" and obs.kind == "absence":
            summary.absences += 1
            summary.notable_moments.append(
                _moment(obs, f"no face on camera for {obs.data.get('seconds', '?')} s")
            )
        elif obs.source == "gemini":
            summary.notable_moments.append(_moment(obs, str(obs.data.get("description", obs.kind))))
    summary.observed_s = total.observed_s
    summary.face_visible_pct = total.face_visible_pct
    summary.looking_away_pct = total.looking_away_pct
    return summary


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole > 0 else None


def _moment(obs: Observation, text: str) -> dict[str, Any]:
    return {
        "at": obs.at,
        "phase": obs.phase,
        "source": obs.source,
        "kind": obs.kind,
        "confidence": obs.confidence,
        "text": text,
    }
