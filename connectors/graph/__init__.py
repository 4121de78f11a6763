"""Shared Microsoft Graph plumbing: settings, msal auth, a throttling-aware client, Entra user lookup.

The Teams, Teams channel, calendar and Graph mail connectors build on these pieces.
"""
