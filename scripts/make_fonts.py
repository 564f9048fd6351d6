"""Rebuild the certificate fonts shipped in ``medisup/documents/fonts/``.

The faces are Noto Serif CJK SC and Noto Sans CJK SC (SIL Open Font License 1.1), cut down
to the 8,105 characters of 通用规范汉字表 (``charset-8105.txt``) plus ASCII, Latin-1
punctuation, general and CJK punctuation and full-width forms: every name of the standard
character set prints, and the package stays small.  CFF outlines are kept (smaller than
TrueType), hinting is dropped (certificates are printed, not shown at 9 px).

    python scripts/make_fonts.py [SERIF.ttc SANS.ttc]

Defaults are the Debian ``fonts-noto-cjk`` files.  The output is deterministic for the
same input files.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "medisup" / "documents" / "fonts"
SOURCES = {
    "NotoSerifCJKsc-Regular-subset.otf": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "NotoSansCJKsc-Regular-subset.otf": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
}
SC_FAMILY = "CJK SC"  # the member of the collection to take


def charset() -> set[int]:
    text = (FONTS / "charset-8105.txt").read_text(encoding="utf-8")
    han = {ord(c) for line in text.splitlines() if not line.startswith("#") for c in line.strip()}
    extra: set[int] = set(range(0x20, 0x7F))  # ASCII
    extra |= set(range(0xA0, 0x100))  # Latin-1 (·, ×, ÷, °)
    extra |= set(range(0x2010, 0x2070))  # general punctuation: — ‘ ’ “ ” … ‰ ※
    extra |= set(range(0x2160, 0x217A))  # Roman numerals Ⅰ–Ⅻ
    extra |= set(range(0x2460, 0x2474))  # ①–⑳
    extra |= set(range(0x3000, 0x3040))  # CJK punctuation, 〇, 《》「」【】
    extra |= set(range(0xFF01, 0xFF5F))  # full-width forms
    extra |= {0x25CB, 0x25CF, 0x25A1, 0x25A0, 0x2605, 0x2606, 0x2116, 0x2103}
    return han | extra


def subset(source: str, target: Path, codepoints: set[int]) -> None:
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.endswith((".ttc", ".otc")):
        collection = TTCollection(source, lazy=False)
        font = next(f for f in collection.fonts if SC_FAMILY in f["name"].getDebugName(4))
    else:
        font = TTFont(source)
    options = ft_subset.Options()
    options.hinting = False
    options.desubroutinize = False
    options.layout_features = ["kern", "vert", "vrt2", "fwid", "hwid", "pwid", "palt"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.save(str(target))
    print(f"{target.name}: {len(font.getGlyphOrder())} glyphs, {target.stat().st_size:,} bytes")


def main(argv: list[str]) -> int:
    sources = dict(SOURCES)
    if len(argv) == 2:
        sources = dict(zip(SOURCES, argv, strict=True))
    codepoints = charset()
    for name, source in sources.items():
        subset(source, FONTS / name, codepoints)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
