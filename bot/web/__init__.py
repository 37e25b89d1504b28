"""The one HTTP server: Slack, GitHub, Cloud Scheduler and health checks."""
