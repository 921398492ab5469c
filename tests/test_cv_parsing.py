"""CV parsing on real generated files: text, sections, every rejection, and the thread/timeout
wrapper; plus the skill-gap vocabulary."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import io
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

import tokenserver.cv_parsing as cv_parsing
from interview_store import ParsedCV
from testkit.cv_samples import (
    NAME,
    corrupt_cv_pdf,
    encrypted_cv_pdf,
    image_only_cv_pdf,
    normal_cv_docx,
    normal_cv_pdf,
    page_bomb_pdf,
)
from tests.tokenserver_harness import make_settings
from tokenserver.cv_parsing import CVLimits, CVParser, CVRejected, parse_cv, split_sections
from tokenserver.skill_gap import skill_gap

SETTINGS = make_settings(Path("unused-storage"))
LIMITS = CVLimits.from_settings(SETTINGS)


def test_normal_pdf_gives_text_and_sections() -> None:
    cv = parse_cv(normal_cv_pdf(), limits=LIMITS)
    assert cv.file_type == "pdf" and cv.pages == 2
    assert NAME in cv.text and "Globex" in cv.text
    s = cv.sections
    assert s.contact.startswith(NAME) and "+44 20 7946 0000" in s.contact
    assert s.skills == "Python, PostgreSQL, Docker, Kubernetes, FastAPI, Redis"
    assert "Acme Corp" in s.experience and "CI/CD pipelines" in s.experience  # across pages
    assert "Summary" not in s.contact and "reliable systems" not in s.experience
    assert s.projects.startswith("tinyqueue")
    assert s.education.startswith("BSc Computer Science")


def test_docx_gives_text_sections_and_tables() -> None:
    cv = parse_cv(normal_cv_docx(), limits=LIMITS)
    assert cv.file_type == "docx"
    assert cv.sections.skills == "Go, TypeScript, React, AWS, Terraform"
    assert "Stack | Kubernetes and gRPC" in cv.sections.experience
    assert cv.sections.education.startswith("MEng")


@pytest.mark.parametrize(
    ("data", "reason", "status"),
    [
        (encrypted_cv_pdf(), "encrypted_pdf", 422),
        (corrupt_cv_pdf(), "corrupt_pdf", 422),
        (normal_cv_pdf()[:700], "corrupt_pdf", 422),  # truncated download
        (image_only_cv_pdf(), "no_text", 422),
        (page_bomb_pdf(), "too_many_pages", 422),
        (page_bomb_pdf(21), "too_many_pages", 422),
        (b"", "empty", 422),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy_doc", 415),
        (b"PK\x03\x04 not really a zip", "corrupt_docx", 422),
        (b"<html>my cv</html>", "unsupported_type", 415),
    ],
    ids=[
        "encrypted",
        "corrupt",
        "truncated",
        "image-only",
        "500-pages",
        "21-pages",
        "empty",
        "legacy-doc",
        "bad-zip",
        "html",
    ],
)
def test_unusable_files_are_rejected(data: bytes, reason: str, status: int) -> None:
    with pytest.raises(CVRejected) as err:
        parse_cv(data, limits=LIMITS)
    assert err.value.reason == reason and err.value.status == status
    assert str(err.value).endswith(".")  # a sentence for a person, not a stack trace


def test_twenty_pages_is_still_fine() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(20):
        c.drawString(72, 720, f"Experience at company number {i} building services in Python")
        c.showPage()
    c.save()
    assert parse_cv(buf.getvalue(), limits=LIMITS).pages == 20


def test_owner_password_only_pdf_is_readable() -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption("", ownerPassword="owner", canPrint=1))
    c.drawString(72, 720, "Experience: ten years of Python and PostgreSQL work at Acme")
    c.showPage()
    c.save()
    assert "Python" in parse_cv(buf.getvalue(), limits=LIMITS).text


def test_limits_and_parser_take_their_knobs_from_settings_only() -> None:
    """MAX_CV_BYTES, MAX_CV_PAGES, CV_PARSE_TIMEOUT_SECONDS and MAX_PARALLEL_CV_PARSES have one
    default, in TokenServerSettings: the options objects have none of their own."""
    settings = make_settings(Path("unused"), max_cv_bytes=2048, max_cv_pages=3)
    assert CVLimits.from_settings(settings) == replace(LIMITS, max_bytes=2048, max_pages=3)
    no_default = {
        f.name
        for f in dataclasses.fields(CVLimits)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert {"max_bytes", "max_pages"} <= no_default
    params = inspect.signature(CVParser).parameters
    assert all(params[n].default is inspect.Parameter.empty for n in ("timeout_s", "max_parallel"))


def test_size_and_text_limits() -> None:
    with pytest.raises(CVRejected) as err:
        parse_cv(normal_cv_pdf(), limits=replace(LIMITS, max_bytes=1000))
    assert err.value.status == 413 and "MB" in str(err.value)
    with pytest.raises(CVRejected) as err:
        parse_cv(normal_cv_pdf(), limits=replace(LIMITS, max_chars=200))
    assert err.value.reason == "too_much_text"


def test_docx_zip_bomb_is_refused_before_decompression() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document/>")
        z.writestr("word/media/bomb.bin", b"\0" * (60 * 1024 * 1024))
    assert len(buf.getvalue()) < 200_000
    with pytest.raises(CVRejected) as err:
        parse_cv(buf.getvalue(), limits=LIMITS)
    assert err.value.reason == "docx_bomb"


def test_sections_heuristics() -> None:
    text = "\n".join(
        [
            "Jane Doe",
            "jane@example.com",
            "TECHNICAL SKILLS:",
            "Rust, Go",
            "## Work History",
            "Engineer at X",
            "Interests",
            "Climbing",
            "Open Source",
            "Maintainer of Y",
            "Certifications",
            "CKA",
        ]
    )
    s = split_sections(text)
    assert s.contact == "Jane Doe\njane@example.com"
    assert s.skills == "Rust, Go"
    assert s.experience == "Engineer at X"
    assert s.projects == "Maintainer of Y"
    assert s.education == "CKA"
    assert "Climbing" not in " ".join(s.model_dump().values())
    # a long sentence that merely contains a heading word is not a heading
    assert split_sections("Skills I learned at university were many").skills == ""


async def test_parser_runs_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real = cv_parsing.parse_cv

    def spy(data: bytes, *, limits: CVLimits) -> ParsedCV:
        threads.append(threading.get_ident())
        return real(data, limits=limits)

    monkeypatch.setattr(cv_parsing, "parse_cv", spy)
    cv = await CVParser.from_settings(SETTINGS).parse(normal_cv_pdf())
    assert cv.pages == 2
    assert threads and threads[0] != threading.get_ident()


async def test_parser_timeout_and_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(data: bytes, *, limits: CVLimits) -> ParsedCV:
        release.wait(10)
        raise CVRejected("late", reason="late")

    monkeypatch.setattr(cv_parsing, "parse_cv", stuck)
    parser = CVParser(limits=LIMITS, timeout_s=0.2, max_parallel=1)
    try:
        with pytest.raises(CVRejected) as err:
            await parser.parse(b"%PDF-")
        assert err.value.reason == "timeout"
        # the stuck thread still holds the only slot: the next upload is told to retry
        with pytest.raises(CVRejected) as err:
            await parser.parse(b"%PDF-")
        assert err.value.reason == "busy" and err.value.status == 503
    finally:
        release.set()
    monkeypatch.setattr(cv_parsing, "parse_cv", lambda data, *, limits: ParsedCV(text="ok"))
    for _ in range(100):  # the released thread gives its slot back (soon; a busy host is slow)
        try:
            assert (await parser.parse(b"%PDF-")).text == "ok"
            break
        except CVRejected as busy:
            assert busy.reason == "busy"
            await asyncio.sleep(0.05)
    else:
        raise AssertionError("the slot did not come back within 5 s")


def skills_in(text: str) -> list[str]:
    return skill_gap(text, "").missing


def test_skill_vocabulary_respects_word_boundaries_and_case() -> None:
    assert skills_in("Java and JavaScript") == ["Java", "JavaScript"]
    assert skills_in("C++ only") == ["C++"]
    assert skills_in("we go to the office; r and c are letters") == []
    assert skills_in("Go, R and C") == ["Go", "C", "R"]
    assert skills_in("k8s, Postgres, node.js") == ["Node.js", "PostgreSQL", "Kubernetes"]
    gap = skill_gap("Python, Kafka, Terraform", "I use python daily and terraform")
    assert gap.matched == ["Python", "Terraform"]
    assert gap.missing == ["Kafka"]
    assert skill_gap("no skills here", "Python").model_dump() == {"matched": [], "missing": []}
