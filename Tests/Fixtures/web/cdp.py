"""Chrome DevTools Protocol plumbing for drive_page.py, standard library only: a minimal
RFC 6455 WebSocket client, a DevTools connection that collects page errors, and a headless
Chromium with a throw-away profile found through its DevToolsActivePort file."""

import base64, hashlib, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time
from urllib.parse import urlparse


class DriveError(Exception):
    """The run could not go on (exit 2)."""


def log(message):
    print(f"drive_page: {message}", file=sys.stderr, flush=True)


# ---- A minimal RFC 6455 client: enough for one DevTools connection ----------------------

class WebSocket:
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, url, timeout):
        parsed = urlparse(url)
        if parsed.scheme != "ws":
            raise DriveError(f"unsupported WebSocket URL {url}")
        self.sock = socket.create_connection((parsed.hostname, parsed.port or 80), timeout=timeout)
        self.buffer = bytearray()
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {parsed.path or '/'} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\n"
                   f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        self.buffer = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        expected = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if " 101 " not in lines[0] + " " or headers.get("sec-websocket-accept") != expected:
            raise DriveError(f"WebSocket handshake with {url} failed: {lines[0]}")

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise DriveError("DevTools connection closed")
        self.buffer += chunk

    def _read(self, count):
        while len(self.buffer) < count:
            self._fill()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def _send_frame(self, opcode, payload):
        header = bytearray([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header.append(0x80 | length)
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        # Clients must mask; XOR as one big integer keeps this fast in pure Python.
        repeated = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big") if length else b""
        self.sock.sendall(bytes(header) + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def recv_text(self):
        message = bytearray()
        while True:
            first, second = self._read(2)
            fin, opcode = first & 0x80, first & 0x0F
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise DriveError("DevTools closed the WebSocket")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if fin:
                return message.decode()

    def settimeout(self, seconds):
        self.sock.settimeout(seconds)

    def close(self):
        try:
            self._send_frame(0x8, b"")
            self.sock.close()
        except OSError:
            pass


# ---- DevTools protocol ------------------------------------------------------------------

class DevTools:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.session_id = None
        self.page_errors = []
        self.console_errors = []

    def call(self, method, params=None, timeout=30.0, browser=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session_id and not browser:
            message["sessionId"] = self.session_id
        self.ws.send_text(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DriveError(f"{method} got no answer within {timeout} s")
            self.ws.settimeout(remaining)
            try:
                reply = json.loads(self.ws.recv_text())
            except socket.timeout:
                raise DriveError(f"{method} got no answer within {timeout} s") from None
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise DriveError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, event):
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "exception")
            self.page_errors.append(text)
            log(f"page exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            self.console_errors.append(text)
            log(f"console error: {text}")

    def evaluate(self, expression, timeout=30.0):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            description = details.get("exception", {}).get("description") or details.get("text")
            raise DriveError(f"evaluating {expression[:80]!r} threw: {description}")
        return result.get("result", {}).get("value")


class Chromium:
    """A headless Chromium with a throw-away profile; stop() ends its whole process group."""

    def __init__(self, binary, width, height):
        self.profile = tempfile.mkdtemp(prefix="drive-page-chromium-")
        self.log_path = os.path.join(self.profile, "chromium.log")
        arguments = [binary, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
                     "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--mute-audio", "--no-proxy-server",
                     "--password-store=basic", f"--window-size={width},{height}", "about:blank"]
        with open(self.log_path, "wb") as log_file:
            self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def websocket_url(self, timeout):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DriveError(f"Chromium exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with open(port_file) as handle:
                    lines = handle.read().split("\n")
                if len(lines) >= 2 and lines[0].strip().isdigit() and lines[1].strip():
                    return f"ws://127.0.0.1:{lines[0].strip()}{lines[1].strip()}"
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise DriveError(f"Chromium wrote no DevToolsActivePort within {timeout} s: {self.log_tail()}")

    def log_tail(self):
        try:
            with open(self.log_path, errors="replace") as handle:
                return handle.read()[-1500:]
        except OSError:
            return ""

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        shutil.rmtree(self.profile, ignore_errors=True)
