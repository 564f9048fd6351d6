"""PDF certificates (fpdf2): A4 landscape in the customary layout, or only the fields at
the positions of an overlay layout for pre-printed stock, plus the calibration page.
The face is embedded as a subset, so the file prints the same on any machine."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from medisup.documents.dates import chinese_date, term_date
from medisup.documents.typefaces import Faces

if TYPE_CHECKING:
    from fpdf import FPDF

    from medisup.documents import CertificateText
    from medisup.documents.layout import Layout

WIDTH, HEIGHT = 297.0, 210.0  # A4 landscape, mm
RED = (178, 34, 34)
INK = (20, 20, 20)
GREY = (90, 90, 90)
BODY_PT = 22
LINE_MM = 14.0
TEXT_LEFT, TEXT_WIDTH = 42.0, 213.0


def _document(faces: Faces, width: float = WIDTH, height: float = HEIGHT) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(min(width, height), max(width, height)))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("serif", fname=str(faces.serif))
    pdf.add_font("sans", fname=str(faces.sans))
    pdf.set_creator("medisup")
    pdf.set_title("聘书")
    return pdf


def _qr(pdf: FPDF, text: str, x: float, y: float, side: float) -> None:
    """The QR code as filled rectangles, one per dark run of a row, in a single path."""
    from medisup.documents.qr import runs

    size, dark = runs(text)
    module = side / size
    k, top = pdf.k, pdf.h
    # A hair of overlap between rows keeps scanners from seeing white seams.
    ops = [f"{(x + col * module) * k:.2f} {(top - y - row * module) * k:.2f} "
           f"{length * module * k:.2f} {-module * 1.02 * k:.2f} re"
           for row, col, length in dark]
    out = getattr(pdf, "_out", None)
    if out is None:  # pragma: no cover - fpdf2 without its page-content writer
        pdf.set_fill_color(0, 0, 0)
        for row, col, length in dark:
            pdf.rect(x + col * module, y + row * module, length * module, module * 1.02, "F")
        return
    out("q 0 g " + " ".join(ops) + " f Q")


def _centred(pdf: FPDF, text: str, y: float, centre: float = WIDTH / 2) -> None:
    pdf.text(centre - pdf.get_string_width(text) / 2, y, text)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of at most ``width`` mm, broken between any two characters as Chinese allows
    (but never before closing punctuation).  Cheaper than ``multi_cell`` for a page that
    is laid out a thousand times in a batch."""
    lines = []
    while pdf.get_string_width(text) > width:
        low, high = 1, len(text)  # text[:low] fits, text[:high] does not
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if pdf.get_string_width(text[:mid]) <= width else (low, mid)
        while low > 1 and text[low] in "，。、；：！？）》」”":
            low -= 1
        lines.append(text[:low])
        text = text[low:]
    return [*lines, text]


def _page(pdf: FPDF, doc: CertificateText) -> None:
    """The customary certificate: frame, title, appointment, term, issuer, number, code."""
    pdf.add_page()
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.4)
    pdf.rect(10, 10, WIDTH - 20, HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, WIDTH - 28, HEIGHT - 28)

    pdf.set_text_color(*RED)
    pdf.set_font("serif", size=54)
    _centred(pdf, "聘　书", 50)

    pdf.set_text_color(*INK)
    pdf.set_font("serif", size=BODY_PT)
    paragraphs = (
        f"兹聘请 {doc.name} 同志为{doc.department}{doc.role}。",
        f"聘期自 {term_date(doc.term_start)}至 {term_date(doc.term_end)}。",
        "特发此证。",
    )
    baseline = 80.0
    for text in paragraphs:
        for line in _wrap(pdf, "　　" + text, TEXT_WIDTH):
            pdf.text(TEXT_LEFT, baseline, line)
            baseline += LINE_MM

    pdf.set_font("serif", size=20)
    issued = chinese_date(doc.issued_on)
    right = WIDTH - 42
    block = max(pdf.get_string_width(doc.issuer), pdf.get_string_width(issued))
    _centred(pdf, doc.issuer, 160, right - block / 2)
    _centred(pdf, issued, 172, right - block / 2)

    _qr(pdf, doc.qr_payload, 26, 150, 32)
    pdf.set_font("sans", size=11)
    pdf.set_text_color(*GREY)
    pdf.text(62, 168, f"编号：{doc.number}")
    pdf.text(62, 175, f"核验码：{doc.verify_code}")


def _overlay_page(pdf: FPDF, doc: CertificateText, layout: Layout) -> None:
    from medisup.documents.layout import field_text

    pdf.add_page()
    pdf.set_text_color(*INK)
    for p in layout.placements:
        x, y = p.x + layout.offset_x, p.y + layout.offset_y
        if p.field == "qr":
            _qr(pdf, doc.qr_payload, x, y, p.size)
            continue
        text = field_text(p.field, doc)
        pdf.set_font("sans" if p.field in ("number", "verify_code") else "serif", size=p.size)
        w = pdf.get_string_width(text)
        left = x - w / 2 if p.align == "center" else x - w if p.align == "right" else x
        pdf.text(left, y, text)


def write(docs: Sequence[CertificateText], target: Path, faces: Faces,
          layout: Layout | None = None) -> None:
    """All ``docs`` into one PDF, one certificate a page."""
    if layout is None:
        pdf = _document(faces)
        for doc in docs:
            _page(pdf, doc)
    else:
        pdf = _document(faces, layout.width, layout.height)
        for doc in docs:
            _overlay_page(pdf, doc, layout)
    if docs:
        pdf.set_creation_date(datetime.combine(docs[0].issued_on, time(0)).astimezone())
    pdf.output(str(target))


def layout_test(target: Path, faces: Faces, layout: Layout) -> None:
    """A calibration sheet: a millimetre ruler grid, and each field's anchor marked and
    named, to lay over the pre-printed stock against the light."""
    pdf = _document(faces, layout.width, layout.height)
    pdf.add_page()
    w, h = layout.width, layout.height
    pdf.set_font("sans", size=6)
    for mm in range(0, int(w) + 1):
        major = mm % 10 == 0
        pdf.set_draw_color(*((150, 150, 150) if major else (215, 215, 215)))
        pdf.set_line_width(0.2 if major else 0.05)
        if major or mm % 5 == 0:
            pdf.line(mm, 0, mm, h)
        if major and 0 < mm < w:
            pdf.set_text_color(*GREY)
            pdf.text(mm + 0.5, 3, str(mm))
    for mm in range(0, int(h) + 1):
        major = mm % 10 == 0
        pdf.set_draw_color(*((150, 150, 150) if major else (215, 215, 215)))
        pdf.set_line_width(0.2 if major else 0.05)
        if major or mm % 5 == 0:
            pdf.line(0, mm, w, mm)
        if major and 0 < mm < h:
            pdf.text(0.5, mm - 0.5, str(mm))
    pdf.set_draw_color(*RED)
    pdf.set_text_color(*RED)
    pdf.set_line_width(0.3)
    pdf.set_font("sans", size=8)
    for p in layout.placements:
        x, y = p.x + layout.offset_x, p.y + layout.offset_y
        if p.field == "qr":
            pdf.rect(x, y, p.size, p.size)
        else:
            pdf.line(x - 3, y, x + 3, y)
            pdf.line(x, y - 3, x, y + 3)
        pdf.text(x + 1, y - 1, f"{p.field} ({p.x:g}, {p.y:g})")
    pdf.output(str(target))
