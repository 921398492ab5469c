"""Reading order of real-world CV layouts: two columns, duplicated text layers, DOCX tables,
headings in other languages, and CVs with no headings at all.

The plain extractors read a PDF in content-stream order and a DOCX table row by row, so a
two-column CV comes out with its sidebar interleaved into the experience, a PDF with an
invisible OCR layer (or "fake bold" drawn twice) repeats every line, and a CV laid out in a
table glues headings into the middle of lines. Here:

- PDF pages are rebuilt from positioned text fragments only when that is needed (a repeated
  fragment at the same spot, or a vertical gutter with text on both sides); otherwise pypdf's
  own text is kept, so simple CVs read exactly as before;
- DOCX layout tables (cells holding several paragraphs) are read cell by cell, merged cells
  once; data tables (one line per cell) keep "a | b" rows;
- headings are recognised in English, Spanish, French, German, Portuguese and Japanese; a CV
  without any recognised heading gets its sections inferred from its lines (date ranges ->
  experience, degrees -> education, short comma lists -> skills).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# --- PDF -------------------------------------------------------------------------------------

CHAR_WIDTH_EM = 0.45
"""Average glyph width as a share of the font size (Helvetica-like), for gutter detection."""
SAME_SPOT_PT = 2.5
"""Fragments with the same text closer than this are one text drawn twice."""
MIN_COLUMN_ROWS = 3


@dataclass(frozen=True)
class Fragment:
    text: str
    x: float
    y: float
    size: float

    @property
    def width(self) -> float:
        return len(self.text) * self.size * CHAR_WIDTH_EM

    @property
    def right(self) -> float:
        return self.x + self.width


def _fragments(page: Any) -> list[Fragment]:
    found: list[Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        for part in text.split("\n"):
            clean = part.strip()
            if not clean:
                continue
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            found.append(Fragment(clean, x, y, max(1.0, size * (scale or 1.0))))

    page.extract_text(visitor_text=visit)
    return found


def _dedupe(fragments: list[Fragment]) -> tuple[list[Fragment], bool]:
    """Drop a fragment drawn again at (almost) the same spot: an invisible OCR layer over
    the text, or bold faked by overprinting."""
    kept: list[Fragment] = []
    dropped = False
    for f in fragments:
        if any(
            k.text == f.text and abs(k.x - f.x) < SAME_SPOT_PT and abs(k.y - f.y) < SAME_SPOT_PT
            for k in kept
        ):
            dropped = True
            continue
        kept.append(f)
    return kept, dropped


def _rows(fragments: list[Fragment]) -> list[list[Fragment]]:
    """Fragments grouped into visual lines (top to bottom), each sorted left to right."""
    rows: list[list[Fragment]] = []
    for f in sorted(fragments, key=lambda f: (-f.y, f.x)):
        if rows and abs(rows[-1][0].y - f.y) <= max(2.0, f.size * 0.4):
            rows[-1].append(f)
        else:
            rows.append([f])
    return [sorted(r, key=lambda f: f.x) for r in rows]


def _gutter(fragments: list[Fragment], width: float) -> float | None:
    """An x between 25% and 75% of the page that (almost) no fragment crosses, with text on
    both sides of it in at least `MIN_COLUMN_ROWS` lines; None for a one-column page. A few
    crossings are allowed: a full-width name or footer above or below the columns."""
    rows = _rows(fragments)
    allowed_crossings = max(2, int(len(fragments) * 0.15))
    candidates: list[tuple[int, int, float]] = []
    x = width * 0.25
    while x <= width * 0.75:
        crossing = sum(1 for f in fragments if f.x < x - 1 and f.right > x + 1)
        if crossing <= allowed_crossings:
            both = sum(
                1 for row in rows if any(f.right <= x for f in row) and any(f.x >= x for f in row)
            )
            if both >= MIN_COLUMN_ROWS:
                left = sum(1 for f in fragments if f.right <= x)
                right = sum(1 for f in fragments if f.x >= x)
                candidates.append((crossing, -min(left, right), x))
        x += 2.0
    return min(candidates)[2] if candidates else None


def _lines(fragments: list[Fragment]) -> list[str]:
    return [" ".join(f.text for f in row) for row in _rows(fragments)]


def page_text(page: Any) -> str:
    """The page's text in reading order (see the module docstring)."""
    plain: str = page.extract_text() or ""
    try:
        fragments = _fragments(page)
        width = float(page.mediabox.width)
    except Exception:  # malformed content: pypdf's own text is the best we have
        return plain
    fragments, had_duplicates = _dedupe(fragments)
    gutter = _gutter(fragments, width) if len(fragments) >= 2 * MIN_COLUMN_ROWS else None
    if gutter is None:
        return "\n".join(_lines(fragments)) if had_duplicates else plain
    crossing = [f for f in fragments if f.x < gutter - 1 and f.right > gutter + 1]
    body = [f for f in fragments if not (f.x < gutter - 1 and f.right > gutter + 1)]
    top = max((f.y for f in body), default=0.0)
    header = [f for f in crossing if f.y >= top]
    footer = [f for f in crossing if f.y < top]
    left = [f for f in body if f.x < gutter]
    right = [f for f in body if f.x >= gutter]
    blocks = [_lines(header), _lines(left), _lines(right), _lines(footer)]
    return "\n\n".join("\n".join(b) for b in blocks if b)


