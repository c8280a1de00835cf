"""Benchmarks that need data outside the repository (see each module's docstring)."""
