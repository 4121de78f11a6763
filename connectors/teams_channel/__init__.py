"""Cohort channel posts through a Teams Workflows webhook (an Adaptive Card)."""
