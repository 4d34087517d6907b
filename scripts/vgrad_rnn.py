#!/usr/bin/env python3
"""The course script name for `vgrad-rnn` (see `vgrad-rnn --help`)."""

from dlbio.cli.vgrad import vgrad_rnn

if __name__ == "__main__":
    vgrad_rnn(prog_name="vgrad_rnn.py")
