"""``notebook-bot doctor``: checks the live setup against the real services, one line per check."""

from bot.doctor.run import run_doctor

__all__ = ["run_doctor"]
