"""``python -m viz demo ...``: the same as the ``stepgrad`` command."""

from viz.cli import main

raise SystemExit(main())
