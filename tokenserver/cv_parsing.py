"""Turning an uploaded CV (PDF or DOCX) into plain text plus coarse sections.

Uploads are hostile until proven otherwise: the type is decided by magic bytes, not by the
file name; size, page count, text length and wall time are bounded; and every way a file
can be unusable (encrypted, corrupt, a scan without text, a page bomb) becomes a
`CVRejected` whose message tells the candidate what to upload instead. Parsing is
synchronous CPU work, so `CVParser` runs it in a worker thread behind a semaphore and a
timeout: a slow file never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interview_store import CVSections, ParsedCV

from .cv_layout import MORE_HEADINGS, MORE_OTHER_HEADINGS, docx_lines, heading_key, infer_sections
from .cv_layout import page_text as _page_text

if TYPE_CHECKING:
    from .settings import TokenServerSettings

logger = logging.getLogger("tokenserver.cv")


class CVRejected(Exception):
    """The CV cannot be used. `str(exc)` is written for the person who uploaded it."""

    def __init__(self, message: str, *, status: int = 422, reason: str = "invalid") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        """Short machine-readable cause for logs (never contains file content)."""


@dataclass(frozen=True)
class CVLimits:
    """What a CV may be. The two operator knobs (MAX_CV_BYTES, MAX_CV_PAGES) have their only
    default in `TokenServerSettings`; the rest are properties of "a CV", not deploy choices."""

    max_bytes: int
    max_pages: int
    max_chars: int = 100_000
    """More text than ~40 dense pages is not a CV (and would crowd the interview prompt)."""
    min_text_chars: int = 40
    """Fewer non-space characters than this means a scan or an empty template."""
    max_docx_uncompressed: int = 50 * 1024 * 1024
    """Zip-bomb guard: the sum of the DOCX members' declared sizes."""

    @classmethod
    def from_settings(cls, settings: TokenServerSettings) -> CVLimits:
        return cls(max_bytes=settings.max_cv_bytes, max_pages=settings.max_cv_pages)


_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def parse_cv(data: bytes, *, limits: CVLimits) -> ParsedCV:
    """Synchronous parse; raises `CVRejected`. Call through `CVParser` from async code."""
    if len(data) == 0:
        raise CVRejected("The CV file is empty; choose the file again.", reason="empty")
    if len(data) > limits.max_bytes:
        raise CVRejected(
            f"The CV is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limits.max_bytes / 1_048_576:.0f} MB. Upload a smaller PDF or DOCX.",
            status=413,
            reason="too_large",
        )
    head = data[:1024]
    if _PDF_MAGIC in head:
        text, pages, file_type = *_pdf_text(data, limits), "pdf"
    elif data.startswith(_ZIP_MAGIC):
        text, pages, file_type = _docx_text(data, limits), 0, "docx"
    elif data.startswith(_OLE_MAGIC):
        raise CVRejected(
            "Legacy Word .doc files are not supported; save the CV as DOCX or PDF.",
            status=415,
            reason="legacy_doc",
        )
    else:
        raise CVRejected(
            "The CV must be a PDF or a DOCX file.", status=415, reason="unsupported_type"
        )
    text = _normalise(text)
    if len(re.sub(r"\s", "", text)) < limits.min_text_chars:
        raise CVRejected(
            "No text could be read from the CV (is it a scanned image?). Upload a PDF with "
            "selectable text, or a DOCX.",
            reason="no_text",
        )
    if len(text) > limits.max_chars:
        raise CVRejected(
            f"The CV has {len(text):,} characters of text; the limit is {limits.max_chars:,}. "
            "Upload a shorter CV.",
            reason="too_much_text",
        )
    return ParsedCV(text=text, sections=split_sections(text), pages=pages, file_type=file_type)


class CVParser:
    """Runs `parse_cv` off the event loop with bounded concurrency and wall time.

    A timed-out thread cannot be killed in Python; the semaphore slot is held until it really
    finishes, so a flood of pathological files degrades to 503s instead of piling up threads.
    """

    def __init__(self, *, limits: CVLimits, timeout_s: float, max_parallel: int) -> None:
        self._limits = limits
        self._timeout_s = timeout_s
        self._slots = asyncio.Semaphore(max_parallel)

    @classmethod
    def from_settings(cls, settings: TokenServerSettings) -> CVParser:
        return cls(
            limits=CVLimits.from_settings(settings),
            timeout_s=settings.cv_parse_timeout_seconds,
            max_parallel=settings.max_parallel_cv_parses,
        )

    async def parse(self, data: bytes) -> ParsedCV:
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self._timeout_s)
        except TimeoutError:
            raise CVRejected(
                "The server is busy parsing other CVs; try again in a minute.",
                status=503,
                reason="busy",
            ) from None
        task = asyncio.ensure_future(asyncio.to_thread(parse_cv, data, limits=self._limits))
        task.add_done_callback(lambda _t: self._slots.release())
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=self._timeout_s)
        except TimeoutError:
            task.add_done_callback(_consume_result)
            raise CVRejected(
                "The CV took too long to read; re-export it as a simple PDF or DOCX.",
                reason="timeout",
            ) from None


def _consume_result(task: asyncio.Future[ParsedCV]) -> None:
    if not task.cancelled():
        task.exception()  # mark retrieved: a late failure of an abandoned parse is expected


