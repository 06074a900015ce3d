"""fraudsim: a discrete-event simulator of anti-fraud fund interception."""

__version__ = "0.1.0"
