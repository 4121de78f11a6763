"""Real local servers that impersonate remote services at the HTTP boundary (see microsoft.py)."""
