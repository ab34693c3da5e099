"""stepgrad's benchmark (run ``python bench/run.py``; not a test, not an installed package)."""
