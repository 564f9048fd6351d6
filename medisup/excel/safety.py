"""Checks made before a workbook or CSV is parsed: size, real type, passwords, zip bombs, DTDs."""

from __future__ import annotations

import codecs
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from medisup.excel.errors import (
    EncodingProblem,
    EncryptedWorkbook,
    FileProblem,
    UnsafeWorkbook,
    UnsupportedFile,
)

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a file may cost before we refuse to parse it."""

    max_bytes: int = 50 * MB
    max_uncompressed: int = 500 * MB
    max_ratio: float = 100.0
    # Small parts (styles, a short sheet of empty rows) legitimately compress far better
    # than 100:1 and cost nothing to inflate; the ratio is judged above this size.
    ratio_floor: int = 1 * MB
    max_members: int = 10_000
    header_scan: int = 30
    # A sheet is read as a rectangle from A1 to its farthest cell: one stray cell at
    # XFD1048576 would ask for 17 billion.  Judged from the cells that exist (never the
    # declared <dimension>) before anything is allocated; ~100 bytes a cell once read.
    max_cells: int = 4_000_000


DEFAULT_LIMITS = Limits()

OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm"})
OLD_SUFFIXES = frozenset({".xls", ".et"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_XML_HEAD = 4096
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError,
               RuntimeError, ValueError)
_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_ROW_REF = re.compile(rb'<(?:\w{1,10}:)?row r="([0-9]{1,10})"')
_CHUNK = 1 << 20
_SST_TAG = re.compile(rb"<(?:\w{1,10}:)?sst\b[^>]*>")
_COUNT_ATTR = re.compile(rb'\b(?:count|uniqueCount)\s*=\s*["\']([0-9]{1,20})["\']')


def check_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """Refuse a file we should not parse; otherwise say how to read it: "xlsx" or "csv".

    The content decides, not the name: a workbook saved as .xls by mistake still reads,
    and a password-protected .xlsx (an OLE2 container) is named as such.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileProblem("excel.error.missing", path) from None
    except OSError as exc:
        raise FileProblem("excel.error.unreadable", path, reason=exc.strerror or exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("excel.error.not_file", path)
    if info.st_size > limits.max_bytes:
        raise FileProblem(
            "excel.error.too_large",
            path,
            size=_megabytes(info.st_size),
            limit=_megabytes(limits.max_bytes),
        )
    if info.st_size == 0:
        raise FileProblem("excel.error.empty_file", path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_XML_HEAD)
    except OSError as exc:
        raise FileProblem("excel.error.unreadable", path, reason=exc.strerror or exc) from None

    suffix = path.suffix.lower()
    if head.startswith(OLE2_SIGNATURE):
        _refuse_ole2(path, suffix)
    if head.startswith(ZIP_SIGNATURES):
        check_xlsx(path, limits)
        return "xlsx"
    if _looks_like_markup(head):
        raise UnsupportedFile("excel.error.markup", path)
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in WORKBOOK_SUFFIXES or suffix in OLD_SUFFIXES:
        raise UnsupportedFile("excel.error.not_workbook", path)
    raise UnsupportedFile("excel.error.unsupported_type", path)


def _refuse_ole2(path: Path, suffix: str) -> None:
    """An OLE2 compound file: an encrypted workbook or an old binary .xls — never read."""
    if suffix in WORKBOOK_SUFFIXES or _has_encryption_stream(path):
        raise EncryptedWorkbook("excel.error.encrypted", path)
    raise UnsupportedFile("excel.error.old_format", path)


def _has_encryption_stream(path: Path) -> bool:
    # Directory entries store stream names in UTF-16LE; a byte search finds the one
    # Office writes for an encrypted package without parsing the FAT.
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if _ENCRYPTION_STREAM in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTION_STREAM) :]
    return False


def _looks_like_markup(head: bytes) -> bool:
    """A web page or an XML Spreadsheet 2003 file that an old system saved as .xls."""
    start = head.lstrip(codecs.BOM_UTF8).lstrip()[:100].lower()
    return start.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<workbook"))


def check_xlsx(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a zip that is not a workbook, inflates too far, or holds XML with a DTD."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, NotImplementedError,
            EOFError, zlib.error):
        raise UnsupportedFile("excel.error.not_workbook", path) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise UnsafeWorkbook("excel.error.zip_members", path, count=len(members))
        names = {member.filename.lower() for member in members}
        if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
            if "xl/workbook.bin" in names or path.suffix.lower() not in WORKBOOK_SUFFIXES:
                raise UnsupportedFile("excel.error.unsupported_type", path)
            raise UnsupportedFile("excel.error.not_workbook", path)
        if any(member.flag_bits & 0x1 for member in members):
            raise EncryptedWorkbook("excel.error.encrypted", path)
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > limits.ratio_floor:
                ratio = member.file_size / max(member.compress_size, 1)
                if ratio > limits.max_ratio:
                    raise UnsafeWorkbook(
                        "excel.error.zip_ratio", path, member=member.filename, ratio=int(ratio)
                    )
        if total > limits.max_uncompressed:
            raise UnsafeWorkbook(
                "excel.error.zip_size",
                path,
                size=_megabytes(total),
                limit=_megabytes(limits.max_uncompressed),
            )
        for member in members:
            if member.filename.lower().endswith(_XML_SUFFIXES):
                _check_xml_part(path, archive, member, limits)
        for member in members:
            if _SHEET_PART.fullmatch(member.filename):
                check_sheet_extent(path, archive, member, limits)


