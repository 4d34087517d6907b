#!/usr/bin/env python3
"""The course script name for `mdet-conv1d` (see `mdet-conv1d --help`)."""

from dlbio.cli.class2 import mdet_conv1d

if __name__ == "__main__":
    mdet_conv1d(prog_name="mdet_conv1d.py")
