"""DOCX certificates filled from a Word template (docxtpl, Jinja placeholders such as
``{{ name }}``); a bureau may use its own template as long as every field is there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from medisup.documents.dates import chinese_date, term_date
from medisup.errors import DataError, InvalidValue
from medisup.i18n import t

if TYPE_CHECKING:
    from medisup.documents import CertificateText

DEFAULT = "certificate.docx"
# Every field of a certificate; a template lacking one would print an incomplete certificate.
REQUIRED = ("name", "department", "role", "term_start", "term_end", "issuer", "issued_on",
            "number", "verify_code")
OPTIONAL = ("qr", "term", "appointment")


def default_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("medisup.documents") / "templates" / DEFAULT))


def check_template(path: str | Path | None) -> Path:
    """The template to use; refused when unreadable or missing a placeholder (named)."""
    from docxtpl import DocxTemplate

    path = Path(path).expanduser() if path else default_path()
    if not path.is_file():
        raise InvalidValue("--template", str(path), t("certificate.expect_template"))
    try:
        declared = DocxTemplate(str(path)).get_undeclared_template_variables()
    except Exception as exc:  # a broken zip, not a Word file, bad Jinja syntax
        raise DataError(t("certificate.template_unreadable", path=path, problem=exc)) from None
    missing = [name for name in REQUIRED if name not in declared]
    if missing:
        raise InvalidValue("--template", str(path), t(
            "certificate.template_missing", placeholder="{{ " + missing[0] + " }}",
            all="、".join("{{ " + m + " }}" for m in missing)))
    return path


def context(doc: CertificateText) -> dict[str, Any]:
    return {
        "name": doc.name, "department": doc.department, "role": doc.role,
        "appointment": doc.department + doc.role,
        "term_start": term_date(doc.term_start), "term_end": term_date(doc.term_end),
        "term": f"{term_date(doc.term_start)}至{term_date(doc.term_end)}",
        "issuer": doc.issuer, "issued_on": chinese_date(doc.issued_on),
        "number": doc.number, "verify_code": doc.verify_code,
    }


def write(doc: CertificateText, template: Path, target: Path) -> None:
    import io

    import segno
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    tpl = DocxTemplate(str(template))
    values = context(doc)
    png = io.BytesIO()
    segno.make_qr(doc.qr_payload, error="m").save(png, kind="png", scale=8, border=2)
    png.seek(0)
    values["qr"] = InlineImage(tpl, png, width=Mm(28))
    tpl.render(values, autoescape=True)
    tpl.save(str(target))


def build_default(target: Path) -> None:
    """Write the default template (run once; the result ships with the package)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(35)
    section.top_margin = section.bottom_margin = Mm(22)

    def para(text: str, *, size: float, align=WD_ALIGN_PARAGRAPH.LEFT, color=None,
             indent: bool = False, after: float = 6, font: str = "SimSun"):
        p = document.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(after)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.font.name = font
        run._element.rPr.rFonts.set(qn("w:eastAsia"), font)
        if color:
            run.font.color.rgb = RGBColor(*color)
        return p

    para("聘　书", size=48, align=WD_ALIGN_PARAGRAPH.CENTER, color=(178, 34, 34), after=24)
    para("兹聘请 {{ name }} 同志为{{ department }}{{ role }}。", size=20, indent=True)
    para("聘期自 {{ term_start }}至 {{ term_end }}。", size=20, indent=True)
    para("特发此证。", size=20, indent=True, after=30)
    para("{{ issuer }}", size=18, align=WD_ALIGN_PARAGRAPH.RIGHT, after=2)
    para("{{ issued_on }}", size=18, align=WD_ALIGN_PARAGRAPH.RIGHT, after=6)
    para("{{ qr }}", size=10)
    para("编号：{{ number }}　核验码：{{ verify_code }}", size=10, color=(90, 90, 90),
         font="SimHei")
    document.core_properties.title = "聘书"
    document.core_properties.author = "medisup"
    document.save(str(target))
