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
