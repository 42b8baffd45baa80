#!/usr/bin/env python3
"""Drives the agent-fcgi chat page (web/) in a real headless Chromium over the Chrome
DevTools Protocol, against a running stack, and prints what it saw as JSON on stdout.

  1. open --base-url and wait for the page to be ready;
  2. create a session with the "New session" button (with --pick-model, first pick that model
     in the model picker, which must be shown);
  3. type --message into the message box ("\\n" in it is typed as Shift+Enter) and press Enter;
  4. snapshot the streamed answer's text every few milliseconds until the answer ends, and
     check it grew over several snapshots, a tool card appeared (--expect-tool) and the
     text contains --expect-text; then check the sidebar and the header name the session
     after its first message (on one line, cut at 80 characters), not by its id;
     With --approve the first answer must instead stop at an approval card for --expect-tool
     (state awaiting_approval, no result yet); Approve is clicked and the same answer must
     stream on to its end, where the checks above apply;
  5. unless --skip-cancel: send --cancel-message, click Cancel once text streams, and wait
     for the answer's cancelled state;
  6. save a PNG screenshot (--screenshot).

Exit status: 0 every check passed, 1 a check failed, 2 the run could not happen (no
Chromium, page did not load, …). Standard library only (see cdp.py). Logs go to stderr."""

import argparse, base64, json, os, shutil, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chromium, DevTools, DriveError, WebSocket, log  # noqa: E402

# The last assistant turn, as the checks see it. Kept in one place so the page's class
# names are named once here.
ANSWER_SNAPSHOT = """(() => {
  const turns = document.querySelectorAll('#messages > li.turn.assistant');
  const turn = turns[turns.length - 1];
  if (!turn) return {count: 0};
  const usage = turn.querySelector('.usage');
  return {
    count: turns.length,
    state: turn.dataset.state,
    text: [...turn.querySelectorAll('.answer-text')].map((node) => node.innerText).join('\\n'),
    thinking_blocks: turn.querySelectorAll('details.thinking').length,
    thinking_open: [...turn.querySelectorAll('details.thinking')].some((node) => node.open),
    tool_cards: [...turn.querySelectorAll('.tool-card')].map((card) => ({
      tool: card.dataset.tool || null, name: card.querySelector('.tool-name')?.textContent ?? null,
      status: card.dataset.status,
      duration_ms: card.dataset.durationMs === undefined ? null : Number(card.dataset.durationMs),
      badge: card.querySelector('.tool-badge')?.textContent ?? null })),
    status_text: turn.querySelector('.answer-status')?.hidden ? '' : (turn.querySelector('.answer-status')?.textContent ?? ''),
    usage: usage && !usage.hidden ? usage.textContent : '',
    approvals: [...turn.querySelectorAll('.approval-card')].map((card) => ({
      tool: card.dataset.tool || null, decision: card.dataset.decision,
      args: card.querySelector('.approval-args')?.textContent ?? null })),
    aria_busy: turn.querySelector('.answer-content')?.getAttribute('aria-busy'),
    connection: document.getElementById('connection-state').dataset.state,
  };
})()"""

# Records every render of the newest answer from inside the page, so growth is seen however
# slowly the driver's own polling runs on a loaded machine. Installed before a message is sent;
# `before` is the number of assistant turns already on the page.
RENDER_RECORDER = """((before) => {
  if (window.__renderObserver) window.__renderObserver.disconnect();
  window.__renders = [];
  const start = performance.now();
  const messages = document.getElementById('messages');
  const record = () => {
    const turns = messages.querySelectorAll(':scope > li.turn.assistant');
    if (turns.length <= before) return;
    const turn = turns[turns.length - 1];
    const chars = [...turn.querySelectorAll('.answer-text')].map((node) => node.textContent).join('\\n').length;
    const last = window.__renders[window.__renders.length - 1];
    if (last && last.chars === chars && last.state === turn.dataset.state) return;
    window.__renders.push({t_ms: Math.round(performance.now() - start), chars, state: turn.dataset.state});
  };
  window.__renderObserver = new MutationObserver(record);
  window.__renderObserver.observe(messages, {subtree: true, childList: true, characterData: true, attributes: true});
})"""

