"""Workbook adapter: reads bureau workbooks and CSVs defensively and writes exports and templates.

Only the standard library is imported here; openpyxl, python-calamine and xlsxwriter are
imported inside the functions that need them.
"""

from medisup.excel.columns import (
    ACTIVITY_COLUMNS,
    LEAD_COLUMNS,
    SUPERVISOR_COLUMNS,
    ColumnSpec,
    with_choices,
)
from medisup.excel.error_book import write_error_workbook
from medisup.excel.errors import (
    EncodingProblem,
    EncryptedWorkbook,
    FileProblem,
    HeaderProblem,
    SheetProblem,
    UnsafeWorkbook,
    UnsupportedFile,
    WorkbookError,
)
from medisup.excel.normalise import Interest, Invalid, MonthDate, normalise, normaliser
from medisup.excel.reader import read_table
from medisup.excel.safety import DEFAULT_LIMITS, Limits
from medisup.excel.table import CellProblem, Row, Table
from medisup.excel.writer import write_rows, write_template

__all__ = [
    "ACTIVITY_COLUMNS",
    "DEFAULT_LIMITS",
    "LEAD_COLUMNS",
    "SUPERVISOR_COLUMNS",
    "CellProblem",
    "ColumnSpec",
    "EncodingProblem",
    "EncryptedWorkbook",
    "FileProblem",
    "HeaderProblem",
    "Interest",
    "Invalid",
    "Limits",
    "MonthDate",
    "Row",
    "SheetProblem",
    "Table",
    "UnsafeWorkbook",
    "UnsupportedFile",
    "WorkbookError",
    "normalise",
    "normaliser",
    "read_table",
    "with_choices",
    "write_error_workbook",
    "write_rows",
    "write_template",
]
