"""Dates as certificates print them: 2026年1月5日 for terms, 二〇二六年一月五日 for the
date of issue (the customary style of official documents)."""

from __future__ import annotations

from datetime import date

DIGITS = "〇一二三四五六七八九"


def term_date(day: date) -> str:
    """``2026年1月5日``."""
    return f"{day.year}年{day.month}月{day.day}日"


def _small(n: int) -> str:
    """1–31 in Chinese numerals: 十, 十一, 二十, 三十一."""
    if n < 10:
        return DIGITS[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[units] if units else "")


def chinese_date(day: date) -> str:
    """``二〇二六年十一月二十八日``: the year digit by digit, month and day as numbers."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{_small(day.month)}月{_small(day.day)}日"
