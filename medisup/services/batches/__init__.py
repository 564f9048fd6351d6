"""Workbook imports as batches: the pipeline and report, bulk writing, the undo journal,
and undo.

An import checks every row first (the per-kind checkers live in
:mod:`medisup.services.supervisors.import_roster`, :mod:`medisup.services.leads.import_ledger`)
and writes only when no row has a problem, all in the
command's one transaction.  Rows are written in bulk — Core ``insert()``/``update()``
statements run as one executemany each, primary keys reserved up front so children can
name new parents — never as ORM objects one by one.  Instead of one audit entry per row,
the batch gets one entry whose ``after`` holds the counts and a journal (ids created per
table as ranges, before-images of updated rows) that ``undo`` reverses.
"""
