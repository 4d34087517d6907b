"""The ``dlbio`` command group; each sub-command is also its own console script."""

from __future__ import annotations

import click

from dlbio.cli import common  # noqa: F401  (sets quiet TF logging before TF loads)
from dlbio.cli.class2 import mdet_conv1d, mdet_simplernn, mdisc_conv1d, mdisc_simplernn, vgrad_rnn


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="dlbio")
def main():
    """dlbio: the class-2 deep-learning examples and DanQ/DeepSEA on Keras 3.

    \b
    Example:
      dlbio mdet-conv1d && dlbio mdisc-conv1d
      dlbio danq-train -d data -g 4
    """


for _cmd in (mdet_simplernn, mdet_conv1d, mdisc_simplernn, mdisc_conv1d, vgrad_rnn):
    main.add_command(_cmd)


def _register():
    from dlbio.cli import danq, data, genomics, motifs

    for cmd in danq.COMMANDS + data.COMMANDS + motifs.COMMANDS + genomics.COMMANDS:
        main.add_command(cmd)
    main.add_command(genomics.build_dataset, name="danq-prepare")


_register()


def program() -> None:
    """The ``dlbio`` console script and ``python -m dlbio`` (common.run_program)."""
    common.run_program(main)
