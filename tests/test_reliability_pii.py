"""A PII scan of a realistic run: after appointing a supervisor with a known ID number and
phone and logging a lead, no read command run without ``--reveal`` prints or writes the
full ID number, its birth date in any common form, or the full phone number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers_leads import log_lead
from helpers_supervisors import apply, make_id

ID_NUMBER = make_id("150102", "19830917", 357)
PHONE = "13987654321"
NEEDLES = (ID_NUMBER, PHONE, "1983-09-17", "19830917", "1983年9月17日", "1983年09月17日",
           "1983/09/17", "1983/9/17", "1983.09.17", "17/09/1983")


def _xlsx_text(path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    book.close()
    return "\n".join(cells)


def _leaks(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(where, needle, text[max(0, text.find(needle) - 80):text.find(needle) + 30])
            for where, text in texts.items() for needle in NEEDLES if needle in text]


@pytest.fixture
def outputs(seeded, cli, tmp_path) -> dict[str, str]:
    """Every read command's stdout and stderr, and the exported workbooks' text."""
    from medisup.services import supervisors

    start = date(2025, 12, 1)
    apply(seeded, "150102", ID_NUMBER, name="刘晓燕", phone=PHONE,
          applied_on=start - timedelta(days=5))
    with seeded.uow("150102") as uow:
        supervisors.approve(uow, ID_NUMBER, department="150102", start=start, on=start)
    lead = log_lead(seeded, ID_NUMBER, received=date(2025, 12, 20))

    runs = {
        "supervisor list": cli("supervisor", "list"),
        "supervisor list json": cli("supervisor", "list", "-f", "json"),
        "supervisor list csv": cli("supervisor", "list", "-f", "csv"),
        "supervisor show": cli("supervisor", "show", ID_NUMBER),
        "lead list": cli("lead", "list"),
        "lead list json": cli("lead", "list", "-f", "json"),
        "lead show": cli("lead", "show", lead.number),
        "audit log": cli("audit", "log"),
        "audit log json": cli("audit", "log", "-f", "json"),
        "review renewals": cli("review", "renewals", "--within", "800", "-f", "json"),
        "export supervisors": cli("export", "supervisors", str(tmp_path / "s.xlsx")),
        "export leads": cli("export", "leads", str(tmp_path / "l.xlsx")),
    }
    texts = {}
    for name, result in runs.items():
        assert result.exit_code == 0, (name, result.stderr)
        texts[f"{name} stdout"] = result.stdout
        texts[f"{name} stderr"] = result.stderr
    assert "刘晓燕" in runs["supervisor show"].stdout  # the scan looks at the right person
    assert lead.number in runs["lead show"].stdout
    for name in ("s.xlsx", "l.xlsx"):
        texts[name] = _xlsx_text(tmp_path / name)
        assert texts[name].strip(), name
    assert "刘晓燕" in texts["s.xlsx"]

    return texts


def test_no_read_command_without_reveal_shows_the_id_number_birth_date_or_phone(outputs, cli):
    assert _leaks({k: v for k, v in outputs.items() if not k.startswith("audit log")}) == []
    # and the scan would see them: --reveal does print the full number
    assert ID_NUMBER in cli("supervisor", "show", ID_NUMBER, "--reveal").stdout


def test_the_audit_log_without_reveal_shows_no_birth_date(outputs):
    assert _leaks({k: v for k, v in outputs.items() if k.startswith("audit log")}) == []