# The page's own modules, imported from where the page was served, fed awkward input: the
# SSE parser with every possible chunk split, and Markdown that tries to inject HTML.
MODULE_CHECKS = r"""(async () => {
  const failures = [];
  const { SSEParser } = await import(new URL('sse.js', document.baseURI));
  const { renderMarkdown } = await import(new URL('markdown.js', document.baseURI));
  const wire = 'id: 1\r\ndata: {"a":1}\r\n\r\n: ping\n\nid: 2\ndata: x\ndata:  y\n\r: done\r\r';
  const expected = JSON.stringify({ events: [{ id: '1', event: 'message', data: '{"a":1}' },
    { id: '2', event: 'message', data: 'x\n y' }], comments: ['ping', 'done'] });
  for (let split = 0; split <= wire.length; split++) {
    const seen = { events: [], comments: [] };
    const parser = new SSEParser({ onEvent: (e) => seen.events.push(e), onComment: (c) => seen.comments.push(c) });
    const bytes = new TextEncoder().encode(wire);
    parser.feedBytes(bytes.slice(0, split));
    parser.feedBytes(bytes.slice(split));
    parser.end();
    if (JSON.stringify(seen) !== expected) { failures.push(`SSE split at ${split}: ${JSON.stringify(seen)}`); break; }
  }
  const hostile = '<img src=x onerror="window.__pwned=1"> **bold** `<b>code</b>`\n\n```html\n<script>window.__pwned=1</script>\n```';
  const box = document.createElement('div');
  box.append(renderMarkdown(hostile));
  const tags = [...box.querySelectorAll('*')].map((node) => node.tagName.toLowerCase()).sort().join(',');
  if (tags !== 'code,code,p,pre,strong') failures.push(`markdown made elements ${tags}`);
  if (!box.textContent.includes('<img src=x') || !box.textContent.includes('<script>')) failures.push('markdown lost literal HTML text');
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (window.__pwned) failures.push('markdown ran injected script');
  return failures;
})()"""

ENDED = ("completed", "cancelled", "error", "incomplete", "max_iterations", "interrupted", "awaiting_approval")


class Page:
    def __init__(self, devtools, poll_seconds):
        self.dt = devtools
        self.poll = poll_seconds

    def js(self, expression):
        return self.dt.evaluate(expression)

    def wait_for(self, expression, timeout, what, while_loading=False):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except DriveError:
                if not while_loading:
                    raise
                value = None  # the old document went away under the evaluation: try again
            if value:
                return value
            time.sleep(self.poll)
        raise CheckFailed(f"timed out after {timeout} s waiting for {what}")

    def click(self, selector):
        """A real mouse click at the element's centre: fails if it is hidden or covered."""
        box = self.js(f"""(() => {{ const node = document.querySelector({json.dumps(selector)});
            if (!node) return null; node.scrollIntoView({{block: 'nearest'}});
            const r = node.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {{x, y, reachable: hit === node || node.contains(hit), disabled: !!node.disabled}}; }})()""")
        if not box:
            raise CheckFailed(f"no element {selector} to click")
        if not box["reachable"] or box["disabled"]:
            raise CheckFailed(f"{selector} is not clickable: {box}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.dt.call("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"],
                                                      "button": "left", "clickCount": 1})

    def key(self, key, code, key_code, modifiers=0, text=None):
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code,
                "nativeVirtualKeyCode": key_code, "modifiers": modifiers}
        if text is not None:
            down["text"] = text
            down["unmodifiedText"] = text
        self.dt.call("Input.dispatchKeyEvent", down)
        self.dt.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                                "windowsVirtualKeyCode": key_code, "modifiers": modifiers})

    def type_message(self, message):
        """Types into the focused field: lines joined by Shift+Enter, as a person would."""
        for index, line in enumerate(message.split("\n")):
            if index:
                self.key("Enter", "Enter", 13, modifiers=8, text="\r")
            if line:
                self.dt.call("Input.insertText", {"text": line})

    def answer(self):
        return self.js(ANSWER_SNAPSHOT)

    def screenshot(self, path):
        data = base64.b64decode(self.dt.call("Page.captureScreenshot", {"format": "png"})["data"])
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        return len(data)


class CheckFailed(Exception):
    """A check about the page failed (exit 1)."""


