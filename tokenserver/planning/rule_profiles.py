"""Job and CV profiles without a model: the offline fallback of Gemini's extraction.

Deliberately plain: skills from the shared vocabulary (`skill_gap.SKILLS`) plus the CV's own
skills section, roles from lines holding a date range, claims from lines with numbers or
ownership verbs. Good enough to probe a CV's concrete claims and the job's missing skills
when Gemini is unavailable; the plan says which source it came from.
"""

from __future__ import annotations

import re

from interview_store import CVProfile, CVRole, JobProfile, ParsedCV

from ..skill_gap import SKILLS, mentions

MAX_CLAIMS = 6
MAX_ROLES = 8

_YEAR = r"(?:19|20)\d{2}"
_RANGE = re.compile(
    rf"(?P<start>(?:[A-Za-z]{{3,9}}\.? )?{_YEAR})\s*(?:-|–|—|to|bis|a|à|até)\s*"
    rf"(?P<end>(?:[A-Za-z]{{3,9}}\.? )?{_YEAR}|present|now|current|today|heute|actualidad|"
    r"présent|atual)",
    re.IGNORECASE,
)
_OWNERSHIP = re.compile(
    r"\b(led|lead|built|designed|migrated|launched|owned|created|reduced|increased|improved|"
    r"managed|architected|shipped|grew|scaled|founded|mentored|automated|cut|saved)\b",
    re.IGNORECASE,
)
_SENIORITY = (
    ("principal", "principal"),
    ("staff", "staff"),
    ("lead", "lead"),
    ("senior", "senior"),
    ("junior", "junior"),
    ("graduate", "junior"),
    ("intern", "intern"),
)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def job_profile(job_description: str | None, role: str) -> JobProfile:
    text = job_description or ""
    skills = [s.name for s in SKILLS if mentions(text, s)]
    lowered = f"{role} {text}".lower()
    seniority = next((label for word, label in _SENIORITY if word in lowered), None)
    responsibilities = [
        _BULLET.sub("", line).strip()
        for line in text.splitlines()
        if _BULLET.match(line) and 12 <= len(line) <= 200
    ][:8]
    return JobProfile(
        required_skills=skills,
        seniority=seniority,
        domain=None,
        responsibilities=responsibilities,
    )


def cv_profile(cv: ParsedCV | None) -> CVProfile | None:
    if cv is None:
        return None
    skills = [s.name for s in SKILLS if mentions(cv.text, s)]
    for item in re.split(r"[,;|•\n]", cv.sections.skills):
        item = item.strip(" .:-")
        if 1 < len(item) <= 40 and item.casefold() not in {s.casefold() for s in skills}:
            skills.append(item)
    roles: list[CVRole] = []
    claims: list[str] = []
    body = "\n".join(filter(None, (cv.sections.experience, cv.sections.projects))) or cv.text
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        found = _RANGE.search(line)
        if found and len(roles) < MAX_ROLES:
            title = line[: found.start()].strip(" ,;:|()-–—")
            if title:
                head, _, org = title.partition(",")
                if not org:
                    head, _, org = title.partition(" at ")
                roles.append(
                    CVRole(
                        title=head.strip(" ,;:|()-–—")[:120] or title[:120],
                        organisation=org.strip(" ,;:|()-–—")[:120] or None,
                        start=found.group("start"),
                        end=found.group("end"),
                    )
                )
            continue
        concrete = re.search(r"\d", line) or _OWNERSHIP.search(line)
        if len(claims) < MAX_CLAIMS and 20 <= len(line) <= 220 and concrete:
            claims.append(_BULLET.sub("", line))
    return CVProfile(skills=skills[:40], roles=roles, claims=claims)
