"""The server users would otherwise run: API.md section 1 in FastAPI + uvicorn + the openai client.

Written for the benchmark, minimal and fair: in-memory sessions (as the reference), every LLM call
streamed with usage, a tool loop with the same calculator tool agent-fcgi has, and the connection
pool opened wide enough for thousands of concurrent streams (the only tuning; httpx's default of
100 kept-alive / 1,000 total would otherwise queue streams in the client, not in the server).

Environment: OPENAI_BASE_URL (the fake LLM), BENCH_MODEL (model name, default "fake").
"""
import ast
import asyncio
import datetime
import json
import operator
import os
import time
import uuid

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from openai import AsyncOpenAI
from pydantic import BaseModel

VERSION = "0.1.0"
MODEL = os.environ.get("BENCH_MODEL", "fake")
MAX_ITERATIONS = 10

client = AsyncOpenAI(
    api_key=os.environ.get("OPENAI_API_KEY", "bench"),
    http_client=httpx.AsyncClient(
        limits=httpx.Limits(max_connections=10_000, max_keepalive_connections=1_000),
        timeout=httpx.Timeout(600.0),
    ),
)
app = FastAPI(title="BU Agent SDK API (bench re-implementation)", version="1.0.0")

CALCULATOR = {
    "type": "function",
    "function": {
        "name": "calculator",
        "description": "Evaluate an arithmetic expression exactly.",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
            "additionalProperties": False,
        },
    },
}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Mod: operator.mod, ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def calculate(expression: str) -> str:
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        raise ValueError("unsupported expression")
    value = ev(ast.parse(expression, mode="eval"))
    return str(int(value)) if float(value).is_integer() else str(value)


def now_ts() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def empty_usage() -> dict:
    return {"total_tokens": 0, "total_prompt_tokens": 0, "total_prompt_cached_tokens": 0,
            "total_completion_tokens": 0, "total_cost": None, "by_model": {}}


class Session:
    def __init__(self, session_id: str, system_prompt: str | None):
        self.id = session_id
        self.created_at = now_ts()
        self.last_used_at = self.created_at
        self.messages: list[dict] = [{"role": "system", "content": system_prompt or "You are a helpful assistant."}]
        self.usage = empty_usage()
        self.lock = asyncio.Lock()
        self.seq = 0

    def add_usage(self, model: str, prompt: int, completion: int) -> None:
        u = self.usage
        u["total_prompt_tokens"] += prompt
        u["total_completion_tokens"] += completion
        u["total_tokens"] += prompt + completion
        m = u["by_model"].setdefault(model, {"model": model, "prompt_tokens": 0, "prompt_cached_tokens": 0,
                                             "completion_tokens": 0, "total_tokens": 0, "cost": None,
                                             "invocations": 0, "average_tokens_per_invocation": 0.0})
        m["prompt_tokens"] += prompt
        m["completion_tokens"] += completion
        m["total_tokens"] += prompt + completion
        m["invocations"] += 1
        m["average_tokens_per_invocation"] = m["total_tokens"] / m["invocations"]


SESSIONS: dict[str, Session] = {}


class QueryRequest(BaseModel):
    message: str
    session_id: str | None = None
    stream: bool = False


class CreateSession(BaseModel):
    system_prompt: str | None = None


def get_or_create(session_id: str | None) -> Session:
    sid = session_id or str(uuid.uuid4())
    session = SESSIONS.get(sid)
    if session is None:
        session = SESSIONS[sid] = Session(sid, None)
    return session


def lookup(session_id: str) -> Session:
    session = SESSIONS.get(session_id)
    if session is None:
        raise HTTPException(404, f"Session {session_id} not found")
    return session


