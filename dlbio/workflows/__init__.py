"""One function per job; the CLI and tests call these."""
