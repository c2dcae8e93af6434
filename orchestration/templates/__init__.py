"""Return templates: each quarter's pre-filled return workbook per council and service."""
