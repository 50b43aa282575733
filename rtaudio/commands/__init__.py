"""Subcommands of the ``rtaudio`` CLI, one module each (each defines ``command``)."""
