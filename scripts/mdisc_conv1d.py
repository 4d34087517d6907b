#!/usr/bin/env python3
"""The course script name for `mdisc-conv1d` (see `mdisc-conv1d --help`)."""

from dlbio.cli.class2 import mdisc_conv1d

if __name__ == "__main__":
    mdisc_conv1d(prog_name="mdisc_conv1d.py")
