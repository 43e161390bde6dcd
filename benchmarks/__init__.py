"""Benchmark harness: a synthetic order book (make_book), a stage-by-stage timer (pipeline), and the same
timer on the full Online Retail data set (online_retail)."""
