"""Staff sign-in and the server-rendered dashboards under /dashboard/ (docs/dashboards.md)."""
