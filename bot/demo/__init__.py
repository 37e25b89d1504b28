"""The offline demo: the real app, driven over HTTP as Slack would drive it, against loopback services."""