def send_and_watch(page, message, timeout, stop_when=None):
    """Sends `message` with Enter and snapshots the new answer until it ends (or stop_when)."""
    before = page.answer().get("count", 0)
    page.click("#composer-input")
    page.type_message(message)
    typed = page.js("document.getElementById('composer-input').value")
    if typed != message:
        raise CheckFailed(f"the message box holds {typed!r} instead of {message!r}")
    page.js(f"{RENDER_RECORDER}({int(before)})")
    page.key("Enter", "Enter", 13, text="\r")
    start = time.monotonic()
    snapshots, last_chars, answer, connections = [], -1, None, []
    while time.monotonic() - start < timeout:
        answer = page.answer()
        if answer.get("count", 0) > before:
            if not connections or connections[-1] != answer["connection"]:
                connections.append(answer["connection"])
            chars = len(answer["text"])
            if chars != last_chars:
                snapshots.append({"t_ms": round((time.monotonic() - start) * 1000), "chars": chars,
                                  "state": answer["state"]})
                last_chars = chars
            if answer["state"] in ENDED or (stop_when and stop_when(answer)):
                answer["connections_seen"] = connections
                return answer, page.js("window.__renders") or snapshots
        elif page.js("!document.getElementById('alert').hidden"):
            raise CheckFailed("the page showed an error instead of answering: " +
                              page.js("document.getElementById('alert-text').textContent"))
        time.sleep(page.poll)
    raise CheckFailed(f"the answer to {message!r} did not end within {timeout} s (last: {answer})")


def run(args, page, summary):
    failures = summary["failures"]
    page.dt.call("Page.navigate", {"url": args.base_url})
    page.wait_for("document.documentElement.dataset.appReady === 'true'", args.load_timeout, "the page to load",
                  while_loading=True)
    summary["server_status"] = page.js("document.getElementById('server-status').textContent")
    if page.js("!document.getElementById('alert').hidden"):
        failures.append("the page shows an error after loading: " + page.js("document.getElementById('alert-text').textContent"))

    if not args.skip_module_checks:
        summary["module_check_failures"] = page.js(MODULE_CHECKS)
        failures += [f"module check: {failure}" for failure in summary["module_check_failures"]]

    # The model picker: shown only when the server allows several models.
    summary["model_picker_hidden"] = page.js("document.getElementById('model-picker').hidden")
    summary["models_offered"] = page.js("[...document.querySelectorAll('#model-select option')].map(o => o.value || o.textContent)")
    if args.pick_model:
        if summary["model_picker_hidden"] or args.pick_model not in summary["models_offered"]:
            failures.append(f"the model picker does not offer {args.pick_model!r}: hidden={summary['model_picker_hidden']}, "
                            f"options={summary['models_offered']}")
        else:
            page.js(f"(() => {{ const s = document.getElementById('model-select'); s.value = {json.dumps(args.pick_model)}; "
                    "s.dispatchEvent(new Event('change', {bubbles: true})); })()")

    if args.open_session:
        decide_waiting_session(args, page, summary)
        if args.screenshot:
            summary["screenshot"] = os.path.abspath(args.screenshot)
            summary["screenshot_bytes"] = page.screenshot(args.screenshot)
        return

    # A session, created the way a person would.
    if args.system_prompt:
        page.js("document.querySelector('.system-prompt').open = true")
        page.click("#system-prompt-input")
        page.dt.call("Input.insertText", {"text": args.system_prompt})
    page.click("#new-session-button")
    summary["session_id"] = page.wait_for("document.body.dataset.sessionId || ''", args.timeout, "a new session")
    page.wait_for(f"!!document.querySelector('#session-list [aria-current=\"true\"][data-session-id={json.dumps(summary['session_id'])}]')",
                  args.timeout, "the new session to be listed and selected")
    if not page.js("document.activeElement === document.getElementById('composer-input')"):
        failures.append("focus did not move to the message box after creating the session")

    # The streamed answer. Its usage event follows the final one, so the footer may appear a
    # moment after the answer shows as ended.
    answer, snapshots = send_and_watch(page, args.message, args.timeout)
    if args.approve:
        answer, snapshots = approve_and_watch(args, page, summary, answer)
    usage_deadline = time.monotonic() + 5
    while not answer["usage"] and time.monotonic() < usage_deadline:
        time.sleep(page.poll)
        answer = dict(answer, usage=page.answer().get("usage", ""))
    growing = [s["chars"] for s in snapshots if s["state"] in ("waiting", "streaming") and s["chars"] > 0]
    summary["answer"] = {"state": answer["state"], "text": answer["text"], "chars": len(answer["text"]),
                         "distinct_lengths_while_streaming": len(set(growing)), "snapshots": snapshots,
                         "tool_cards": answer["tool_cards"], "thinking_blocks": answer["thinking_blocks"],
                         "thinking_open": answer["thinking_open"], "usage": answer["usage"],
                         "status_text": answer["status_text"], "aria_busy": answer["aria_busy"],
                         "connection_states": answer["connections_seen"]}
    if answer["state"] != "completed":
        failures.append(f"the answer ended as {answer['state']!r} ({answer['status_text']}), not completed")
    # Markdown can shorten the visible text for a moment (a code fence turning into a block),
    # so growth means: the visible length rose to a new high in enough separate snapshots.
    highs = [chars for index, chars in enumerate(growing) if chars > max(growing[:index], default=0)]
    summary["answer"]["new_highs_while_streaming"] = len(highs)
    if len(highs) < args.min_snapshots:
        failures.append(f"the text did not grow over at least {args.min_snapshots} snapshots while streaming: {growing}")
    if args.expect_text and args.expect_text not in answer["text"]:
        failures.append(f"the answer does not contain {args.expect_text!r}: {answer['text'][:300]!r}")
    if not args.no_tool:
        cards = answer["tool_cards"]
        matching = [c for c in cards if not args.expect_tool or args.expect_tool in (c["tool"], c["name"])]
        if not matching:
            failures.append(f"no tool card{' for ' + args.expect_tool if args.expect_tool else ''}: {cards}")
        elif not all(c["status"] in ("completed", "error") and c["duration_ms"] is not None for c in matching):
            failures.append(f"a tool card did not finish with a duration: {matching}")
    if not answer["usage"]:
        failures.append("no usage line under the answer")
    if answer["thinking_open"]:
        failures.append("thinking is shown expanded; it should be collapsed")
    if answer["aria_busy"] != "false":
        failures.append(f"the answer's live region is still aria-busy={answer['aria_busy']!r}")
    check_session_title(args, page, summary)

    if not args.skip_cancel:
        cancel_answer(args, page, summary)

    if args.screenshot:
        page.js("document.activeElement?.blur?.()")
        summary["screenshot"] = os.path.abspath(args.screenshot)
        summary["screenshot_bytes"] = page.screenshot(args.screenshot)


