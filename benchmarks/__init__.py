"""Tandem's benchmarks (issue 16): `python -m benchmarks [--quick] --json FILE`."""
