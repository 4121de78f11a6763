"""Progress: per learner x item projections from statements, cmi5 moveOn, satisfied statements, rebuild."""
