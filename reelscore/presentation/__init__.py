"""Presentation: the CLI (and, later, the report, web page and HTTP API) over the Python API."""
