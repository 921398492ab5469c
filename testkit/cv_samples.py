"""Real CV files generated at test time (reportlab PDFs, python-docx DOCX) — one per outcome
the token server documents: a normal CV, encrypted, corrupt, image-only and a page bomb; and
the layouts real CVs come in: two columns, a duplicated text layer, a DOCX laid out in a
table, headings in Spanish or German, and no headings at all."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.pdfgen.canvas import Canvas

NAME = "Zelda Quuxington"
"""A name that appears nowhere else, so tests can assert it never reaches the logs."""
SECRET_PHRASE = "xylophone-narwhal-7731"
"""A phrase only the CV text contains (same purpose)."""

CV_PAGES: list[list[str]] = [
    [
        NAME,
        "zelda@example.org | +44 20 7946 0000 | London",
        "",
        "Summary",
        f"Backend engineer who likes {SECRET_PHRASE} and reliable systems.",
        "",
        "Skills",
        "Python, PostgreSQL, Docker, Kubernetes, FastAPI, Redis",
        "",
        "Experience",
        "Senior Engineer, Acme Corp (2020-2024)",
        "Built payment APIs in Python and FastAPI serving 2k requests per second.",
        "Led the migration from MySQL to PostgreSQL with zero downtime.",
    ],
    [
        "Software Engineer, Globex (2017-2020)",
        "Maintained CI/CD pipelines and Docker images for 40 services.",
        "",
        "Projects",
        "tinyqueue: a Redis-backed job queue used by 300 GitHub projects.",
        "",
        "Education",
        "BSc Computer Science, University of Somewhere (2014-2017)",
    ],
]


def _draw_lines(c: Canvas, lines: list[str]) -> None:
    y = A4[1] - 72
    for line in lines:
        c.setFont("Helvetica-Bold" if len(line) < 12 and line else "Helvetica", 11)
        c.drawString(72, y, line)
        y -= 16


def normal_cv_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page in CV_PAGES:
        _draw_lines(c, page)
        c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_cv_pdf(user_password: str = "open-sesame") -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=user_password)
    _draw_lines(c, CV_PAGES[0])
    c.showPage()
    c.save()
    return buf.getvalue()


def corrupt_cv_pdf() -> bytes:
    """A PDF header followed by noise: what a truncated download or a renamed file looks like."""
    body = bytes((i * 7919) % 251 for i in range(4096))
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + body + b"\n%%EOF\n"


def image_only_cv_pdf() -> bytes:
    """A 'scan': one page holding a picture of text and no text layer."""
    picture = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(picture)
    for i in range(8):
        draw.text((20, 20 + 30 * i), f"Experience line {i}", fill="black")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(picture), 72, 400, width=450, height=225)
    c.showPage()
    c.save()
    return buf.getvalue()


def page_bomb_pdf(pages: int = 500) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for i in range(pages):
        c.drawString(72, 720, f"Page {i + 1} of padding")
        c.showPage()
    c.save()
    return buf.getvalue()


SIDEBAR = [
    "Skills",
    "Python, Go, Docker",
    "Kubernetes, Terraform",
    "",
    "Education",
    "BSc Computer Science",
    "University of Somewhere",
    "",
    "Languages",
    "English, Spanish",
]
MAIN_COLUMN = [
    "Experience",
    "Senior Engineer, Acme Corp (2020 - 2024)",
    "Built payment APIs in Python serving 2k requests per second.",
    "Led the migration from MySQL to PostgreSQL with zero downtime.",
    "Software Engineer, Globex (2017 - 2020)",
    "Maintained CI/CD pipelines for 40 services.",
    "",
    "Projects",
    "tinyqueue: a Redis-backed job queue used by 300 projects.",
]


def two_column_cv_pdf() -> bytes:
    """A full-width name, then a sidebar (skills, education, languages) beside the main
    column (experience, projects), drawn row by row as layout tools do: the content stream
    interleaves the two columns."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(40, 800, f"{NAME} - Senior Backend Engineer - London, United Kingdom")
    c.setFont("Helvetica", 10)
    y = 760.0
    for i in range(max(len(SIDEBAR), len(MAIN_COLUMN))):
        if i < len(SIDEBAR) and SIDEBAR[i]:
            c.drawString(40, y, SIDEBAR[i])
        if i < len(MAIN_COLUMN) and MAIN_COLUMN[i]:
            c.drawString(220, y, MAIN_COLUMN[i])
        y -= 15
    c.showPage()
    c.save()
    return buf.getvalue()


