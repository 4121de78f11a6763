"""Notifications: rules that turn events and durable timers into messages, templates, delivery log, retries."""