def approve_and_watch(args, page, summary, paused):
    """The answer stopped at an approval card: check it, click Approve, watch the same answer go on."""
    record = {"state_before": paused["state"], "cards_before": paused["approvals"],
              "tool_cards_before": paused["tool_cards"]}
    summary["approval"] = record
    if paused["state"] != "awaiting_approval":
        raise CheckFailed(f"the answer ended as {paused['state']!r}, not awaiting_approval ({paused['status_text']})")
    waiting = [card for card in paused["approvals"] if card["decision"] == "pending"]
    if not waiting or (args.expect_tool and waiting[0]["tool"] != args.expect_tool):
        raise CheckFailed(f"no pending approval card for {args.expect_tool!r}: {paused['approvals']}")
    if any(card["tool"] == waiting[0]["tool"] and card["status"] == "completed" for card in paused["tool_cards"]):
        raise CheckFailed(f"the gated tool ran before it was approved: {paused['tool_cards']}")
    page.js(f"{RENDER_RECORDER}({max(int(paused.get('count', 1)) - 1, 0)})")
    page.click(".approval-card[data-decision='pending'] .approve-button")
    start = time.monotonic()
    snapshots, last_chars, answer = [], -1, None
    while time.monotonic() - start < args.timeout:
        answer = page.answer()
        chars = len(answer["text"])
        if chars != last_chars:
            snapshots.append({"t_ms": round((time.monotonic() - start) * 1000), "chars": chars, "state": answer["state"]})
            last_chars = chars
        if answer["state"] in ENDED and answer["state"] != "awaiting_approval":
            break
        if page.js("!document.getElementById('alert').hidden"):
            raise CheckFailed("the page showed an error after Approve: " +
                              page.js("document.getElementById('alert-text').textContent"))
        time.sleep(page.poll)
    else:
        raise CheckFailed(f"the approved answer did not end within {args.timeout} s (last: {answer})")
    answer["connections_seen"] = [answer["connection"]]
    record["cards_after"] = answer["approvals"]
    if answer["count"] != paused["count"]:
        record["note"] = "the continuation opened a new turn"
    return answer, page.js("window.__renders") or snapshots


