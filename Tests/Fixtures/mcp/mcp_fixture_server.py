#!/usr/bin/env python3
"""An MCP server for agent-fcgi's tests, written with the official MCP Python SDK (`mcp`, installed
in ./.venv-mcp by scripts/mcp-servers). Runs over stdio or streamable HTTP.

    mcp_fixture_server.py --transport stdio
    mcp_fixture_server.py --transport http [--port N] [--json-response]

Over HTTP it binds 127.0.0.1:N (0 = a free port), prints the port as its first stdout line, serves
/mcp, and exits when the process that started it dies. Tests kill it (SIGKILL) and start it again
on the same port to play a server that crashes and comes back.

Tools: add, sleep (records a cancellation), fail (isError), huge (N bytes of text), stats,
whoami (the X-User request header), crash (exits mid-call), crash_once (exits unless a marker
file exists, then creates it), picture (an image and an embedded resource), grow (adds a tool
and sends notifications/tools/list_changed).
"""
import argparse
import os
import socket
import sys
import threading
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

server = MCPServer("agent-fcgi-fixture")
counters = {"calls": 0, "cancelled": 0}


def count():
    counters["calls"] += 1


@server.tool(description="Adds two integers.")
def add(a: int, b: int) -> int:
    count()
    return a + b


@server.tool(description="Sleeps for the given seconds, then answers.")
async def sleep(seconds: float) -> str:
    count()
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        counters["cancelled"] += 1
        raise
    return f"slept {seconds}s"


@server.tool(description="Always fails with the given message.")
def fail(message: str) -> str:
    count()
    raise ToolError(message)


@server.tool(description="Answers with `size` bytes of text.")
def huge(size: int) -> str:
    count()
    return ("0123456789abcdef" * (size // 16 + 1))[:size]


@server.tool(description="Calls and cancellations this process has seen.")
def stats() -> dict:
    return dict(counters)


@server.tool(description="The X-User header of this request (HTTP only).")
def whoami(ctx: Context) -> str:
    count()
    headers = ctx.headers or {}
    return headers.get("x-user", "<none>")


@server.tool(description="Exits the server process in the middle of the call.")
def crash() -> str:
    count()
    os._exit(3)


@server.tool(description="Exits the server unless the marker file exists; creates it first.")
def crash_once(marker: str) -> str:
    count()
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(3)
    return "survived"


@server.tool(description="An image and an embedded text resource.")
def picture():
    count()
    from mcp_types import EmbeddedResource, TextResourceContents
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    return [Image(data=png, format="png").to_image_content(),
            EmbeddedResource(type="resource", resource=TextResourceContents(uri="file:///notes.txt", mimeType="text/plain",
                                                                            text="resource text"))]


@server.tool(description="Adds the tool `extra` and tells the client the list changed.")
async def grow(ctx: Context) -> str:
    count()

    def extra() -> str:
        return "extra tool"

    server.add_tool(extra, name="extra", description="Added at run time.")
    await ctx.session.send_tool_list_changed()
    return "grown"


def watch_parent():
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json-response", action="store_true")
    args = parser.parse_args()
    if args.transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    threading.Thread(target=watch_parent, daemon=True).start()
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer on a kept-alive connection waits out the client's delayed ACK (40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(128)
    print(sock.getsockname()[1], flush=True)
    app = server.streamable_http_app(json_response=args.json_response)
    config = uvicorn.Config(app, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
