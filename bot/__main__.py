from bot.entry import run

raise SystemExit(run())
