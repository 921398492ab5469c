"""Which skills a job description asks for, and which of them the CV mentions.

A fixed vocabulary of common engineering skills with their aliases, matched on word
boundaries. It is deliberately simple and explainable: the interviewer uses `missing` to
probe gaps, and a recruiter can see exactly why a skill was (not) matched. Ambiguous short
names (Go, R, C) only count when written with their usual capitalisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from interview_store import SkillGap


@dataclass(frozen=True)
class Skill:
    name: str
    aliases: tuple[str, ...] = ()
    case_sensitive: tuple[str, ...] = ()
    """Aliases that only count with this exact capitalisation (e.g. "Go")."""


SKILLS: tuple[Skill, ...] = (
    # languages
    Skill("Python"), Skill("Java"), Skill("JavaScript", ("js", "ecmascript")),
    Skill("TypeScript", ("ts",)), Skill("Go", ("golang",), ("Go",)), Skill("Rust"),
    Skill("C++", ("cpp",)), Skill("C#", ("csharp", ".net", "dotnet")), Skill("C", (), ("C",)),
    Skill("Kotlin"), Skill("Swift"), Skill("Ruby"), Skill("PHP"), Skill("Scala"),
    Skill("R", (), ("R",)), Skill("SQL"), Skill("Bash", ("shell scripting", "shell")),
    Skill("Elixir"), Skill("Haskell"), Skill("Dart"),
    # web and frameworks
    Skill("React", ("react.js", "reactjs")), Skill("Angular"), Skill("Vue", ("vue.js", "vuejs")),
    Skill("Node.js", ("node", "nodejs")), Skill("Django"), Skill("Flask"), Skill("FastAPI"),
    Skill("Spring", ("spring boot",)), Skill("Rails", ("ruby on rails",)), Skill("HTML"),
    Skill("CSS"), Skill("GraphQL"), Skill("REST", ("rest api", "restful")), Skill("gRPC"),
    Skill("Flutter"), Skill("Android"), Skill("iOS"),
    # data stores and streaming
    Skill("PostgreSQL", ("postgres",)), Skill("MySQL"), Skill("SQLite"), Skill("MongoDB"),
    Skill("Redis"), Skill("Elasticsearch"), Skill("Cassandra"), Skill("DynamoDB"),
    Skill("Kafka"), Skill("RabbitMQ"), Skill("Spark", ("pyspark", "apache spark")),
    Skill("Airflow"), Skill("Snowflake"), Skill("BigQuery"),
    # infrastructure
    Skill("AWS", ("amazon web services",)), Skill("GCP", ("google cloud",)), Skill("Azure"),
    Skill("Docker"), Skill("Kubernetes", ("k8s",)), Skill("Terraform"), Skill("Ansible"),
    Skill("Linux"), Skill("CI/CD", ("continuous integration", "continuous delivery")),
    Skill("Git"), Skill("Nginx"), Skill("Prometheus"), Skill("Grafana"),
    Skill("Microservices", ("microservice",)), Skill("Serverless"),
    # data science and ML
    Skill("Machine learning", ("ml",)), Skill("Deep learning"), Skill("PyTorch"),
    Skill("TensorFlow"), Skill("scikit-learn", ("sklearn",)), Skill("Pandas"), Skill("NumPy"),
    Skill("NLP", ("natural language processing",)), Skill("Computer vision"),
    Skill("LLM", ("llms", "large language models")),
    # practices
    Skill("System design", ("distributed systems",)), Skill("Data structures"),
    Skill("Algorithms"), Skill("Testing", ("unit testing", "tdd", "test-driven")),
    Skill("Agile", ("scrum",)), Skill("Security", ("owasp",)),
)  # fmt: skip


@cache
def _pattern(skill: Skill) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    def alternation(words: tuple[str, ...]) -> str:
        # (?<![\w+#.]) / (?![\w+#]) so "C" does not match inside "C++" or "C#", "Java" not in
        # "JavaScript"; a trailing "." is allowed (end of sentence)
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    insensitive = tuple(w for w in (skill.name, *skill.aliases) if w not in skill.case_sensitive)
    boundary = r"(?<![\w+#.])(?:{})(?![\w+#]|\.\w)"
    ci = (
        re.compile(boundary.format(alternation(insensitive)), re.IGNORECASE)
        if insensitive
        else None
    )
    cs = re.compile(boundary.format(alternation(skill.case_sensitive)))
    if ci is None:
        return cs, None
    return ci, (cs if skill.case_sensitive else None)


def mentions(text: str, skill: Skill) -> bool:
    first, second = _pattern(skill)
    return bool(first.search(text) or (second is not None and second.search(text)))


def skill_gap(job_description: str, cv_text: str) -> SkillGap:
    """Skills of the job description (in vocabulary order), split by presence in the CV."""
    wanted = [s for s in SKILLS if mentions(job_description, s)]
    matched = [s.name for s in wanted if mentions(cv_text, s)]
    missing = [s.name for s in wanted if s.name not in matched]
    return SkillGap(matched=matched, missing=missing)


# --- any skill, with synonyms ----------------------------------------------------------------

_EXTRA_SYNONYMS: dict[str, tuple[str, ...]] = {
    "JavaScript": ("js", "es6", "ecmascript"),
    "TypeScript": ("ts",),
    "PostgreSQL": ("postgres", "psql", "pg"),
    "Kubernetes": ("k8s", "kube"),
    "Machine learning": ("ml", "machine-learning"),
    "Node.js": ("node", "nodejs", "node js"),
    "React": ("reactjs", "react.js"),
    "Google Cloud": ("gcp", "google cloud platform"),
    "AWS": ("amazon web services",),
    "CI/CD": ("ci", "cd", "continuous integration", "continuous delivery"),
    "Search engine optimization": ("seo", "search engine optimisation"),
    "Pay-per-click advertising": ("ppc", "sem", "google ads"),
    "Customer relationship management": ("crm",),
}


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().casefold()).strip(" .")


@cache
def _synonyms() -> dict[str, str]:
    """Lower-cased spelling -> canonical name, from the vocabulary's aliases and extras."""
    table: dict[str, str] = {}
    for skill in SKILLS:
        for spelling in (skill.name, *skill.aliases, *skill.case_sensitive):
            table.setdefault(_key(spelling), skill.name)
    for name, spellings in _EXTRA_SYNONYMS.items():
        for spelling in (name, *spellings):
            table[_key(spelling)] = table.get(_key(name), name)
    return table


