"""Programmes: the model (TOML definitions), eligibility, roster import, and their storage."""
