"""What happens to a request, step by step: the services between Slack and the backends."""
