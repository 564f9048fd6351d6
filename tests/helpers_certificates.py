"""Test helpers for certificates: appointed supervisors in one call, and readers for the
files that come out (PDF text and fonts, DOCX paragraphs, the QR code on a page)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from helpers_supervisors import appoint, make_id

NAMES = ("张三", "李四", "王五", "赵六", "欧阳明华", "孙七", "周八", "吴九", "郑十", "冯一")


def appointed(env, dept: str = "150103", count: int = 1, *, start: date, names=NAMES
              ) -> list[str]:
    """``count`` supervisors serving in ``dept`` from ``start``; returns their ID numbers."""
    ids = []
    for i in range(count):
        id_number = make_id(dept)
        appoint(env, dept, id_number, names[i % len(names)], start,
                applied_on=start - timedelta(days=10))
        ids.append(id_number)
    return ids


def pdf_text(path: Path) -> str:
    """The text of every page as pypdf extracts it (pypdf pads the two-byte codes of CID
    fonts with NULs, which poppler's pdftotext does not; they are dropped here)."""
    from pypdf import PdfReader

    pages = PdfReader(str(path)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\x00", "")


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def pdf_fonts(path: Path) -> list[tuple[str, bool]]:
    """Each font of the file: its base name and whether its program is embedded."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(str(path)).pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append((str(font["/BaseFont"]), embedded))
    return out


def docx_text(path: Path) -> list[str]:
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs]


def qr_texts(pdf: Path, tmp: Path) -> list[str]:
    """The QR codes found on the first page, rendered at 150 dpi (pdftoppm) and decoded."""
    import subprocess

    import zxingcpp
    from PIL import Image

    stem = tmp / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(stem)],
                   check=True)
    image = Image.open(next(tmp.glob("page*.png")))
    return [r.text for r in zxingcpp.read_barcodes(image)]
