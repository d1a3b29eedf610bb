"""pytest's root configuration. Its presence puts the repository root on the import path, so the
tests import the harness (`ore_harness`) as a normal package."""
