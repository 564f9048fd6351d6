"""Refusals before parsing: missing, oversized, disguised, encrypted and hostile files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from medisup.errors import DataError, ExitStatus
from medisup.excel import (
    SUPERVISOR_COLUMNS,
    EncodingProblem,
    EncryptedWorkbook,
    FileProblem,
    Limits,
    UnsafeWorkbook,
    UnsupportedFile,
    WorkbookError,
    read_table,
)
from medisup.excel.safety import OLE2_SIGNATURE, check_file, require_defused_openpyxl

ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "zh")


@pytest.fixture
def good(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "身份证号"])
    book.active.append(["张三", ID])
    path = tmp_path / "good.xlsx"
    book.save(path)
    return path


def refused(path: Path, kind: type[WorkbookError], key: str, **options: object) -> WorkbookError:
    with pytest.raises(kind) as raised:
        read_table(path, SUPERVISOR_COLUMNS, **options)  # type: ignore[arg-type]
    error = raised.value
    assert error.key == key
    assert isinstance(error, DataError) and error.exit_status == ExitStatus.DATA
    assert path.name in error.message
    assert "\n" not in error.message
    return error


def rebuilt(
    source: Path,
    target: Path,
    replace: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A copy of a workbook with some parts replaced or added."""
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            new.writestr(item.filename, replace.get(item.filename, old.read(item.filename)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def test_a_good_workbook_passes(good: Path) -> None:
    assert check_file(good) == "xlsx"
    assert read_table(good, SUPERVISOR_COLUMNS).rows[0].values["id_number"] == ID


def test_missing_directory_empty_and_too_large(tmp_path: Path, good: Path) -> None:
    refused(tmp_path / "nowhere.xlsx", FileProblem, "excel.error.missing")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    refused(folder, FileProblem, "excel.error.not_file")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    refused(empty, FileProblem, "excel.error.empty_file")
    error = refused(good, FileProblem, "excel.error.too_large", limits=Limits(max_bytes=1000))
    assert "MB" in error.message


def test_not_a_workbook(tmp_path: Path) -> None:
    text = tmp_path / "名单.xlsx"
    text.write_text("姓名,身份证号\n", encoding="utf-8")
    error = refused(text, UnsupportedFile, "excel.error.not_workbook")
    assert "名单.xlsx" in error.message

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused(broken, UnsupportedFile, "excel.error.not_workbook")

    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    refused(other, UnsupportedFile, "excel.error.not_workbook")

    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    refused(pdf, UnsupportedFile, "excel.error.unsupported_type")


def test_web_page_saved_as_xls(tmp_path: Path) -> None:
    page = tmp_path / "导出.xls"
    page.write_text(
        "<html><body><table><tr><td>姓名</td></tr></table></body></html>", encoding="utf-8"
    )
    refused(page, UnsupportedFile, "excel.error.markup")
    xml = tmp_path / "导出2003.xls"
    xml.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>'
    )
    refused(xml, UnsupportedFile, "excel.error.markup")


def test_workbook_with_the_wrong_suffix_still_reads(tmp_path: Path, good: Path) -> None:
    renamed = tmp_path / "good.xls"
    renamed.write_bytes(good.read_bytes())
    assert read_table(renamed, SUPERVISOR_COLUMNS).rows[0].values["name"] == "张三"


def ole2(path: Path, *streams: str) -> Path:
    """An OLE2 compound-file stub: the signature, a header and directory entry names."""
    body = bytearray(OLE2_SIGNATURE + b"\x00" * 504)
    for name in ("Root Entry", *streams):
        entry = name.encode("utf-16-le").ljust(64, b"\x00")
        body += entry + b"\x00" * 64
    path.write_bytes(bytes(body))
    return path


def test_password_protected_workbooks(tmp_path: Path) -> None:
    error = refused(
        ole2(tmp_path / "加密.xlsx", "EncryptionInfo", "EncryptedPackage"),
        EncryptedWorkbook,
        "excel.error.encrypted",
    )
    assert "密码" in error.message
    # Any OLE2 file named .xlsx is an encrypted package: a real .xlsx is a zip.
    refused(ole2(tmp_path / "plain.xlsx"), EncryptedWorkbook, "excel.error.encrypted")
    refused(
        ole2(tmp_path / "renamed.xls", "EncryptionInfo"), EncryptedWorkbook, "excel.error.encrypted"
    )


def test_old_xls(tmp_path: Path) -> None:
    error = refused(
        ole2(tmp_path / "旧表.xls", "Workbook", "SummaryInformation"),
        UnsupportedFile,
        "excel.error.old_format",
    )
    assert ".xlsx" in error.message


def test_encrypted_workbook_message_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDISUP_LANG", "en")
    error = refused(
        ole2(tmp_path / "locked.xlsx", "EncryptionInfo"), EncryptedWorkbook, "excel.error.encrypted"
    )
    assert "password" in error.message


def test_zip_bomb_by_ratio(tmp_path: Path, good: Path) -> None:
    bomb = rebuilt(good, tmp_path / "bomb.xlsx", extra={"xl/media/image1.bin": b"\x00" * (3 << 20)})
    error = refused(bomb, UnsafeWorkbook, "excel.error.zip_ratio")
    assert "xl/media/image1.bin" in error.message


def test_zip_bomb_by_total_size(good: Path) -> None:
    refused(good, UnsafeWorkbook, "excel.error.zip_size", limits=Limits(max_uncompressed=2000))


def test_too_many_parts(tmp_path: Path, good: Path) -> None:
    many = rebuilt(good, tmp_path / "many.xlsx", extra={f"x/{n}.bin": b"" for n in range(30)})
    refused(many, UnsafeWorkbook, "excel.error.zip_members", limits=Limits(max_members=20))


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
)