def canonical_skill(name: str) -> str:
    """'k8s' -> 'Kubernetes', 'Postgres' -> 'PostgreSQL'; unknown skills keep their spelling."""
    return _synonyms().get(_key(name), name.strip())


def _spellings(canonical: str) -> list[str]:
    return [s for s, c in _synonyms().items() if c == canonical] or [_key(canonical)]


def _in_text(canonical: str, text: str) -> bool:
    known = next((s for s in SKILLS if s.name == canonical), None)
    if known is not None:
        return mentions(text, known)
    for spelling in _spellings(canonical):
        if len(spelling) < 3:
            continue  # "ci", "ts": too ambiguous in free text; only exact skill lists count
        if re.search(rf"(?<![\w+#]){re.escape(spelling)}(?![\w+#])", text, re.IGNORECASE):
            return True
    return False


def skill_gap_for(required: list[str], cv_skills: list[str], cv_text: str) -> SkillGap:
    """Any skills (e.g. extracted by Gemini), matched through synonyms: a required skill is
    matched when the CV lists it under any spelling or its text mentions one."""
    have = {_key(canonical_skill(s)) for s in cv_skills}
    matched: list[str] = []
    missing: list[str] = []
    for raw in required:
        name = canonical_skill(raw)
        if not name or name in matched or name in missing:
            continue
        if _key(name) in have or _in_text(name, cv_text):
            matched.append(name)
        else:
            missing.append(name)
    return SkillGap(matched=matched, missing=missing)
