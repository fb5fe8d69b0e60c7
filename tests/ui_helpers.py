"""Pilot helpers shared by the UI test files."""

from __future__ import annotations


async def settled(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the archive to open and every search to finish."""
    app = pilot.app
    for _ in range(300):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.main_screen
        if screen.result is not None and screen.is_idle:
            break
    await pilot.pause()


def typed(text: str) -> list[str]:
    """Keys for ``pilot.press`` that type ``text``."""
    return ["space" if ch == " " else ch for ch in text]
