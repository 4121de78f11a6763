"""Notifications: rules that turn events and durable timers into messages; templates; the delivery
log; retries."""
