"""The Slack side: the Bolt app, its listeners, the blocks people see, and how the bot talks to them."""
