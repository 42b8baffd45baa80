#!/usr/bin/env python3
"""A scriptable fake LLM server speaking OpenAI chat completions and Anthropic Messages.

Real HTTP/1.1 on 127.0.0.1, chunked server-sent events. Python 3 standard library only.
The first line on stdout is the port. See README.md for the script format.
"""
import argparse
import json
import os
import resource
import select
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.script = []
        self.requests = []
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def next_response(self):
        with self.lock:
            return self.script.pop(0) if self.script else None

    def record(self, entry):
        with self.lock:
            entry["index"] = len(self.requests)
            self.requests.append(entry)
            return entry


STATE = State()


class ClientGone(Exception):
    pass


def words(text, size=None):
    """Splits text into stream pieces: `size` characters each, or words with their spaces."""
    if size:
        return [text[i:i + size] for i in range(0, len(text), size)] or [""]
    pieces, current = [], ""
    for ch in text:
        current += ch
        if ch == " ":
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces or [""]


def tool_calls_of(spec):
    calls = []
    for i, call in enumerate(spec.get("tool_calls", [])):
        args = call.get("arguments", {})
        calls.append({
            "id": call.get("id", "call_%d_%s" % (i, uuid.uuid4().hex[:8])),
            "name": call["name"],
            "arguments": args if isinstance(args, str) else json.dumps(args),
        })
    return calls


def default_usage(spec, prompt_text):
    usage = spec.get("usage", True)
    if usage is True:
        completion = len((spec.get("text") or "").split()) + len(spec.get("tool_calls", [])) * 5
        return {"prompt_tokens": max(1, len(prompt_text.split())), "completion_tokens": max(1, completion), "cached_tokens": 0}
    return usage or None


def openai_events(spec, model, prompt_text):
    """The chat.completion.chunk sequence for a shorthand response."""
    cid = "chatcmpl-" + uuid.uuid4().hex[:12]
    base = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def chunk(delta, finish=None):
        return dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])

    events = [chunk({"role": "assistant", "content": ""})]
    size = spec.get("chunk_size")
    if spec.get("reasoning"):
        field = spec.get("reasoning_field", "reasoning_content")
        events += [chunk({field: piece}) for piece in words(spec["reasoning"], size)]
    if spec.get("text"):
        events += [chunk({"content": piece}) for piece in words(spec["text"], size)]
    calls = tool_calls_of(spec)
    for i, call in enumerate(calls):
        events.append(chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                             "function": {"name": call["name"], "arguments": ""}}]}))
        for piece in words(call["arguments"], size or 7):
            events.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    finish = spec.get("finish_reason") or ("tool_calls" if calls else "stop")
    events.append(chunk({}, finish))
    usage = default_usage(spec, prompt_text)
    if usage:
        u = {"prompt_tokens": usage.get("prompt_tokens", 0), "completion_tokens": usage.get("completion_tokens", 0)}
        u["total_tokens"] = u["prompt_tokens"] + u["completion_tokens"]
        u["prompt_tokens_details"] = {"cached_tokens": usage.get("cached_tokens", 0)}
        if "reasoning_tokens" in usage:
            u["completion_tokens_details"] = {"reasoning_tokens": usage["reasoning_tokens"]}
        events.append(dict(base, choices=[], usage=u))
    return [("", e) for e in events] + [("", "[DONE]")]


