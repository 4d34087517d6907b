from dlbio.cli import program

program()
