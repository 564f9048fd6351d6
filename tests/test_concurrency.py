"""Two staff writing at once both succeed, and the audit chain stays whole."""

from __future__ import annotations

import threading

from medisup.services import audit, departments


def test_concurrent_writers_both_succeed(seeded):
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def clerk(dept: str, child: str) -> None:
        try:
            start.wait()
            for quota in range(1, 11):
                with seeded.uow(dept, command="dept update") as uow:
                    departments.update(uow, child, quota=quota)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=("150100", "150102")),
               threading.Thread(target=clerk, args=("450100", "450102"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with seeded.uow(write=False) as uow:
        report = audit.verify(uow.session)
    assert report.ok
    assert report.entries == 8 + 20


def test_a_write_waits_for_a_long_writer_and_says_so(cli, seeded, monkeypatch):
    """A `dept add` issued while another connection holds SQLite's write lock (an import's
    write, a backup) waits for it — saying so on stderr — instead of failing after the
    busy timeout."""
    import sqlite3
    import time

    import pytest

    from medisup import db

    path = db.sqlite_path(db.make_engine(seeded.url))
    if path is None:
        pytest.skip("SQLite's single write lock")
    monkeypatch.setattr(db, "SQLITE_QUIET_WAIT_MS", 100)
    monkeypatch.setattr(db, "SQLITE_WRITE_WAIT_MS", 20_000)  # a broken test fails, not hangs
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(1.5, holder.execute, args=("COMMIT",))
    released.start()
    started = time.monotonic()
    try:
        result = cli("dept", "add", "150199", "测试区医疗保障局", "--parent", "150100",
                     dept="150100")
    finally:
        released.join()
        holder.close()
    assert result.exit_code == 0, result.stderr
    assert "正被另一个写入操作" in result.stderr
    assert time.monotonic() - started >= 1.4  # it did wait for the lock