def duplicated_layer_cv_pdf() -> bytes:
    """Every line drawn twice at the same spot, once as an invisible text layer (what OCR'd
    or 'print to PDF' files carry), and the headings in fake bold (overprinted 0.4 pt off)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = A4[1] - 72
    for line in CV_PAGES[0]:
        if line:
            hidden = c.beginText(72, y)
            hidden.setTextRenderMode(3)
            hidden.setFont("Helvetica", 11)
            hidden.textLine(line)
            c.drawText(hidden)
            c.setFont("Helvetica", 11)
            c.drawString(72, y, line)
            if len(line) < 12:
                c.drawString(72.4, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def table_layout_cv_docx() -> bytes:
    """A CV laid out in a table: a merged header row with the name, then a sidebar cell and
    a main cell holding several paragraphs each; plus a small data table."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    header = table.rows[0].cells[0].merge(table.rows[0].cells[1])
    header.text = f"{NAME} | zelda@example.org"
    left, right = table.rows[1].cells
    left.text = "Skills"
    for line in ("Go, TypeScript, React", "AWS, Terraform", "Education", "MEng, Example Uni"):
        left.add_paragraph(line)
    right.text = "Work Experience"
    for line in (
        "Platform Engineer at Initech (2019-2024)",
        f"Ran Kubernetes for 60 services; {SECRET_PHRASE}.",
        "Projects",
        "k8s-cost: a cost report for clusters.",
    ):
        right.add_paragraph(line)
    data = document.add_table(rows=1, cols=2)
    data.rows[0].cells[0].text = "Stack"
    data.rows[0].cells[1].text = "Kubernetes and gRPC"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def spanish_cv_pdf() -> bytes:
    lines = [
        NAME,
        "zelda@example.org | Madrid",
        "",
        "Perfil",
        "Ingeniera backend con foco en pagos.",
        "Habilidades",
        "Python, PostgreSQL, Kafka",
        "Experiencia profesional",
        "Ingeniera sénior, Acme (2020 - actualidad)",
        "Migré el libro mayor a PostgreSQL sin tiempo de inactividad.",
        "Proyectos",
        "colita: una cola de trabajos sobre Redis.",
        "Formación",
        "Grado en Ingeniería Informática, Universidad de Ejemplo",
    ]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _draw_lines(c, lines)
    c.showPage()
    c.save()
    return buf.getvalue()


def german_cv_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(NAME)
    for heading, body in (
        ("Berufserfahrung", "Softwareentwicklerin bei Initech (2018 - heute)"),
        ("Ausbildung", "M.Sc. Informatik, Universität Beispiel"),
        ("Kenntnisse", "Java, Kotlin, Kubernetes"),
    ):
        document.add_heading(heading, level=1)
        document.add_paragraph(body)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def no_headings_cv_pdf() -> bytes:
    lines = [
        NAME,
        "zelda@example.org | +44 20 7946 0000",
        "",
        "Senior Engineer, Acme Corp (2019 - present)",
        "Built payment APIs in Python serving 2k requests per second.",
        "",
        "Software Engineer, Globex (2015 - 2019)",
        "Maintained CI/CD pipelines for 40 services.",
        "",
        "Python, Go, Docker, Kafka, PostgreSQL",
        "",
        "BSc Computer Science, University of Somewhere",
    ]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    _draw_lines(c, lines)
    c.showPage()
    c.save()
    return buf.getvalue()


def normal_cv_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(NAME)
    document.add_paragraph("zelda@example.org | London")
    document.add_heading("Skills", level=1)
    document.add_paragraph("Go, TypeScript, React, AWS, Terraform")
    document.add_heading("Work Experience", level=1)
    document.add_paragraph(f"Platform Engineer at Initech (2019-2024); {SECRET_PHRASE}.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Stack"
    table.rows[0].cells[1].text = "Kubernetes and gRPC"
    document.add_heading("Education", level=1)
    document.add_paragraph("MEng Software Engineering, Example University")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
