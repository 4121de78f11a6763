"""Delivery channels (Teams, email, ...). Each folder is one connector behind `connectors.base`.

Connectors import nothing from `lrs` or `notifications`: they take and return plain data.
"""
