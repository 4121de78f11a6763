"""Graph calendar events with Teams meetings: create, update, cancel, read attendee responses."""
