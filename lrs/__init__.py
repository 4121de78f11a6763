"""cohort-lrs: an event-driven xAPI Learning Record Store for digital leadership programmes."""

__version__ = "0.1.0"
