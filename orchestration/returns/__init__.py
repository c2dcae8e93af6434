"""The quarterly return workbook: its format, its reader and its validation errors."""
