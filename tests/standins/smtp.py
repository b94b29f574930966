"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, each message it accepts written as
it came (the raw bytes) to a file in a folder. Run by tests/messaging/conftest.py as its own
process:

    python -m tests.standins.smtp FOLDER [PORT]

PORT 0 (the default) takes a free port; the port is printed on the first line of stdout. The
fixture starts it again on the same port to play a server that was down and is back.
"""

import asyncio
import sys
import time
import uuid
from pathlib import Path

from aiosmtpd.smtp import SMTP


class Folder:
    """aiosmtpd's handler: one file per message, named so that they sort in arrival order,
    written whole before the server answers 250 (a reader never sees half a message)."""

    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.folder / f".{name}"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


async def serve(folder: Path, port: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Folder(folder), hostname="smtp.test"), "127.0.0.1", port
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
