"""Certificates through the command line, with the real files read back: PDF text and
embedded fonts, DOCX paragraphs, the QR code, and nothing left behind on failure."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date

import pytest
from helpers_certificates import (
    appointed,
    docx_text,
    pdf_fonts,
    pdf_pages,
    pdf_text,
    qr_texts,
)
from helpers_supervisors import make_id

START = date(2026, 6, 1)


@pytest.fixture
def roster(seeded):
    return appointed(seeded, "150103", 3, start=START)


def _issue(cli, *args, dept="150103"):
    return cli("certificate", "issue", *args, "--on", "2026-06-15", dept=dept)


def test_issue_one_pdf_holds_every_field_with_embedded_fonts(cli, roster, tmp_path):
    done = _issue(cli, roster[0], "--out", str(tmp_path))
    assert done.exit_code == 0, done.stderr
    path = tmp_path / "150103-2026-0001-张三.pdf"
    assert path.is_file() and "已签发 1 份聘书" in done.stderr
    text = "".join(pdf_text(path).split())
    for expected in ("聘", "张三", "回民区医疗保障局医疗保障基金社会监督员", "2026年6月1日",
                     "2028年5月31日", "特发此证", "二〇二六年六月十五日", "150103-2026-0001"):
        assert expected in text, expected
    fonts = pdf_fonts(path)
    assert fonts and all(embedded for _, embedded in fonts)
    assert any("NotoSerifCJK" in name for name, _ in fonts)
    assert all("+" in name for name, _ in fonts)  # subset fonts carry a tag prefix
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_qr_code_decodes_to_number_and_code(cli, roster, tmp_path):
    assert _issue(cli, roster[0], "--out", str(tmp_path)).exit_code == 0
    shown = json.loads(cli("certificate", "show", "150103-2026-0001", "--format", "json").stdout)
    [payload] = qr_texts(tmp_path / "150103-2026-0001-张三.pdf", tmp_path)
    assert payload == f"MEDISUP-CERT:150103-2026-0001:{shown['verify_code']}"
    assert shown["verify_code"] in pdf_text(tmp_path / "150103-2026-0001-张三.pdf")


def test_pending_batch_writes_files_and_combined_pdf(cli, roster, tmp_path):
    combined = tmp_path / "all" / "聘书.pdf"
    combined.parent.mkdir()
    done = _issue(cli, "--pending", "--out", str(tmp_path / "each"), "--combined", str(combined),
                  dept="150100")
    assert done.exit_code == 0, done.stderr
    assert len(list((tmp_path / "each").glob("*.pdf"))) == 3
    assert pdf_pages(combined) == 3
    text = pdf_text(combined)
    assert all(n in text for n in ("150103-2026-0001", "150103-2026-0002", "150103-2026-0003"))
    again = _issue(cli, "--pending", "--combined", str(tmp_path / "x.pdf"), dept="150100")
    assert again.exit_code == 0 and "没有待签发" in again.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_overlay_prints_only_the_fields(cli, roster, tmp_path):
    done = _issue(cli, roster[0], "--out", str(tmp_path), "--layout", "overlay",
                  "--layout-file", "samples/certificate-overlay-layout.toml")
    assert done.exit_code == 0, done.stderr
    text = pdf_text(tmp_path / "150103-2026-0001-张三.pdf")
    assert "张三" in text and "150103-2026-0001" in text
    assert "聘" not in text.replace("聘期", "") and "特发此证" not in text
    test = cli("certificate", "layout-test", "--out", str(tmp_path / "grid.pdf"))
    assert test.exit_code == 0 and pdf_pages(tmp_path / "grid.pdf") == 1
    assert "qr" in pdf_text(tmp_path / "grid.pdf")


def test_docx_from_default_and_own_template(cli, roster, tmp_path):
    done = _issue(cli, roster[0], "--format", "docx", "--out", str(tmp_path))
    assert done.exit_code == 0, done.stderr
    paragraphs = docx_text(tmp_path / "150103-2026-0001-张三.docx")
    joined = "\n".join(paragraphs)
    for expected in ("兹聘请 张三 同志为回民区医疗保障局医疗保障基金社会监督员",
                     "2026年6月1日", "2028年5月31日", "二〇二六年六月十五日", "150103-2026-0001"):
        assert expected in joined
    assert "{{" not in joined
    with zipfile.ZipFile(tmp_path / "150103-2026-0001-张三.docx") as z:
        assert any(n.startswith("word/media/") for n in z.namelist())  # the QR code


def test_template_missing_a_placeholder_is_refused_naming_it(cli, roster, tmp_path):
    from docx import Document

    own = tmp_path / "own.docx"
    document = Document()
    document.add_paragraph("{{ name }} {{ department }} {{ role }} {{ term_start }} {{ term_end }}")
    document.add_paragraph("{{ issuer }} {{ issued_on }} {{ number }}")
    document.save(str(own))
    out = tmp_path / "out"
    done = _issue(cli, roster[0], "--format", "docx", "--template", str(own), "--out", str(out))
    assert done.exit_code == 1
    assert "{{ verify_code }}" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not list(out.glob("*"))
    listed = cli("certificate", "list", "--format", "json", dept="150103")
    assert json.loads(listed.stdout) == []


def test_missing_glyph_is_refused_before_anything_is_written(cli, seeded, tmp_path):
    [id_number] = appointed(seeded, "150103", 1, start=START, names=("王龘",))
    out = tmp_path / "out"
    done = _issue(cli, id_number, "--out", str(out))
    assert done.exit_code == 1
    assert "龘" in done.stderr and "U+9F98" in done.stderr and "--font" in done.stderr
    assert not list(out.glob("*"))
    assert json.loads(cli("certificate", "list", "--format", "json").stdout) == []
    # the number was not used up either: the next certificate is still 0001
    [other] = appointed(seeded, "150103", 1, start=START)
    assert _issue(cli, other, "--out", str(out)).exit_code == 0
    assert (out / "150103-2026-0001-张三.pdf").exists()


def test_bad_input_gets_one_line_and_the_right_exit_code(cli, roster, tmp_path):
    unknown = cli("certificate", "verify", "150103-2026-0099")
    assert unknown.exit_code == 1 and "不存在" in unknown.stderr
    assert cli("certificate", "show", "150103-2026-0099").exit_code == 1
    nobody = _issue(cli, make_id("150103"), "--out", str(tmp_path))
    assert nobody.exit_code == 1 and len(nobody.stderr.strip().splitlines()) == 1
    both = _issue(cli, roster[0], "--pending")
    assert both.exit_code == 2
    assert _issue(cli, roster[0], "--combined", str(tmp_path / "a.pdf")).exit_code == 2
    blocked = tmp_path / "file"
    blocked.write_text("x")
    unwritable = _issue(cli, roster[0], "--out", str(blocked / "sub"))
    assert unwritable.exit_code == 1 and "--out" in unwritable.stderr
    assert json.loads(cli("certificate", "list", "--format", "json").stdout) == []
    assert _issue(cli, roster[0], "--out", str(tmp_path)).exit_code == 0
    twice = _issue(cli, roster[0], "--out", str(tmp_path))
    assert twice.exit_code == 1 and "150103-2026-0001" in twice.stderr
    assert "Traceback" not in twice.stderr


def test_verify_revoke_reissue_and_list(cli, roster, tmp_path):
    assert _issue(cli, "--pending", "--out", str(tmp_path)).exit_code == 0
    code = json.loads(cli("certificate", "show", "150103-2026-0001", "--format", "json"
                          ).stdout)["verify_code"]
    ok = cli("certificate", "verify", "150103-2026-0001", "--code", code, "--as-of", "2026-07-01")
    assert ok.exit_code == 0 and "有效" in ok.stderr
    bad = cli("certificate", "verify", "150103-2026-0001", "--code", "AAAAAAAA")
    assert bad.exit_code == 1 and "核验码不符" in bad.stderr
    old = cli("certificate", "verify", "150103-2026-0001", "--as-of", "2028-06-01")
    assert old.exit_code == 1 and "已过期" in old.stderr and "2028-05-31" in old.stderr
    revoked = cli("certificate", "revoke", "--yes", "150103-2026-0002", "--reason", "误发",
                  "--on", "2026-06-20")
    assert revoked.exit_code == 0, revoked.stderr
    gone = cli("certificate", "verify", "150103-2026-0002", "--format", "json")
    assert gone.exit_code == 1
    assert json.loads(gone.stdout)["outcome"] == "revoked"
    assert json.loads(gone.stdout)["revoked_reason"] == "误发"
    again = cli("certificate", "reissue", "150103-2026-0003", "--reason", "遗失",
                "--on", "2026-06-20", "--out", str(tmp_path))
    assert again.exit_code == 0, again.stderr
    assert (tmp_path / "150103-2026-0003-R1-王五.pdf").is_file()
    rows = json.loads(cli("certificate", "list", "--status", "valid", "--format", "json",
                          "--as-of", "2026-07-01").stdout)
    assert [r["number"] for r in rows] == ["150103-2026-0001", "150103-2026-0003-R1"]
    csv = cli("certificate", "list", "--year", "2026", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("number,status") and len(csv) == 5
    table = cli("certificate", "list", "--department", "150103")
    assert table.exit_code == 0 and "已补发替换" in table.stdout
    audit = cli("audit", "log", "--format", "json")
    actions = [e["action"] for e in json.loads(audit.stdout) if e["entity"] == "certificate"]
    assert sorted(set(actions)) == ["issue", "reissue", "revoke"]


def test_supervisor_show_lists_the_certificate(cli, roster, tmp_path):
    assert _issue(cli, roster[0], "--out", str(tmp_path)).exit_code == 0
    shown = cli("supervisor", "show", roster[0], "--format", "json", dept="150103")
    assert shown.exit_code == 0
    assert [c["number"] for c in json.loads(shown.stdout)["certificates"]] == ["150103-2026-0001"]


def test_own_font_is_used_and_checked(cli, roster, tmp_path):
    from medisup.documents.typefaces import SANS, shipped

    done = _issue(cli, roster[0], "--out", str(tmp_path), "--font", str(shipped(SANS)))
    assert done.exit_code == 0, done.stderr
    names = [n for n, _ in pdf_fonts(tmp_path / "150103-2026-0001-张三.pdf")]
    assert not any("Serif" in n for n in names)
    bad = _issue(cli, roster[1], "--out", str(tmp_path), "--font", str(tmp_path / "none.ttf"))
    assert bad.exit_code == 1 and "--font" in bad.stderr


def test_init_creates_the_code_secret(bare_cli, empty_db_url):
    from sqlmodel import Session

    from medisup.db import make_engine
    from medisup.models import DatabaseSecret

    done = bare_cli("--db", empty_db_url, "init", "--code", "150000", "--name",
                    "内蒙古自治区医疗保障局", "--pack", "nm-2024", dept=None)
    assert done.exit_code == 0, done.stderr
    engine = make_engine(empty_db_url)
    with Session(engine) as session:
        secret = session.get(DatabaseSecret, "certificate_code")
    engine.dispose()
    assert secret is not None and len(secret.value) == 64


def test_font_from_environment_and_reason_required_without_terminal(cli, roster, tmp_path):
    from medisup.documents.typefaces import SANS, shipped

    done = cli("certificate", "issue", roster[0], "--on", "2026-06-15", "--out", str(tmp_path),
               dept="150103", env={"MEDISUP_CERTIFICATE_FONT": str(shipped(SANS))})
    assert done.exit_code == 0, done.stderr
    names = [n for n, _ in pdf_fonts(tmp_path / "150103-2026-0001-张三.pdf")]
    assert not any("Serif" in n for n in names)
    missing = cli("certificate", "revoke", "--yes", "150103-2026-0001", dept="150103")
    assert missing.exit_code == 2 and "--reason" in missing.stderr


def test_a_failure_while_writing_leaves_no_files_and_no_certificates(cli, roster, tmp_path,
                                                                   monkeypatch):
    from medisup.documents import pdf

    real = pdf.write
    calls = []

    def failing(docs, target, faces, layout=None):
        calls.append(target)
        if len(calls) == 2:
            target.write_bytes(b"%PDF-1.4 half")  # as if cut off mid-write
            raise OSError(28, "No space left on device")
        real(docs, target, faces, layout)

    monkeypatch.setattr(pdf, "write", failing)
    done = _issue(cli, "--pending", "--out", str(tmp_path / "each"),
                  "--combined", str(tmp_path / "all.pdf"), dept="150103")
    assert done.exit_code == 3 and "No space left" in done.stderr
    assert list(tmp_path.rglob("*.pdf")) == [] and list(tmp_path.rglob("*.part")) == []
    monkeypatch.setattr(pdf, "write", real)
    assert json.loads(cli("certificate", "list", "--format", "json").stdout) == []
    assert _issue(cli, "--pending", "--combined", str(tmp_path / "all.pdf")).exit_code == 0
    assert "150103-2026-0001" in pdf_text(tmp_path / "all.pdf")  # no number was used up
