"""notebook-bot: personal Jupyter environments on Google Cloud, requested and governed from Slack."""

__version__ = "0.1.0"
