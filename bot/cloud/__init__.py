"""What Google Cloud says about an environment, and starting/stopping it."""

from bot.cloud.base import Cloud, CloudEnvironment, CloudError, CloudStatus

__all__ = ["Cloud", "CloudEnvironment", "CloudError", "CloudStatus"]
