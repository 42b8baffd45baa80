#!/usr/bin/env python3
"""Seed corpus for the FastCGI parser fuzz target: what nginx sends, and the inputs that crashed
libfcgi (issue 12). Usage: make-seeds.py DIRECTORY"""
import os, struct, sys

def record(kind, content=b"", request_id=1, padding=0):
    return bytes([1, kind, request_id >> 8, request_id & 255, len(content) >> 8, len(content) & 255, padding, 0]) \
        + content + b"\0" * padding

def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)

def pairs(items):
    return b"".join(length(len(k)) + length(len(v)) + k + v for k, v in items)

def request(items, body=b"", keep=0, request_id=1):
    return record(1, bytes([0, 1, keep, 0, 0, 0, 0, 0]), request_id) + record(4, pairs(items), request_id) \
        + record(4, b"", request_id) + (record(5, body, request_id) if body else b"") + record(5, b"", request_id)

nginx = [(b"QUERY_STRING", b""), (b"REQUEST_METHOD", b"POST"), (b"CONTENT_TYPE", b"application/json"),
         (b"CONTENT_LENGTH", b"17"), (b"REQUEST_URI", b"/agent/query"), (b"DOCUMENT_URI", b"/agent/query"),
         (b"SERVER_PROTOCOL", b"HTTP/1.1"), (b"REMOTE_ADDR", b"127.0.0.1"), (b"REMOTE_USER", b"alice"),
         (b"HTTP_HOST", b"localhost"), (b"HTTP_USER_AGENT", b"curl/7.88.1")]
begin = record(1, bytes([0, 1, 0, 0, 0, 0, 0, 0]))
seeds = {
    "nginx-post": request(nginx, b'{"message":"hi"}'),
    "get-ping": request([(b"REQUEST_METHOD", b"GET"), (b"REQUEST_URI", b"/ping")]),
    "kept-two": request(nginx, b"{}", keep=1) + request(nginx, keep=1, request_id=2),
    "long-value": request([(b"HTTP_COOKIE", b"c" * 300)]),
    "padded": begin + record(4, pairs([(b"A", b"B")]), padding=5) + record(4, b"", padding=7) + record(5, b"", padding=1),
    "pair-2gib": begin + record(4, length(0x40000000) + length(0x40000000) + b"x" * 8) + record(4),
    "pair-overflow": begin + record(4, length(0x7ffffff0) + length(0x20) + b"x" * 8) + record(4),
    "get-values": record(9, length(0x7ffffff0) + length(0x20), request_id=0),
    "mgmt-in-body": request([(b"REQUEST_URI", b"/ping")])[:-8] + record(9, b"\xc0\0\0\0\xc0\0\0\0", request_id=0),
    "remote-user-nul": request([(b"REMOTE_USER", b"alice\0x")]),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], "seed-" + name), "wb") as f:
        f.write(data)
