#!/usr/bin/env python3
"""The Biowulf DanQ script name for `danq-visualize` (see `danq-visualize --help`)."""

from dlbio.cli.danq import danq_visualize

if __name__ == "__main__":
    danq_visualize(prog_name="visualize.py")
