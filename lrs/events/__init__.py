"""Events: typed event dataclasses, the in-process bus, the outbox consumer, durable timers, the worker."""
