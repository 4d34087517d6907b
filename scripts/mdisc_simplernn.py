#!/usr/bin/env python3
"""The course script name for `mdisc-simplernn` (see `mdisc-simplernn --help`)."""

from dlbio.cli.class2 import mdisc_simplernn

if __name__ == "__main__":
    mdisc_simplernn(prog_name="mdisc_simplernn.py")
