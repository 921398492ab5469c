"""CVs as they really come: two columns, a duplicated text layer, a DOCX laid out in a table,
headings in Spanish or German, no headings at all. Each must give clean sections with no
text repeated and no column's lines inside another's section. Files are generated at test
time (testkit/cv_samples.py) and parsed by the token server's real parser."""

from __future__ import annotations

from interview_store import ParsedCV
from testkit import cv_samples
from tokenserver.cv_parsing import CVLimits, parse_cv, split_sections
from tokenserver.planning.rule_profiles import cv_profile

LIMITS = CVLimits(max_bytes=5 * 1024 * 1024, max_pages=20)


def parse(data: bytes) -> ParsedCV:
    return parse_cv(data, limits=LIMITS)


def assert_each_once(text: str, lines: list[str]) -> None:
    for line in lines:
        assert text.count(line) == 1, (line, text.count(line))


def test_two_columns_are_read_column_by_column() -> None:
    cv = parse(cv_samples.two_column_cv_pdf())
    s = cv.sections
    assert s.contact.startswith(cv_samples.NAME)
    assert s.skills == "Python, Go, Docker\nKubernetes, Terraform"
    assert s.education == "BSc Computer Science\nUniversity of Somewhere"
    assert s.experience.splitlines() == [
        "Senior Engineer, Acme Corp (2020 - 2024)",
        "Built payment APIs in Python serving 2k requests per second.",
        "Led the migration from MySQL to PostgreSQL with zero downtime.",
        "Software Engineer, Globex (2017 - 2020)",
        "Maintained CI/CD pipelines for 40 services.",
    ]
    assert s.projects == "tinyqueue: a Redis-backed job queue used by 300 projects."
    assert "English, Spanish" not in s.education + s.experience  # "Languages" is not tracked
    assert_each_once(cv.text, [x for x in cv_samples.SIDEBAR + cv_samples.MAIN_COLUMN if x])


def test_a_duplicated_text_layer_is_read_once() -> None:
    cv = parse(cv_samples.duplicated_layer_cv_pdf())
    assert_each_once(cv.text, [x for x in cv_samples.CV_PAGES[0] if x])
    assert cv.sections.skills == "Python, PostgreSQL, Docker, Kubernetes, FastAPI, Redis"
    assert cv.sections.experience.count("Senior Engineer, Acme Corp (2020-2024)") == 1


def test_a_docx_laid_out_in_a_table_gives_clean_sections() -> None:
    cv = parse(cv_samples.table_layout_cv_docx())
    s = cv.sections
    assert cv.text.count(cv_samples.NAME) == 1  # the merged header cell, once
    assert s.contact == f"{cv_samples.NAME} | zelda@example.org"
    assert s.skills == "Go, TypeScript, React\nAWS, Terraform"
    assert s.education == "MEng, Example Uni"
    assert s.experience.splitlines() == [
        "Platform Engineer at Initech (2019-2024)",
        f"Ran Kubernetes for 60 services; {cv_samples.SECRET_PHRASE}.",
    ]
    assert s.projects.startswith("k8s-cost: a cost report for clusters.")
    assert "Stack | Kubernetes and gRPC" in cv.text  # a data table keeps its rows


def test_headings_in_spanish_and_german() -> None:
    es = parse(cv_samples.spanish_cv_pdf()).sections
    assert es.skills == "Python, PostgreSQL, Kafka"
    assert es.experience.startswith("Ingeniera sénior, Acme (2020 - actualidad)")
    assert es.projects == "colita: una cola de trabajos sobre Redis."
    assert es.education.startswith("Grado en Ingeniería Informática")
    assert "foco en pagos" not in es.contact + es.skills  # "Perfil" is an untracked section
    de = parse(cv_samples.german_cv_docx()).sections
    assert de.experience == "Softwareentwicklerin bei Initech (2018 - heute)"
    assert de.education == "M.Sc. Informatik, Universität Beispiel"
    assert de.skills == "Java, Kotlin, Kubernetes"


def test_sections_are_inferred_when_there_are_no_headings() -> None:
    s = parse(cv_samples.no_headings_cv_pdf()).sections
    assert s.contact.splitlines()[0] == cv_samples.NAME
    assert s.experience.splitlines()[0] == "Senior Engineer, Acme Corp (2019 - present)"
    assert "Software Engineer, Globex (2015 - 2019)" in s.experience
    assert s.skills == "Python, Go, Docker, Kafka, PostgreSQL"
    assert s.education == "BSc Computer Science, University of Somewhere"
    assert "Python, Go" not in s.experience and "BSc" not in s.experience


def test_japanese_headings() -> None:
    s = split_sections(
        "山田 花子\n職歴\n株式会社例 エンジニア (2019 - 現在)\n"
        "スキル\nPython, Go, SQL\n学歴\n例大学"
    )
    assert s.experience == "株式会社例 エンジニア (2019 - 現在)"
    assert s.skills == "Python, Go, SQL" and s.education == "例大学"


def test_the_offline_profile_reads_roles_and_claims_from_a_two_column_cv() -> None:
    profile = cv_profile(parse(cv_samples.two_column_cv_pdf()))
    assert profile is not None
    assert [(r.title, r.organisation, r.start, r.end) for r in profile.roles] == [
        ("Senior Engineer", "Acme Corp", "2020", "2024"),
        ("Software Engineer", "Globex", "2017", "2020"),
    ]
    assert "Led the migration from MySQL to PostgreSQL with zero downtime." in profile.claims
    assert {"Python", "Kubernetes", "Terraform"} <= set(profile.skills)


def test_simple_cvs_read_exactly_as_before() -> None:
    cv = parse(cv_samples.normal_cv_pdf())
    lines = [x for page in cv_samples.CV_PAGES for x in page if x]
    assert [x for x in cv.text.splitlines() if x] == lines
