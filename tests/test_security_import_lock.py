"""A long import does not hold SQLite's write lock while it checks its rows: another
writer started meanwhile succeeds at once, whatever the busy timeout; the import then
takes the lock, and checks again under it when someone wrote in between, so what the
other writer did is honoured, never overwritten or duplicated."""

from __future__ import annotations

import threading

import pytest
from helpers_supervisors import apply, make_id
from sqlmodel import func, select
from test_import_supervisors import roster, row

from medisup.models import Department, Person
from medisup.services import departments
from medisup.services.supervisors import import_roster as roster_import

pytestmark = pytest.mark.sqlite_only

IDS = [make_id(seq=n * 2 + 1) for n in range(1, 6)]


@pytest.fixture
def short_timeout(monkeypatch):
    """Another writer gives up after 0.3 s: shorter than the check below is held open."""
    import medisup.db

    monkeypatch.setattr(medisup.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    # and does not wait on for the lock as a writer otherwise would (medisup.db)
    monkeypatch.setattr(medisup.db, "SQLITE_QUIET_WAIT_MS", 300)
    monkeypatch.setattr(medisup.db, "SQLITE_WRITE_WAIT_MS", 300)


def _import_while(env, book, during) -> tuple[object, int, list[BaseException]]:
    """Run the import in a thread; ``during()`` runs in this thread while the import is
    between its checks and its write.  Returns the report and how often rows were checked."""
    in_check = threading.Event()
    go_on = threading.Event()
    runs = []
    original = roster_import._Checker.run

    def run(self):
        original(self)
        runs.append(1)
        if len(runs) == 1:
            in_check.set()
            go_on.wait(30)

    errors: list[BaseException] = []
    result = {}

    def importer():
        try:
            with env.uow("150000", command="import supervisors") as uow:
                result["report"] = roster_import.import_supervisors(uow, book)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            in_check.set()

    roster_import._Checker.run = run
    try:
        thread = threading.Thread(target=importer)
        thread.start()
        assert in_check.wait(60)
        try:
            during()
        finally:
            go_on.set()
            thread.join(120)
    finally:
        roster_import._Checker.run = original
    return result.get("report"), len(runs), errors


def count(env, model, *where) -> int:
    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_dept_add_during_the_check_of_an_import_succeeds(seeded, tmp_path, short_timeout):
    book = roster(tmp_path / "名册.xlsx", [row(n, dept="152500", seq=k)
                                           for k, n in enumerate(IDS, 1)])

    def dept_add():
        with seeded.uow("150000", command="dept add") as uow:
            departments.add(uow, code="150900", name="乌兰察布市医疗保障局", parent="150000")

    report, checks, errors = _import_while(seeded, book, dept_add)
    assert errors == []
    assert report.created == len(IDS) and report.batch_id is not None
    assert count(seeded, Department, Department.code == "150900") == 1
    assert count(seeded, Person) == len(IDS)
    assert checks == 2  # someone wrote meanwhile: checked again under the lock


def test_a_person_added_during_the_check_is_not_created_twice(seeded, tmp_path, short_timeout):
    book = roster(tmp_path / "名册.xlsx", [row(n, dept="152500", seq=k)
                                           for k, n in enumerate(IDS, 1)])
    report, checks, errors = _import_while(
        seeded, book, lambda: apply(seeded, "152500", IDS[0], name="王建国"))
    assert errors == []
    assert checks == 2
    assert report.created + report.updated + report.unchanged == len(IDS)
    assert count(seeded, Person) == len(IDS)  # the applicant was matched, not duplicated


def test_without_other_writers_the_rows_are_checked_once(seeded, tmp_path):
    book = roster(tmp_path / "名册.xlsx", [row(n, dept="152500", seq=k)
                                           for k, n in enumerate(IDS, 1)])
    report, checks, errors = _import_while(seeded, book, lambda: None)
    assert errors == [] and checks == 1 and report.created == len(IDS)
