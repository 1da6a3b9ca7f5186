"""Benchmarks behind `har bench`: each returns rows of figures measured on this machine."""
