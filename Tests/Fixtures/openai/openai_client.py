#!/usr/bin/env python3
"""Talks to agent-fcgi's OpenAI front door with the official `openai` client, as any OpenAI
application would, and prints what it got as one JSON object (the Swift test checks it).

Usage (through scripts/openai-client, which provides the pinned client):
    openai_client.py BASE_URL SCENARIO
Scenarios: models, complete, stream, session, error.
"""
import json
import sys

from openai import NotFoundError, OpenAI


def main():
    base_url, scenario = sys.argv[1], sys.argv[2]
    # nginx authenticates (or not) in front of the agent; the key is only what a client sends.
    client = OpenAI(base_url=base_url.rstrip("/") + "/v1", api_key="sk-unused", max_retries=0, timeout=60)
    out = {"scenario": scenario}
    if scenario == "models":
        out["ids"] = [model.id for model in client.models.list()]
    elif scenario == "complete":
        completion = client.chat.completions.create(
            model="agent", messages=[{"role": "user", "content": "What is 2+3? Use the calculator."}])
        choice = completion.choices[0]
        out.update(object=completion.object, model=completion.model, content=choice.message.content,
                   role=choice.message.role, tool_calls=[call.model_dump() for call in choice.message.tool_calls or []], finish_reason=choice.finish_reason,
                   usage=completion.usage.model_dump() if completion.usage else None)
    elif scenario == "stream":
        pieces, finish, usage, chunks = [], None, None, 0
        stream = client.chat.completions.create(
            model="agent", messages=[{"role": "user", "content": "Count to five."}],
            stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            chunks += 1
            if chunk.usage is not None:
                usage = chunk.usage.model_dump()
            for choice in chunk.choices:
                if choice.delta.content:
                    pieces.append(choice.delta.content)
                if choice.delta.tool_calls:
                    out["tool_calls_seen"] = True
                if choice.finish_reason:
                    finish = choice.finish_reason
        out.update(pieces=pieces, content="".join(pieces), finish_reason=finish, usage=usage, chunks=chunks)
    elif scenario == "session":
        raw = client.chat.completions.with_raw_response.create(
            model="agent", messages=[{"role": "system", "content": "You are terse."},
                                     {"role": "user", "content": "Remember the number 42."}])
        session_id = raw.headers.get("x-session-id")
        first = raw.parse()
        second = client.chat.completions.create(
            model="agent", messages=[{"role": "user", "content": "Which number did I ask you to remember?"}],
            extra_headers={"X-Session-Id": session_id})
        out.update(session_id=session_id, first=first.choices[0].message.content,
                   second=second.choices[0].message.content)
    elif scenario == "error":
        try:
            client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "hi"}])
            out["raised"] = None
        except NotFoundError as error:
            out.update(raised=type(error).__name__, status=error.status_code, code=error.code, body=error.body)
    else:
        raise SystemExit("unknown scenario " + scenario)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
