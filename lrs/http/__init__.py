"""aiohttp handlers and middleware. Handlers are thin: parse, call the domain, render."""
