"""Benchmark harness: a synthetic order book (make_book) and a stage-by-stage timer (pipeline)."""