def check_sheet_extent(
    path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits = DEFAULT_LIMITS
) -> tuple[int, int]:
    """The rows and columns a sheet really spans (A1 to its farthest existing cell), read
    by streaming its XML; refused when rows × columns exceeds ``limits.max_cells``.

    Cheap enough to run before every read: the largest row comes from the row tags, and
    only cell references with more digits than that (a stray far cell) are parsed; the
    largest column is found by a few byte searches, not by parsing every reference."""
    rows = row_tags = cols = 0
    tail = b""
    try:
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                text = tail + chunk
                if chunk:
                    # a tag cut at the chunk's end is seen whole in the next round
                    last = text.rfind(b"<")
                    cut = last if 0 <= len(text) - last < 4096 else max(len(text) - 64, 0)
                    body, tail = text[:cut], text[cut:]
                else:
                    body, tail = text, b""
                row_tags += body.count(b"<row") + body.count(b":row ")
                rows = max(rows, _last_row_number(body))
                rows = max(rows, row_tags)
                digits = min(len(str(rows)) + 1, 20)
                far = re.findall(rb' r="[A-Z]{1,3}([0-9]{%d,20})"' % digits, body)
                if far:
                    rows = max(rows, max(map(int, far)))
                cols = max(cols, _widest_column(body, cols))
                if not chunk:
                    break
    except _ZIP_ERRORS:
        raise UnsupportedFile("excel.error.corrupt", path, reason=member.filename) from None
    if rows * cols > limits.max_cells:
        raise UnsafeWorkbook("excel.error.too_many_cells", path, sheet=member.filename,
                             rows=rows, cols=cols, cells=rows * cols, limit=limits.max_cells)
    return rows, cols


def _last_row_number(body: bytes) -> int:
    """The number of the chunk's last row tag (rows are written in order; a cell out of
    order beyond it is caught by the far-reference search)."""
    at = max(body.rfind(b'<row r="'), body.rfind(b':row r="'))
    if at < 0:
        return 0
    match = _ROW_REF.match(body, at if body[at] == 60 else body.rfind(b"<", 0, at))
    return int(match.group(1)) if match else 0


def _widest_column(body: bytes, known: int) -> int:
    """The widest column referenced in ``body`` if wider than ``known`` (one scan that
    matches only references beyond it, so an ordinary sheet costs one pass)."""
    if known >= 26:
        pattern = rb' r="([A-Z]{2,3})[0-9]'
    else:
        pattern = rb' r="([A-Z]{2,3}|[%c-Z])[0-9]' % (65 + known)
    found = re.findall(pattern, body)
    return max(known, max(map(_column_number, set(found)))) if found else known


def check_grid_extent(path: Path, rows: int, cols: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """The same cap for a CSV file, checked before its short rows are padded out."""
    if rows * cols > limits.max_cells:
        raise UnsafeWorkbook("excel.error.too_many_cells", path, sheet=Path(path).name,
                             rows=rows, cols=cols, cells=rows * cols, limit=limits.max_cells)


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


def _check_declared_counts(path: Path, member: zipfile.ZipInfo, head: bytes,
                           limits: Limits) -> None:
    """A count attribute the parser allocates by before reading (the shared-string table's
    ``count``/``uniqueCount``): one claiming billions in a 5 KB file would abort the process."""
    tag = _SST_TAG.search(head)
    for match in _COUNT_ATTR.finditer(tag.group() if tag else b""):
        declared = int(match.group(1))
        if declared > limits.max_cells:
            raise UnsafeWorkbook("excel.error.too_many_strings", path, member=member.filename,
                                 count=declared, limit=limits.max_cells)


def _check_xml_part(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo,
                    limits: Limits = DEFAULT_LIMITS) -> None:
    """A DTD can only sit in the prolog, before the root element: look there and nowhere else."""
    try:
        with archive.open(member) as handle:
            head = handle.read(_XML_HEAD)
    except _ZIP_ERRORS:
        raise UnsupportedFile("excel.error.corrupt", path, reason=member.filename) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:64]:
        text = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    else:
        text = head
    _check_declared_counts(path, member, text, limits)
    upper = text.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise UnsafeWorkbook("excel.error.xml_dtd", path, member=member.filename)
    if len(head) == _XML_HEAD and not _has_root_element(text):
        # A prolog longer than 4 KB is never written by Excel; it would hide a DTD.
        raise UnsafeWorkbook("excel.error.xml_dtd", path, member=member.filename)


def _has_root_element(text: bytes) -> bool:
    start = 0
    while (start := text.find(b"<", start)) != -1:
        following = text[start + 1 : start + 2]
        if following.isalpha() or following == b"_":
            return True
        start += 1
    return False


def require_defused_openpyxl(path: str | Path) -> None:
    """openpyxl parses with defusedxml only when it is installed and not switched off."""
    import openpyxl

    if openpyxl.DEFUSEDXML is not True:
        raise UnsafeWorkbook("excel.error.defusedxml", path)


def read_csv_text(path: str | Path) -> tuple[str, str]:
    """The text of a CSV file and the encoding found: UTF-8 (BOM or not), UTF-16 or UTF-32 with
    a BOM, GB18030."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem("excel.error.unreadable", path, reason=exc.strerror or exc) from None
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        # UTF-32's little-endian BOM begins with UTF-16's: look for it first.
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            return data.decode("utf-32"), "utf-32"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError:
        raise EncodingProblem("excel.error.encoding", path) from None
    if b"\x00" in data[:8192]:
        raise UnsupportedFile("excel.error.binary", path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, which is what Excel writes on Chinese Windows.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise EncodingProblem("excel.error.encoding", path) from None


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"