def anthropic_events(spec, model, prompt_text):
    """The Messages API event sequence for a shorthand response."""
    usage = default_usage(spec, prompt_text) or {}
    start_usage = {"input_tokens": usage.get("prompt_tokens", 0), "output_tokens": 1,
                   "cache_read_input_tokens": usage.get("cached_tokens", 0),
                   "cache_creation_input_tokens": usage.get("cache_creation_tokens", 0)}
    events = [("message_start", {"type": "message_start", "message": {
        "id": "msg_" + uuid.uuid4().hex[:12], "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "usage": start_usage}}), ("ping", {"type": "ping"})]
    size = spec.get("chunk_size")
    index = 0

    def block(start, deltas):
        nonlocal index
        out = [("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})]
        out += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        out.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
        return out

    if spec.get("reasoning"):
        events += block({"type": "thinking", "thinking": ""},
                        [{"type": "thinking_delta", "thinking": p} for p in words(spec["reasoning"], size)]
                        + [{"type": "signature_delta", "signature": "sig-" + uuid.uuid4().hex[:8]}])
    if spec.get("text"):
        events += block({"type": "text", "text": ""}, [{"type": "text_delta", "text": p} for p in words(spec["text"], size)])
    calls = tool_calls_of(spec)
    for call in calls:
        events += block({"type": "tool_use", "id": call["id"].replace("call_", "toolu_"), "name": call["name"], "input": {}},
                        [{"type": "input_json_delta", "partial_json": p} for p in words(call["arguments"], size or 7)])
    stop = spec.get("stop_reason") or ("tool_use" if calls else "end_turn")
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": {"output_tokens": usage.get("completion_tokens", 0)}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def prompt_of(body):
    """The last user message's text, for the default echo answer."""
    for message in reversed(body.get("messages", []) if isinstance(body, dict) else []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            texts = [b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"]
            if texts:
                return " ".join(texts)
    return ""


def instance_of(schema, depth=0):
    """A small JSON value valid for the simple JSON Schemas clients send as response formats."""
    if not isinstance(schema, dict) or depth > 8:
        return {}
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind == "string":
        return "echo" + "o" * max(0, int(schema.get("minLength", 0) or 0) - 4)
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return int(low) + (1 if "exclusiveMinimum" in schema else 0) if isinstance(low, (int, float)) else 0
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "array":
        return [instance_of(schema.get("items"), depth + 1) for _ in range(int(schema.get("minItems", 0) or 0))]
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    return {name: instance_of(properties.get(name), depth + 1) for name in required if isinstance(name, str)}


def echo_text(body):
    """The default answer: `echo: <prompt>`, or, when the request asks for a JSON response
    format (OpenAI `response_format`), a JSON value of that format, as a model honouring it would."""
    fmt = body.get("response_format") if isinstance(body, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") == "json_object":
        return json.dumps({"echo": prompt_of(body)})
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        return json.dumps(instance_of((fmt.get("json_schema") or {}).get("schema")))
    return "echo: " + prompt_of(body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_LLM_VERBOSE"):
            sys.stderr.write("fake-llm: " + (fmt % args) + "\n")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return raw, json.loads(raw) if raw else None
        except ValueError:
            return raw, None

    def send_json(self, status, value, headers=None):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, val in (headers or {}).items():
            self.send_header(name, str(val))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/_control/requests"):
            with STATE.lock:
                snapshot = json.loads(json.dumps(STATE.requests))
            return self.send_json(200, snapshot)
        if self.path.startswith("/_control/stats"):
            with STATE.lock:
                stats = {"in_flight": STATE.in_flight, "max_in_flight": STATE.max_in_flight,
                         "requests": len(STATE.requests), "queued": len(STATE.script)}
            return self.send_json(200, stats)
        if self.path == "/health":
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"error": {"message": "no route " + self.path}})

    def do_POST(self):
        raw, body = self.read_body()
        if self.path.startswith("/_control/"):
            return self.control(body)
        route = self.path.split("?")[0].rstrip("/")
        provider = "anthropic" if route.endswith("/messages") else "openai"
        if not route.endswith(("/chat/completions", "/messages")):
            return self.send_json(404, {"error": {"message": "no route " + self.path}})
        entry = STATE.record({"path": self.path, "method": "POST", "provider": provider,
                              "client_port": self.client_address[1],
                              "headers": {k.lower(): v for k, v in self.headers.items()},
                              "body": body if body is not None else raw.decode("utf-8", "replace"),
                              "closed_early": False, "completed": False})
        spec = STATE.next_response()
        entry["scripted"] = spec is not None
        if spec is None:
            spec = {"echo": True}
        if spec.get("echo"):
            spec = dict(spec, text=echo_text(body))
        STATE.enter()
        try:
            self.respond(spec, provider, body if isinstance(body, dict) else {}, entry)
            entry["completed"] = True
        except ClientGone:
            entry["closed_early"] = True
            entry["closed_at"] = time.time()
            self.close_connection = True
        finally:
            STATE.leave()

    def control(self, body):
        if self.path == "/_control/script":
            items = body.get("responses", []) if isinstance(body, dict) else (body or [])
            with STATE.lock:
                STATE.script.extend(items)
                queued = len(STATE.script)
            return self.send_json(200, {"queued": queued})
        if self.path == "/_control/reset":
            with STATE.lock:
                STATE.script.clear()
                STATE.requests.clear()
                STATE.max_in_flight = STATE.in_flight
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"error": {"message": "no control " + self.path}})

    # -- responding ---------------------------------------------------------------------------

    def wait(self, seconds):
        """Sleeps, but notices a client that hung up (cancel tests) and raises ClientGone."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            # poll, not select: select() cannot watch descriptors above 1023 (thousands of streams).
            poller = select.poll()
            poller.register(self.connection, select.POLLIN | select.POLLHUP)
            if poller.poll(min(left, 0.05) * 1000):
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        raise ClientGone()
                except OSError:
                    raise ClientGone()
                time.sleep(min(left, 0.05))

    def write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            raise ClientGone()

    def write_chunk(self, data):
        if data:
            self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def respond(self, spec, provider, body, entry):
        if spec.get("delay_ms"):
            self.wait(spec["delay_ms"] / 1000)
        status = spec.get("status", 200)
        headers = spec.get("headers", {})
        if "json" in spec or "body" in spec or status >= 300:
            payload = spec.get("json")
            if payload is None and "body" not in spec:
                payload = {"error": {"message": spec.get("error", "scripted status %d" % status),
                                     "type": spec.get("error_type", "server_error")}}
            data = json.dumps(payload).encode() if payload is not None else spec["body"].encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if payload is not None else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            for name, val in headers.items():
                self.send_header(name, str(val))
            self.end_headers()
            self.write(data)
            return
        frames = self.frames(spec, provider, body)
        self.send_response(status)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, val in headers.items():
            self.send_header(name, str(val))
        self.end_headers()
        self.wfile.flush()
        delay = spec.get("token_delay_ms", 0) / 1000
        for i, frame in enumerate(frames):
            if spec.get("cut_after") is not None and i >= spec["cut_after"]:
                # Abrupt close without the terminating chunk: a broken upstream.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                entry["cut"] = True
                return
            if spec.get("stall_after") is not None and i >= spec["stall_after"]:
                self.wait(spec.get("stall_ms", 30000) / 1000)
                self.close_connection = True
                return
            if i > 0 and delay:
                self.wait(delay)
            self.write_chunk(frame)
        self.write(b"0\r\n\r\n")

    def frames(self, spec, provider, body):
        """The SSE frames (bytes) of a streamed response."""
        if "raw" in spec:
            return [piece.encode() for piece in spec["raw"]]
        model = body.get("model", "fake-model")
        prompt = prompt_of(body)
        if "events" in spec:
            events = []
            for item in spec["events"]:
                if isinstance(item, dict) and "data" in item and ("event" in item or len(item) == 1):
                    events.append((item.get("event", ""), item["data"]))
                else:
                    events.append((item.get("type", "") if provider == "anthropic" and isinstance(item, dict) else "", item))
        elif provider == "anthropic":
            events = anthropic_events(spec, model, prompt)
        else:
            events = openai_events(spec, model, prompt)
        if spec.get("invalid_json_at") is not None:
            events.insert(spec["invalid_json_at"], ("", "{this is not json"))
        out = []
        for name, data in events:
            text = data if isinstance(data, str) else json.dumps(data)
            frame = ("event: %s\n" % name if name else "") + "data: " + text + "\n\n"
            out.append(frame.encode())
        return out


def watch_parent(parent):
    """Exits when the process that started us is gone, so a crashed test run leaves nothing behind."""
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-parent-watch", action="store_true")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    ThreadingHTTPServer.request_queue_size = 2048
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    if not args.no_parent_watch:
        threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
