"""The policy file (what admins decide) and the settings (where the bot runs, and its secrets)."""
