"""lagebild: a live situation picture built from a stream of news articles."""

__version__ = "0.1.0"
