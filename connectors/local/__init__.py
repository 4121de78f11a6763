"""The "local" channel: messages written as .eml and .json files (the default when nothing is configured)."""
