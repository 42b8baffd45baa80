#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and plays a script against it, like a person at a
keyboard, then prints what happened as JSON on stdout. The checks themselves belong to the
caller: this only types, waits and records.

  drive_pty.py --steps STEPS.json -- COMMAND [ARG...]

STEPS.json is a list of steps, each optional fields, done in order:
  {"name": "answer",           # label in the report
   "send": "hello\\r",          # bytes to type ("\\r" is Enter, "\\u0003" is Ctrl-C)
   "expect": "regex",           # wait until the output since this step began matches
   "timeout": 10,               # seconds for "expect" / "exit" (default 10)
   "exit": true}                # wait for the command to exit
Output is matched with ANSI escapes removed and CRLF read as LF. The report:
  {"ok", "failures": [...], "exit_code": int|null,
   "steps": [{"name", "matched", "output", "chunks": [[seconds since step start, text]...]}],
   "transcript": all output}
Exit status 0 when every step matched, 1 otherwise. Standard library only."""

import argparse, codecs, json, os, pty, re, select, signal, sys, time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # The caller may run us with SIGINT ignored; the command must see Ctrl-C.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.environ.setdefault("TERM", "xterm")
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        self.transcript = ""
        # Reads may end inside a multi-byte character (⚙, →); decode across them.
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.exit_code = None
        self.closed = False

    def read(self, timeout):
        """Output that arrived within `timeout` seconds (ANSI removed), or "" if none."""
        if self.closed:
            time.sleep(timeout)
            return ""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return ""
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return ""
        # The terminal turns each "\n" into "\r\n" (ONLCR); report lines as the program wrote them.
        text = ANSI.sub("", self.decoder.decode(data)).replace("\r\n", "\n")
        self.transcript += text
        return text

    def poll_exit(self):
        if self.exit_code is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code

    def kill(self):
        if self.poll_exit() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def run_step(terminal, step, index):
    name = step.get("name", f"step {index}")
    result = {"name": name, "matched": True, "output": "", "chunks": []}
    started = time.monotonic()
    if "send" in step:
        os.write(terminal.fd, step["send"].encode())
    deadline = started + float(step.get("timeout", 10))
    pattern = re.compile(step["expect"], re.S) if "expect" in step else None
    while pattern is not None and not pattern.search(result["output"]):
        if time.monotonic() > deadline or (terminal.closed and terminal.poll_exit() is not None):
            result["matched"] = False
            break
        text = terminal.read(0.05)
        if text:
            result["output"] += text
            result["chunks"].append([round(time.monotonic() - started, 3), text])
    if step.get("exit"):
        while terminal.poll_exit() is None and time.monotonic() < deadline:
            text = terminal.read(0.05)
            if text:
                result["output"] += text
                result["chunks"].append([round(time.monotonic() - started, 3), text])
        result["matched"] = result["matched"] and terminal.poll_exit() is not None
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with open(args.steps) as file:
        steps = json.load(file)
    terminal = Terminal(command)
    report = {"ok": True, "failures": [], "steps": []}
    try:
        for index, step in enumerate(steps):
            result = run_step(terminal, step, index)
            report["steps"].append(result)
            if not result["matched"]:
                report["failures"].append(f"{result['name']}: no match for {step.get('expect', 'exit')!r} "
                                          f"within {step.get('timeout', 10)} s; saw {result['output'][-600:]!r}")
                break
    finally:
        report["exit_code"] = terminal.poll_exit()
        terminal.kill()
    report["transcript"] = terminal.transcript
    report["ok"] = not report["failures"]
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