def test_xml_with_doctype_is_refused(tmp_path: Path, good: Path) -> None:
    hostile = rebuilt(good, tmp_path / "dtd.xlsx", replace={"xl/workbook.xml": BILLION_LAUGHS})
    error = refused(hostile, UnsafeWorkbook, "excel.error.xml_dtd")
    assert "xl/workbook.xml" in error.message


def test_xml_with_entity_only_is_refused(tmp_path: Path, good: Path) -> None:
    part = b'<?xml version="1.0"?><!ENTITY x SYSTEM "file:///etc/passwd"><sst/>'
    hostile = rebuilt(good, tmp_path / "entity.xlsx", extra={"xl/sharedStrings.xml": part})
    refused(hostile, UnsafeWorkbook, "excel.error.xml_dtd")


def test_utf16_doctype_is_refused(tmp_path: Path, good: Path) -> None:
    part = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')
    hostile = rebuilt(
        good, tmp_path / "utf16.xlsx", replace={"xl/workbook.xml": part.encode("utf-16")}
    )
    refused(hostile, UnsafeWorkbook, "excel.error.xml_dtd")


def test_doctype_hidden_behind_a_long_prolog_is_refused(tmp_path: Path, good: Path) -> None:
    part = b'<?xml version="1.0"?><!--' + b"x" * 5000 + b"-->" + BILLION_LAUGHS.split(b"\n", 1)[1]
    hostile = rebuilt(good, tmp_path / "padded.xlsx", replace={"xl/workbook.xml": part})
    refused(hostile, UnsafeWorkbook, "excel.error.xml_dtd")


def test_openpyxl_parses_with_defusedxml(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    # defusedxml's parser, or (when lxml is installed) lxml with entities never resolved
    parse = functions.fromstring
    lxml_parser = getattr(parse, "keywords", {}).get("parser")
    assert parse.__module__.startswith("defusedxml") or (
        lxml_parser is not None and lxml_parser.resolvers is not None
        and "lxml" in type(lxml_parser).__module__)
    require_defused_openpyxl(good)
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(UnsafeWorkbook):
        require_defused_openpyxl(good)


def test_undecodable_csv(tmp_path: Path) -> None:
    path = tmp_path / "乱码.csv"
    path.write_bytes("姓名,身份证号\n".encode() + b"\x80\xff\xfe\x81\x20\n")
    error = refused(path, EncodingProblem, "excel.error.encoding")
    assert "UTF-8" in error.message and "GBK" in error.message


def test_binary_csv(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"\x01\x02\x00\x00\x00binary")
    refused(path, UnsupportedFile, "excel.error.binary")


def test_empty_csv(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n,,\n", encoding="utf-8")
    refused(path, WorkbookError, "excel.error.empty_file")
