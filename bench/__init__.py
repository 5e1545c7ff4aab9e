"""Benchmarks against pypiserver and devpi-server (`make bench`, `python -m bench`)."""
