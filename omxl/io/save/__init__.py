"""Saving new files safely: atomic replacement with backups and lock checks, new workbooks and CSV, and the
purchase-order draft workbooks."""
