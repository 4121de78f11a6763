"""Session attendance: facilitator registers (CSV, check-in page) and Teams reports as xAPI statements."""