# --- DOCX ------------------------------------------------------------------------------------


def docx_lines(document: Any) -> list[str]:
    """Paragraphs and tables in document order. A layout table (a cell with several
    paragraphs) is read cell by cell, left to right; a data table keeps "a | b" rows.
    Merged cells (python-docx repeats them per grid column) are read once."""
    from docx.table import Table

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block, seen=set()))
        else:
            lines.append(block.text)
    return lines


def _table_lines(table: Any, *, seen: set[int]) -> Iterator[str]:
    from docx.table import Table

    rows = list(table.rows)
    layout = any(
        len([p for p in cell.paragraphs if p.text.strip()]) > 1 or cell.tables
        for row in rows
        for cell in row.cells
    )
    for row in rows:
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(cell)
        if not layout:
            texts = [c.text.strip() for c in cells]
            yield " | ".join(dict.fromkeys(t for t in texts if t))
            continue
        for cell in cells:
            for block in cell.iter_inner_content():
                if isinstance(block, Table):
                    yield from _table_lines(block, seen=seen)
                else:
                    yield block.text
            yield ""


# --- headings and sections -------------------------------------------------------------------

MORE_HEADINGS: dict[str, tuple[str, ...]] = {
    "contact": ("contacto", "datos personales", "datos de contacto", "coordonnées",
                "informations personnelles", "kontakt", "kontaktdaten", "persönliche daten",
                "contato", "dados pessoais", "連絡先"),
    "skills": ("habilidades", "competencias", "conocimientos", "aptitudes", "habilidades técnicas",
               "compétences", "compétences techniques", "savoir-faire", "kenntnisse",
               "fähigkeiten", "fachkenntnisse", "kompetenzen", "it-kenntnisse",
               "technische kenntnisse", "competências", "conhecimentos", "スキル", "技術",
               "技能"),
    "experience": ("experiencia", "experiencia laboral", "experiencia profesional",
                   "trayectoria profesional", "expérience", "expériences",
                   "expérience professionnelle", "expériences professionnelles",
                   "parcours professionnel", "berufserfahrung", "beruflicher werdegang",
                   "erfahrung", "werdegang", "experiência", "experiência profissional",
                   "histórico profissional", "職歴", "職務経歴", "経歴"),
    "projects": ("proyectos", "projets", "projekte", "projetos", "プロジェクト"),
    "education": ("educación", "formación", "formación académica", "estudios", "formation",
                  "éducation", "diplômes", "ausbildung", "bildung", "bildungsweg", "studium",
                  "educação", "formação", "formação acadêmica", "学歴", "資格"),
}  # fmt: skip
MORE_OTHER_HEADINGS = ("resumen", "perfil", "perfil profesional", "sobre mí", "idiomas",
                       "intereses", "profil", "résumé", "à propos", "langues",
                       "centres d'intérêt", "loisirs", "profil", "über mich", "sprachen",
                       "interessen", "hobbys", "resumo", "sobre mim", "interesses",
                       "自己pr", "語学")  # fmt: skip


def heading_key(line: str) -> str:
    return unicodedata.normalize("NFKC", line).casefold()


_YEAR = r"(?:19|20)\d{2}"
_DATE_RANGE = re.compile(
    rf"{_YEAR}\s*(?:-|–|—|to|bis|a|à|até|~|〜)\s*(?:{_YEAR}|present|now|current|today|heute|"
    r"actualidad|présent|atual|現在)",
    re.IGNORECASE,
)
_DEGREE = re.compile(
    r"\b(bsc|msc|ba|ma|mba|phd|bachelor|master|diploma|degree|university|college|"
    r"universidad|université|universität|universidade|licenciatura|grado|hochschule)\b|大学",
    re.IGNORECASE,
)


def _looks_like_skills(line: str) -> bool:
    items = [i.strip() for i in re.split(r"[,;|•·]", line) if i.strip()]
    return len(items) >= 3 and sum(len(i) for i in items) / len(items) <= 20


def infer_sections(text: str) -> dict[str, str]:
    """Sections of a CV with no recognised heading: the lines before the first classified
    line are the contact block; a dated line starts an experience entry that runs to the
    next blank line; degree lines are education; short comma lists are skills."""
    buckets: dict[str, list[str]] = {
        k: [] for k in ("contact", "skills", "experience", "projects", "education")
    }
    current: str | None = "contact"
    for line in text.split("\n"):
        if not line.strip():
            current = None if current != "contact" else current
            continue
        if _DATE_RANGE.search(line) and not _DEGREE.search(line):
            current = "experience"
        elif _DEGREE.search(line):
            current = "education"
            buckets["education"].append(line)
            current = None
            continue
        elif _looks_like_skills(line):
            buckets["skills"].append(line)
            continue
        elif current == "contact" and any(buckets[k] for k in buckets if k != "contact"):
            current = None
        if current is not None:
            buckets[current].append(line)
    return {k: "\n".join(v).strip() for k, v in buckets.items()}
