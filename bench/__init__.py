"""Benchmarks, run by make targets (never as timed tests)."""
