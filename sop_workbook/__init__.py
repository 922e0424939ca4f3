"""sop-workbook: Excel templates in, a reconciled S&OP meeting pack out."""

__version__ = "0.1.0"
