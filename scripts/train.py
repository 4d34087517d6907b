#!/usr/bin/env python3
"""The Biowulf DanQ script name for `danq-train` (see `danq-train --help`)."""

from dlbio.cli.common import run_program
from dlbio.cli.train import danq_train

if __name__ == "__main__":
    run_program(danq_train, prog_name="train.py")
