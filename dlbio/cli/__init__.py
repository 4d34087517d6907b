"""The ``dlbio`` command group: every command once, in families (class examples, data, train,
predict, interpret); the course and Biowulf names (``danq-train``, ``danq-prepare``, ...) are
aliases, and each command is also its own console script."""

from __future__ import annotations

import click

from dlbio.cli import common  # noqa: F401  (sets quiet TF logging before TF loads)
from dlbio.cli.class2 import mdet_conv1d, mdet_simplernn, mdisc_conv1d, mdisc_simplernn
from dlbio.cli.vgrad import vgrad_rnn

# Each command's family, in the order --help lists them.
FAMILIES = {
    "Class examples": ["mdet-simplernn", "mdet-conv1d", "mdisc-simplernn", "mdisc-conv1d", "vgrad-rnn"],
    "Data": ["prepare", "convert", "simulate", "data-dir"],
    "Train": ["train", "import"],
    "Predict": ["predict", "variants", "track", "visualize"],
    "Interpret": ["attribute", "modisco", "fimo", "motifs", "mutagenesis", "insert-motif"],
    "This machine": ["check"],
}
# The names the class, the Biowulf module and earlier releases use: they keep working.
ALIASES = {
    "danq-train": "train",
    "danq-predict": "predict",
    "danq-visualize": "visualize",
    "danq-import": "import",
    "danq-convert": "convert",
    "danq-prepare": "prepare",
    "build-dataset": "prepare",
}


class FamilyGroup(click.Group):
    """A group that resolves aliases and lists its commands by family, each with its aliases."""

    def get_command(self, ctx: click.Context, cmd_name: str):
        return super().get_command(ctx, ALIASES.get(cmd_name, cmd_name))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed = [name for names in FAMILIES.values() for name in names]
        families = {**FAMILIES, "Other": [n for n in self.list_commands(ctx) if n not in listed]}
        width = formatter.width - formatter.current_indent - 4 - max(len(n) for n in self.commands)
        for family, names in families.items():
            rows = []
            for name in names:
                aliases = [a for a, target in ALIASES.items() if target == name]
                note = f" [{', '.join(aliases)}]" if aliases else ""
                rows.append((name, self.commands[name].get_short_help_str(max(width - len(note), 20)) + note))
            if rows:
                with formatter.section(family):
                    formatter.write_dl(rows)


@click.group(cls=FamilyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="dlbio")
def main():
    """dlbio: the class-2 deep-learning examples and DanQ/DeepSEA on Keras 3.

    \b
    Example:
      dlbio mdet-conv1d && dlbio mdisc-conv1d
      dlbio train -d data -g 4          # the same as danq-train -d data -g 4
    """


for _cmd in (mdet_simplernn, mdet_conv1d, mdisc_simplernn, mdisc_conv1d, vgrad_rnn):
    main.add_command(_cmd)


def _register():
    from dlbio.cli import danq, data, genomics, interpret, motifs, mutagenesis, prepare, train

    for cmd in (
        train.COMMANDS
        + danq.COMMANDS
        + prepare.COMMANDS
        + data.COMMANDS
        + motifs.COMMANDS
        + genomics.COMMANDS
        + mutagenesis.COMMANDS
        + interpret.COMMANDS
    ):
        main.add_command(cmd)


_register()


def program() -> None:
    """The ``dlbio`` console script and ``python -m dlbio`` (common.run_program)."""
    common.run_program(main)
