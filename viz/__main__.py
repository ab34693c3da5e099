"""``python -m nn demo ...``: the same as the ``stepgrad`` command."""

from nn.cli import main

raise SystemExit(main())
