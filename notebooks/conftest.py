"""``pytest --nbmake notebooks/`` runs each notebook in a fresh Jupyter kernel (a separate
process). Put the repository root first on the kernels' ``PYTHONPATH``, so that they import
this repository's ``autograd``, ``nn`` and ``viz`` even without an install, and never another
package that happens to be called ``autograd``."""

import os
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != ROOT]
os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *_path])