def decide_waiting_session(args, page, summary):
    """--open-session: the page opened on a session whose turn waits (paused elsewhere, e.g. by
    the API) shows its approval card under the history; Approve continues it in the page."""
    # The page is already open: a hash change alone would not load it again.
    page.dt.call("Page.navigate", {"url": args.base_url + "#session=" + args.open_session})
    page.js("location.reload()")
    page.wait_for("document.documentElement.dataset.appReady === 'true' && "
                  "!!document.querySelector(\".approval-card[data-decision='pending']\")",
                  args.load_timeout, "the waiting session's approval card", while_loading=True)
    paused = page.answer()
    answer, snapshots = approve_and_watch(args, page, summary, paused)
    summary["answer"] = {"state": answer["state"], "text": answer["text"], "chars": len(answer["text"]),
                         "snapshots": snapshots, "tool_cards": answer["tool_cards"], "usage": answer["usage"],
                         "new_highs_while_streaming": 0}
    if answer["state"] != "completed":
        summary["failures"].append(f"the approved answer ended as {answer['state']!r} ({answer['status_text']})")
    if args.expect_text and args.expect_text not in answer["text"]:
        summary["failures"].append(f"the approved answer does not contain {args.expect_text!r}: {answer['text'][:300]!r}")


def expected_title(message):
    """The server's title for a first message (SessionTitle): one line, at most 80 characters."""
    line = " ".join(message.split())
    return line if len(line) <= 80 else line[:79] + "\u2026"


def check_session_title(args, page, summary):
    """The sidebar names the session after its first message once the answer is done, not by id."""
    selector = f"#session-list [data-session-id={json.dumps(summary['session_id'])}] .session-title"
    expected = expected_title(args.message)
    try:
        page.wait_for(f"document.querySelector({json.dumps(selector)})?.textContent === {json.dumps(expected)}",
                      args.timeout, "the session list to show the first message")
    except CheckFailed:
        pass  # reported below with what it showed instead
    summary["session_title"] = page.js(f"document.querySelector({json.dumps(selector)})?.textContent ?? null")
    summary["conversation_title"] = page.js("document.getElementById('conversation-title').textContent")
    if summary["session_title"] != expected:
        summary["failures"].append(f"the session list shows {summary['session_title']!r}, not the first message {expected!r}")
    if summary["conversation_title"] != expected:
        summary["failures"].append(f"the conversation header shows {summary['conversation_title']!r}, not {expected!r}")


def cancel_answer(args, page, summary):
    failures = summary["failures"]
    streaming = lambda a: a["state"] == "streaming" and len(a["text"]) >= args.cancel_after_chars
    answer, _ = send_and_watch(page, args.cancel_message, args.timeout, stop_when=streaming)
    record = {"chars_at_cancel": len(answer["text"]), "state_at_cancel": answer["state"]}
    summary["cancel"] = record
    if answer["state"] != "streaming":
        failures.append(f"the second answer ended ({answer['state']}) before Cancel could be clicked; "
                        "use a longer --cancel-message answer")
        return
    if args.cancel_via == "escape":
        page.key("Escape", "Escape", 27)
    else:
        page.click("#cancel-button")
    ended = page.wait_for(f"(() => {{ const a = {ANSWER_SNAPSHOT}; return {json.dumps(list(ENDED))}.includes(a.state) ? a : null; }})()",
                          args.timeout, "the cancelled answer to end")
    record.update({"state": ended["state"], "status_text": ended["status_text"], "chars_final": len(ended["text"]),
                   "usage": ended["usage"]})
    if ended["state"] != "cancelled":
        failures.append(f"after Cancel the answer ended as {ended['state']!r} ({ended['status_text']})")
    idle = page.wait_for("document.body.dataset.busy === 'false' && document.getElementById('cancel-button').disabled",
                         args.timeout, "the page to leave the busy state")
    record["page_idle_after"] = bool(idle)


