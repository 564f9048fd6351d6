"""Workbook imports, one checker per kind: :mod:`.supervisors` and :mod:`.leads`.

Each checks every row column by column with the rules the commands use, plans the
writes, and hands them to the shared batch machinery in :mod:`medisup.services.batches`.
"""
