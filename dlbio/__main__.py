from dlbio.cli import main

main()
