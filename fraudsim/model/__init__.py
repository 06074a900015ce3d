"""The simulation model: one SimPy world per run."""
