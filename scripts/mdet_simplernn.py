#!/usr/bin/env python3
"""The course script name for `mdet-simplernn` (see `mdet-simplernn --help`)."""

from dlbio.cli.class2 import mdet_simplernn

if __name__ == "__main__":
    mdet_simplernn(prog_name="mdet_simplernn.py")