def find_chromium(explicit):
    for candidate in [explicit, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    raise DriveError("no Chromium found: install Debian's `chromium` (scripts/install-deps) or pass --chromium")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, help="URL of the page, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--screenshot", help="write a PNG screenshot of the final page here")
    parser.add_argument("--message", default="What time is it?", help="first message (\\n = Shift+Enter)")
    parser.add_argument("--expect-text", help="the first answer must contain this text")
    parser.add_argument("--expect-tool", help="a tool card for this tool must appear in the first answer")
    parser.add_argument("--no-tool", action="store_true", help="do not require a tool card")
    parser.add_argument("--open-session", help="open the page on this session, whose turn waits for approval of "
                        "--expect-tool, click Approve and follow the answer (instead of steps 2-5)")
    parser.add_argument("--approve", action="store_true",
                        help="the first answer waits for approval of --expect-tool: click Approve and follow it")
    parser.add_argument("--system-prompt", help="type this system prompt for the new session")
    parser.add_argument("--pick-model", help="pick this model in the model picker before sending (it must be offered)")
    parser.add_argument("--cancel-message", default="Write a long answer, please.",
                        help="second message, whose answer must stream long enough to be cancelled")
    parser.add_argument("--cancel-after-chars", type=int, default=1, help="click Cancel once this much text streamed")
    parser.add_argument("--cancel-via", choices=["button", "escape"], default="button",
                        help="cancel by clicking the Cancel button or pressing Escape")
    parser.add_argument("--skip-cancel", action="store_true", help="skip the cancel step")
    parser.add_argument("--skip-module-checks", action="store_true",
                        help="skip the in-page checks of the SSE parser and Markdown renderer")
    parser.add_argument("--min-snapshots", type=int, default=3,
                        help="snapshots in which the visible text must reach a new length while streaming")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for each wait (answer, session, cancel)")
    parser.add_argument("--start-timeout", type=float, default=60.0, help="seconds for Chromium to start")
    parser.add_argument("--load-timeout", type=float, default=30.0, help="seconds for the page to load and be ready")
    parser.add_argument("--poll-ms", type=float, default=25.0, help="DOM snapshot interval")
    parser.add_argument("--color-scheme", choices=["light", "dark"], help="emulate prefers-color-scheme")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=860)
    parser.add_argument("--chromium", help="Chromium binary (default: $CHROMIUM, then chromium on PATH)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    started = time.monotonic()
    summary = {"ok": False, "base_url": args.base_url, "failures": [], "session_id": None,
               "answer": None, "cancel": None, "screenshot": None}
    browser, ws, status = None, None, 2
    try:
        browser = Chromium(find_chromium(args.chromium), args.width, args.height)
        ws = WebSocket(browser.websocket_url(args.start_timeout), timeout=args.start_timeout)
        devtools = DevTools(ws)
        summary["chromium"] = devtools.call("Browser.getVersion", browser=True).get("product")
        target = devtools.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        devtools.session_id = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                            browser=True)["sessionId"]
        for domain in ("Page.enable", "Runtime.enable"):
            devtools.call(domain)
        devtools.call("Emulation.setDeviceMetricsOverride", {"width": args.width, "height": args.height,
                                                              "deviceScaleFactor": 1, "mobile": False})
        if args.color_scheme:
            devtools.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme",
                                                                        "value": args.color_scheme}]})
        page = Page(devtools, args.poll_ms / 1000)
        try:
            run(args, page, summary)
        except CheckFailed as failure:
            summary["failures"].append(str(failure))
            if args.screenshot:  # a picture of the failure helps more than none
                summary["screenshot"] = os.path.abspath(args.screenshot)
                summary["screenshot_bytes"] = page.screenshot(args.screenshot)
        summary["page_errors"] = devtools.page_errors
        summary["console_errors"] = devtools.console_errors
        summary["failures"] += [f"uncaught page exception: {error}" for error in devtools.page_errors]
        summary["ok"] = not summary["failures"]
        status = 0 if summary["ok"] else 1
    except (DriveError, OSError) as error:
        summary["failures"].append(f"could not drive the page: {error}")
    finally:
        if ws:
            ws.close()
        if browser:
            browser.stop()
        summary["elapsed_ms"] = round((time.monotonic() - started) * 1000)
        print(json.dumps(summary, indent=2))
    for failure in summary["failures"]:
        log(f"FAILED: {failure}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
