"""``python -m rtaudio`` runs the ``rtaudio`` command."""
from rtaudio.cli import main

if __name__ == "__main__":
    main()
