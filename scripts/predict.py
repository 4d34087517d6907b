#!/usr/bin/env python3
"""The Biowulf DanQ script name for `danq-predict` (see `danq-predict --help`)."""

from dlbio.cli.danq import danq_predict

if __name__ == "__main__":
    danq_predict(prog_name="predict.py")
