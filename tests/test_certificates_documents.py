"""Certificate documents without a database: Chinese dates, the QR payload, overlay
layout files, glyph checks, and staging that never leaves half a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers_certificates import pdf_pages, pdf_text

from medisup.documents import CertificateText, dates, layout, pdf, qr, typefaces
from medisup.documents.files import Staging, file_name
from medisup.errors import DataError, RuleViolation

DOC = CertificateText("150102-2026-0007", "欧阳明华", "锡林郭勒盟医疗保障局", "医疗保障基金社会监督员",
                      date(2026, 1, 5), date(2028, 1, 4), date(2026, 11, 28),
                      "锡林郭勒盟医疗保障局", "7KQ2M9XD")


@pytest.mark.parametrize(("day", "text"), [
    (date(2026, 11, 28), "二〇二六年十一月二十八日"),
    (date(2030, 1, 10), "二〇三〇年一月十日"),
    (date(2026, 10, 31), "二〇二六年十月三十一日"),
    (date(2027, 2, 1), "二〇二七年二月一日"),
    (date(2026, 12, 20), "二〇二六年十二月二十日"),
])
def test_chinese_date(day, text):
    assert dates.chinese_date(day) == text


def test_term_date():
    assert dates.term_date(date(2026, 1, 5)) == "2026年1月5日"


def test_qr_payload_round_trip_and_alphanumeric():
    text = qr.payload("150102-2026-0007-R1", "7KQ2M9XD")
    assert qr.parse(text) == ("150102-2026-0007-R1", "7KQ2M9XD")
    assert qr.parse("150102-2026-0007") is None
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    size, runs = qr.runs(text)
    assert size == 29 + 4 and runs  # version 3 with a two-module quiet zone


def test_wrapped_lines_fit_and_never_start_with_closing_punctuation(tmp_path):
    document = pdf._document(typefaces.faces())
    document.add_page()
    document.set_font("serif", size=pdf.BODY_PT)
    text = "　　兹聘请 欧阳明华 同志为锡林郭勒盟医疗保障局医疗保障基金社会监督员。" * 2
    lines = pdf._wrap(document, text, pdf.TEXT_WIDTH)
    assert "".join(lines) == text and len(lines) > 1
    assert all(document.get_string_width(line) <= pdf.TEXT_WIDTH for line in lines)
    assert not any(line[0] in "，。、" for line in lines[1:])


def test_overlay_layout_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[fields.name]\nx = "左"\ny = 10\n', encoding="utf-8")
    with pytest.raises(DataError, match="fields.name.x"):
        layout.load(bad)
    bad.write_text('[fields.nickname]\nx = 1\ny = 1\n', encoding="utf-8")
    with pytest.raises(DataError, match="fields.nickname"):
        layout.load(bad)
    bad.write_text("[fields\n", encoding="utf-8")
    with pytest.raises(DataError):
        layout.load(bad)
    shipped = layout.load()
    assert {p.field for p in shipped.placements} >= {"name", "qr", "number", "verify_code"}
    assert layout.load("samples/certificate-overlay-layout.toml").placements == shipped.placements


def test_missing_glyph_names_character_and_font():
    with pytest.raises(RuleViolation) as caught:
        typefaces.check_glyphs({"name": "王龘"}, typefaces.faces().serif)
    assert "龘" in caught.value.message and "U+9F98" in caught.value.message
    assert "Noto Serif CJK SC" in caught.value.message
    typefaces.check_glyphs({"name": "刘䶮", "department": "回民区医疗保障局"},
                           typefaces.faces().serif)  # 䶮 is one of the 8,105


def test_font_option_must_be_a_font_file(tmp_path):
    from medisup.errors import InvalidValue

    with pytest.raises(InvalidValue, match="--font"):
        typefaces.faces(tmp_path / "missing.otf")
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font")
    with pytest.raises(DataError):
        typefaces.faces(junk)


def test_staging_publishes_or_leaves_nothing(tmp_path):
    staging = Staging()
    target = tmp_path / file_name(DOC.number, DOC.name, ".pdf")
    pdf.write([DOC], staging.temp_for(target), typefaces.faces())
    assert not target.exists() and len(list(tmp_path.iterdir())) == 1
    staging.publish()
    assert target.exists() and pdf_pages(target) == 1
    other = Staging()
    other.temp_for(tmp_path / "b.pdf").write_bytes(b"%PDF-half")
    other.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    assert file_name("1-2", "a/b", ".pdf") == "1-2-a_b.pdf"


def test_combined_pdf_has_one_page_per_certificate(tmp_path):
    docs = [DOC, CertificateText(**{**DOC.__dict__, "number": "150102-2026-0008",
                                    "name": "张三"})]
    target = tmp_path / "all.pdf"
    pdf.write(docs, target, typefaces.faces())
    assert pdf_pages(target) == 2
    text = pdf_text(target)
    assert "150102-2026-0007" in text and "150102-2026-0008" in text and "张三" in text


def test_docx_context_has_every_required_placeholder():
    from medisup.documents import docx

    assert set(docx.REQUIRED) <= set(docx.context(DOC))
    assert docx.check_template(None) == docx.default_path()
    assert Path("samples/certificate-template.docx").read_bytes() == \
        docx.default_path().read_bytes()