async def run_agent(session: Session, message: str, query_id: str):
    """The agent loop as an async generator of (type, fields) events."""
    session.messages.append({"role": "user", "content": message})
    step = 0
    for _ in range(MAX_ITERATIONS):
        stream = await client.chat.completions.create(
            model=MODEL, messages=session.messages, tools=[CALCULATOR], stream=True,
            stream_options={"include_usage": True})
        text, calls = [], {}
        async for chunk in stream:
            if chunk.usage:
                session.add_usage(chunk.model or MODEL, chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    yield "text_delta", {"delta": delta.content}
                for tc in delta.tool_calls or []:
                    call = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                    call["id"] = tc.id or call["id"]
                    if tc.function:
                        call["name"] += tc.function.name or ""
                        call["arguments"] += tc.function.arguments or ""
        content = "".join(text)
        if not calls:
            session.messages.append({"role": "assistant", "content": content})
            yield "text", {"content": content}
            yield "final", {"content": content, "status": "completed"}
            return
        session.messages.append({"role": "assistant", "content": content or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in calls.values()]})
        for c in calls.values():
            step += 1
            started = time.monotonic()
            try:
                args = json.loads(c["arguments"] or "{}")
            except json.JSONDecodeError:
                args = {"_raw": c["arguments"]}
            yield "step_start", {"step_id": c["id"], "title": c["name"], "step_number": step}
            yield "tool_call", {"tool": c["name"], "args": args, "tool_call_id": c["id"], "display_name": "Calculator"}
            try:
                result, is_error = calculate(args.get("expression", "")), False
            except Exception as error:  # noqa: BLE001 - any evaluation failure is a tool error result
                result, is_error = f"cannot evaluate: {error}", True
            session.messages.append({"role": "tool", "tool_call_id": c["id"], "content": result})
            yield "tool_result", {"tool": c["name"], "result": result, "tool_call_id": c["id"],
                                  "is_error": is_error, "screenshot_base64": None}
            yield "step_complete", {"step_id": c["id"], "status": "completed",
                                    "duration_ms": int((time.monotonic() - started) * 1000)}
    yield "final", {"content": "", "status": "max_iterations"}


@app.get("/health")
async def health():
    return {"status": "healthy", "version": VERSION, "active_sessions": len(SESSIONS)}


@app.post("/sessions")
async def create_session(body: CreateSession):
    sid = str(uuid.uuid4())
    session = SESSIONS[sid] = Session(sid, body.system_prompt)
    return {"session_id": sid, "created_at": session.created_at}


@app.get("/sessions")
async def list_sessions():
    return {"sessions": [{"session_id": s.id, "created_at": s.created_at, "last_used_at": s.last_used_at,
                          "message_count": len(s.messages) - 1} for s in SESSIONS.values()]}


@app.get("/sessions/{session_id}")
async def get_session(session_id: str):
    s = lookup(session_id)
    return {"session_id": s.id, "created_at": s.created_at, "last_used_at": s.last_used_at,
            "message_count": len(s.messages) - 1, "usage": s.usage}


@app.delete("/sessions/{session_id}")
async def delete_session(session_id: str):
    lookup(session_id)
    del SESSIONS[session_id]
    return {"deleted": True, "session_id": session_id}


@app.post("/sessions/{session_id}/clear")
async def clear_session(session_id: str):
    s = lookup(session_id)
    s.messages = s.messages[:1]
    return {"session_id": session_id, "cleared": True}


@app.get("/agent/usage/{session_id}")
async def usage(session_id: str):
    return {"session_id": session_id, "usage": lookup(session_id).usage}


@app.post("/agent/query")
async def query(body: QueryRequest):
    session = get_or_create(body.session_id)
    async with session.lock:
        final = ""
        try:
            async for kind, fields in run_agent(session, body.message, str(uuid.uuid4())):
                if kind == "final":
                    final = fields["content"]
        except Exception as error:  # noqa: BLE001 - the API answers 500 with the message
            raise HTTPException(500, str(error)) from error
        session.last_used_at = now_ts()
    return {"session_id": session.id, "response": final, "usage": session.usage}


def sse_endpoint(delta: bool):
    async def endpoint(body: QueryRequest):
        session = get_or_create(body.session_id)
        query_id = str(uuid.uuid4())

        async def frames():
            async with session.lock:
                def frame(kind, fields):
                    session.seq += 1
                    event = {"type": kind, "timestamp": now_ts(), "session_id": session.id,
                             "query_id": query_id, "seq": session.seq, **fields}
                    return f"id: {session.seq}\ndata: {json.dumps(event)}\n\n"
                try:
                    async for kind, fields in run_agent(session, body.message, query_id):
                        if kind == "text_delta" and not delta:
                            continue
                        if kind == "text" and delta:
                            continue
                        yield frame(kind, fields)
                except Exception as error:  # noqa: BLE001 - reported as an error event
                    yield frame("error", {"error": str(error), "code": "llm_error"})
                session.last_used_at = now_ts()
                yield frame("usage", {"usage": session.usage})
                yield ": done\n\n"

        return StreamingResponse(frames(), media_type="text/event-stream; charset=utf-8",
                                 headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"})
    return endpoint


app.post("/agent/query-stream")(sse_endpoint(delta=False))
app.post("/agent/query-stream-delta")(sse_endpoint(delta=True))

