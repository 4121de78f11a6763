"""HR completions reporting: one record per learner x item, read from the progress projection."""
