"""The rubric: five dimensions, each 1–5 with behaviourally anchored levels, plus calibration
examples.

Anchors describe what the candidate *said or did* at each level, never traits, so two runs
(and two human reviewers) land on the same number from the same evidence. The calibration
examples show the model how an anchor maps onto a short exchange, including the common trap
of rewarding confident vagueness. Changing this file changes every future score: keep it
reviewed like code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    key: str
    name: str
    question: str
    """What the dimension measures, as the question a reviewer asks."""
    levels: tuple[str, str, str, str, str]
    """Anchors for scores 1..5."""


@dataclass(frozen=True)
class CalibrationExample:
    dimension: str
    excerpt: str
    score: int
    why: str


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        key="technical_depth",
        name="Technical depth",
        question="How deep and correct is the candidate's knowledge of the topics discussed?",
        levels=(
            "Cannot explain basic concepts of the role; answers are wrong or only buzzwords.",
            "Names the right concepts but explanations are shallow or contain notable errors; "
            "cannot go one level deeper when asked.",
            "Explains core concepts correctly with concrete examples; handles the first "
            "follow-up but struggles with trade-offs or internals.",
            "Explains internals and trade-offs correctly, compares alternatives, and ties them "
            "to concrete situations they have handled.",
            "Reasons precisely about edge cases, failure modes and performance; corrects or "
            "refines the question itself; depth holds across several follow-ups.",
        ),
    ),
    Dimension(
        key="problem_solving",
        name="Problem solving",
        question="How does the candidate approach an unfamiliar problem?",
        levels=(
            "Does not engage with the problem, or jumps to an unrelated answer.",
            "Starts without clarifying the problem; an approach emerges only with heavy hints; "
            "does not check the result.",
            "Clarifies the problem, proposes a workable approach, needs some hints, checks at "
            "least the main case.",
            "Breaks the problem down, states assumptions, compares two approaches with their "
            "costs, tests edge cases unprompted.",
            "Structures the problem quickly, finds an efficient approach, anticipates edge "
            "cases and failure modes, and explains the reasoning as they go.",
        ),
    ),
    Dimension(
        key="communication",
        name="Communication",
        question="How clearly and efficiently does the candidate convey their thinking?",
        levels=(
            "Answers are hard to follow or do not address the question asked.",
            "Rambles or is very terse; the listener must ask repeatedly to understand the point.",
            "Mostly clear and on-topic; occasional rambling or missing structure.",
            "Clear, structured answers sized to the question; checks the listener understood.",
            "Concise and well structured throughout; adapts the level of detail to the "
            "listener; summarises complex ideas crisply.",
        ),
    ),
    Dimension(
        key="experience_authenticity",
        name="Experience authenticity",
        question=(
            "Do the candidate's answers about their own experience match the CV and hold up "
            "under specific follow-up questions? (Consistency of claims, not honesty as a trait.)"
        ),
        levels=(
            "Answers contradict the CV's claims, or the candidate cannot give any specifics "
            "about experience the CV lists.",
            "Specifics about claimed experience are thin or generic; follow-ups get vaguer "
            "rather than more concrete.",
            "Gives some concrete specifics for the main CV claims; a few claims stay generic.",
            "Gives concrete specifics (decisions, numbers, problems met) for most claims, "
            "consistent with the CV.",
            "Every claim probed is backed by specific, consistent detail, including what went "
            "wrong and what they would do differently.",
        ),
    ),
    Dimension(
        key="collaboration",
        name="Collaboration signals",
        question="How does the candidate work with others, including the interviewer?",
        levels=(
            "Dismisses questions or hints; describes team work only as others' failures.",
            "Rarely asks clarifying questions; mentions team work without their own role.",
            "Accepts hints and adjusts; describes their role in a team in general terms.",
            "Asks good clarifying questions, builds on hints, and describes concrete "
            "collaboration (reviews, disagreements resolved, helping others).",
            "Treats the interview as joint problem solving; gives specific examples of "
            "resolving conflict, mentoring or aligning people, with outcomes.",
        ),
    ),
)

DIMENSION_KEYS: tuple[str, ...] = tuple(d.key for d in DIMENSIONS)


CALIBRATION: tuple[CalibrationExample, ...] = (
    CalibrationExample(
        dimension="technical_depth",
        excerpt=(
            "Interviewer: How would you make this endpoint faster?\n"
            "Candidate: I'd add caching, caching makes everything faster, and maybe use "
            "microservices for scalability."
        ),
        score=2,
        why=(
            "Right buzzwords, no mechanism: what to cache, invalidation, or why microservices "
            "would help are missing. Confidence is not depth."
        ),
    ),
    CalibrationExample(
        dimension="problem_solving",
        excerpt=(
            "Candidate: Before I code it — can the input contain duplicates? ... OK, then a "
            "hash set gives O(n); sorting would be O(n log n) but no extra memory. Let me try "
            "the empty list and a single element first."
        ),
        score=4,
        why=(
            "Clarifies, compares two approaches with costs and tests edge cases unprompted. "
            "Not 5: no discussion of failure modes beyond the obvious."
        ),
    ),
    CalibrationExample(
        dimension="experience_authenticity",
        excerpt=(
            "CV: 'Led migration of payments service to Kubernetes.'\n"
            "Interviewer: What was the hardest part of that migration?\n"
            "Candidate: Our readiness probes hit the database, so during a DB failover every "
            "pod went unready at once; we split liveness from a dependency check."
        ),
        score=4,
        why=(
            "A specific problem, its cause and the fix, consistent with the CV claim. A 5 "
            "would need this level of detail across several probed claims."
        ),
    ),
)


def rubric_text() -> str:
    """The rubric as it appears in the system instruction."""
    lines = []
    for d in DIMENSIONS:
        lines.append(f"### {d.key} — {d.name}\n{d.question}")
        lines.extend(f"  {score}: {anchor}" for score, anchor in enumerate(d.levels, start=1))
        lines.append("")
    return "\n".join(lines).rstrip()


def calibration_text() -> str:
    blocks = []
    for i, ex in enumerate(CALIBRATION, start=1):
        blocks.append(
            f"Example {i} ({ex.dimension}):\n{ex.excerpt}\n→ score {ex.score}. Why: {ex.why}"
        )
    return "\n\n".join(blocks)
