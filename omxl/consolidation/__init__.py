"""Many workbooks, one book (contract 4.9): each unit's workbook (a branch, a region, a warehouse) read in parallel
(`reading`), then the books merged with a `unit` column on every table and keys qualified per unit (`units`).
"""
