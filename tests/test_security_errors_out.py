"""``import … --errors OUT``: never over an existing file, never over the workbook being
imported (whatever path spells it), never a mode changed — unless ``--force``; refused
before any work, in one line naming the option and the path, exit 2."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from helpers_supervisors import make_id
from sqlmodel import func, select
from test_import_supervisors import roster, row

from medisup.models import Person

BAD = "15010219900101001X"  # a failed check digit: the import has a problem to mark


@pytest.fixture
def book(tmp_path):
    return roster(tmp_path / "名册.xlsx", [row(make_id(seq=3)), row(BAD, seq=2)])


def people(env) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(Person)).one()


def _spellings(book):
    link = book.with_name("link.xlsx")
    link.symlink_to(book)
    hard = book.with_name("hard.xlsx")
    os.link(book, hard)
    return {"same": str(book), "dotted": f"{book.parent}/./sub/../{book.name}",
            "symlink": str(link), "hard link": str(hard)}


@pytest.mark.parametrize("how", ["same", "dotted", "symlink", "hard link"])
def test_the_input_itself_is_refused(cli, seeded, book, how):
    (book.parent / "sub").mkdir()
    target = _spellings(book)[how]
    before = book.read_bytes()
    mode = book.stat().st_mode
    result = cli("import", "supervisors", str(book), "--errors", target)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--errors" in lines[0] and str(Path(target)) in lines[0]
    assert book.read_bytes() == before and book.stat().st_mode == mode
    assert people(seeded) == 0


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_an_existing_file_is_refused_and_left_as_it_was(cli, seeded, book, tmp_path, mode):
    out = tmp_path / "错误.xlsx"
    out.write_bytes(b"the clerk's other work")
    out.chmod(mode)
    result = cli("import", "supervisors", str(book), "--errors", str(out))
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--errors" in lines[0] and str(out) in lines[0]
    assert "--force" in lines[0]
    assert out.read_bytes() == b"the clerk's other work"
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_a_folder_is_refused(cli, seeded, book, tmp_path):
    result = cli("import", "supervisors", str(book), "--errors", str(tmp_path))
    assert result.exit_code == 2 and "--errors" in result.stderr


def test_force_overwrites_and_a_new_file_is_private(cli, seeded, book, tmp_path):
    out = tmp_path / "错误.xlsx"
    result = cli("import", "supervisors", str(book), "--errors", str(out))
    assert result.exit_code == 1, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    out.write_bytes(b"old")
    result = cli("import", "supervisors", str(book), "--errors", str(out), "--force")
    assert result.exit_code == 1, result.stderr
    assert out.read_bytes()[:2] == b"PK"


def test_force_may_mark_the_input_itself(cli, seeded, book):
    result = cli("import", "supervisors", str(book), "--errors", str(book), "--force")
    assert result.exit_code == 1, result.stderr
    again = cli("import", "supervisors", str(book), "-f", "json")
    assert again.exit_code == 1  # the marked workbook still reads, with the same problem


def test_leads_refuse_too(cli, seeded, tmp_path):
    from test_import_leads import ledger

    path = ledger(tmp_path / "台账.xlsx", [])
    result = cli("import", "leads", str(path), "--errors", str(path), dept="150100")
    assert result.exit_code == 2 and "--errors" in result.stderr
