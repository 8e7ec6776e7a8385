"""Operator views: ``pilot-coach outbox [--failed]`` lists deliveries that are not done."""

from __future__ import annotations

from bot.settings import Settings
from storage.db import require_current


async def outbox_listing(settings: Settings, failed_only: bool) -> str:
    from bot.app import build_app

    require_current(settings.database_url)
    app = build_app(settings, adapters={})
    try:
        async with app.uow() as uow:
            rows = await uow.outbox.outbox(failed_only=failed_only)
    finally:
        await app.close()
    if not rows:
        return "no failed deliveries\n" if failed_only else "no pending or failed deliveries\n"
    lines = ["id\tstatus\tkind\tpilot\tweek\trecipient\tdue (UTC)\tattempts\tlast error"]
    for row in rows:
        target = row.target
        recipient = f"@{target['user']}" if target.get("user") else f"#{target.get('channel')}"
        lines.append(
            f"{row.id}\t{row.status}\t{row.kind}\t{row.pilot_id}\t{row.week}\t"
            f"{target.get('platform')}:{recipient}\t{row.due_at:%Y-%m-%d %H:%M}\t"
            f"{row.attempts}\t{row.last_error or '-'}"
        )
    return "\n".join(lines) + "\n"