# --- PDF -------------------------------------------------------------------------------


def _pdf_text(data: bytes, limits: CVLimits) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    corrupt = CVRejected(
        "The PDF is damaged or not a valid PDF; re-export it from your editor and upload again.",
        reason="corrupt_pdf",
    )
    encrypted = CVRejected(
        "The PDF is password-protected; upload a copy without a password.",
        reason="encrypted_pdf",
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # owner-password-only PDFs open with an empty user password and are fine to read
            opened: bool
            try:
                opened = bool(reader.decrypt(""))
            except (PyPdfError, NotImplementedError, ValueError, KeyError):
                opened = False
            if not opened:
                raise encrypted
        pages = len(reader.pages)
    except CVRejected:
        raise
    except FileNotDecryptedError:
        raise encrypted from None
    except Exception:  # pypdf raises many types on malformed input; all mean "corrupt"
        raise corrupt from None
    if pages == 0:
        raise corrupt
    if pages > limits.max_pages:
        raise CVRejected(
            f"The CV has {pages} pages; the limit is {limits.max_pages}. Upload a shorter CV.",
            reason="too_many_pages",
        )
    parts: list[str] = []
    total = 0
    try:
        for page in reader.pages:
            text = _page_text(page)  # columns and duplicated text layers in reading order
            parts.append(text)
            total += len(text)
            if total > limits.max_chars:
                break  # reported by the caller; no point extracting the rest
    except Exception:
        raise corrupt from None
    return "\n".join(parts), pages


# --- DOCX ------------------------------------------------------------------------------


def _docx_text(data: bytes, limits: CVLimits) -> str:
    import docx

    not_docx = CVRejected(
        "The file is not a valid DOCX document; save the CV as DOCX or PDF and upload again.",
        reason="corrupt_docx",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_docx from None
    if "word/document.xml" not in {i.filename for i in infos}:
        raise not_docx
    if sum(i.file_size for i in infos) > limits.max_docx_uncompressed:
        raise CVRejected(
            "The DOCX expands to an implausibly large document; upload a PDF instead.",
            reason="docx_bomb",
        )
    try:
        document = docx.Document(io.BytesIO(data))
        lines = docx_lines(document)  # layout tables cell by cell, data tables as rows
    except Exception:  # lxml / python-docx errors on malformed parts
        raise not_docx from None
    return "\n".join(lines)


# --- text and sections -----------------------------------------------------------------

_SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "contact": ("contact", "contact information", "contact details", "personal details",
                "personal information"),
    "skills": ("skills", "technical skills", "key skills", "core skills", "skills and tools",
               "technologies", "tech stack", "core competencies", "competencies", "tools",
               "programming languages", "skills & technologies", "skills & tools"),
    "experience": ("experience", "work experience", "professional experience", "employment",
                   "employment history", "work history", "career history", "career",
                   "relevant experience", "professional background"),
    "projects": ("projects", "personal projects", "selected projects", "key projects",
                 "side projects", "open source", "open-source", "portfolio"),
    "education": ("education", "academic background", "qualifications", "education and training",
                  "education & training", "academic qualifications", "certifications",
                  "courses", "training"),
}  # fmt: skip
_OTHER_HEADINGS = ("summary", "profile", "about me", "objective", "professional summary",
                   "interests", "hobbies", "languages", "references", "awards", "publications",
                   "volunteering", "achievements")  # fmt: skip
_HEADING_TO_SECTION: dict[str, str | None] = dict.fromkeys(
    heading_key(h) for h in (*_OTHER_HEADINGS, *MORE_OTHER_HEADINGS)
)
_HEADING_TO_SECTION.update(
    {
        heading_key(h): s
        for headings in (_SECTION_HEADINGS, MORE_HEADINGS)
        for s, hs in headings.items()
        for h in hs
    }
)
_DECORATION = re.compile(r"^[\s#*\-–—•_=|:]+|[\s#*\-–—•_=|:]+$")


def _normalise(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    # a line repeated right after itself is a duplicated text layer, not content
    lines = [line for i, line in enumerate(lines) if not (line and i and lines[i - 1] == line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _heading(line: str) -> tuple[bool, str | None]:
    """(is a known heading, section it starts or None for an ignored section)."""
    if not line or len(line) > 48:
        return False, None
    key = heading_key(re.sub(r"\s+", " ", _DECORATION.sub("", line)))
    if key in _HEADING_TO_SECTION:
        return True, _HEADING_TO_SECTION[key]
    return False, None


def split_sections(text: str) -> CVSections:
    """Heuristic: text before the first heading is the contact block; known headings
    (English, Spanish, French, German, Portuguese, Japanese; case-insensitive, on a line of
    their own) start a section; unknown ones such as "Summary" or "Interests" end the current
    section without starting a tracked one. A CV without any known heading gets its sections
    inferred from its lines (`cv_layout.infer_sections`)."""
    buckets: dict[str, list[str]] = {name: [] for name in _SECTION_HEADINGS}
    current: str | None = "contact"
    found_heading = False
    for line in text.split("\n"):
        is_heading, section = _heading(line)
        if is_heading:
            current = section
            found_heading = True
            continue
        if current is not None:
            buckets[current].append(line)
    if not found_heading:
        return CVSections(**infer_sections(text))
    return CVSections(**{name: "\n".join(lines).strip() for name, lines in buckets.items()})
