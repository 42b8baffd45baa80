// Fake OpenAI-compatible LLM for the benchmarks: POST /v1/chat/completions, streamed (SSE) or not.
//
// Why C and one epoll thread: at 1,000 streams x 1 token / 20 ms it must emit 50,000 frames a
// second while taking as little of the 2 shared cores as possible; a timer wheel with 1 ms slots
// and one send() per frame keeps it to a few microseconds per token (bench measures it).
//
// The script comes from the request body: the LAST "FAKE[t=100,d=20,tools=2]" in it (the newest
// user message) sets tokens, inter-token delay in ms and how many tool-call turns precede the
// answer, and par=N makes each tool turn N parallel calls. Tool results already in the conversation
// are the "tool_call_id"s after that directive. Defaults: -t/-d.
// Each streamed token's text is "~T<CLOCK_MONOTONIC microseconds>~ ", the moment it was sent: a
// reader on this machine subtracts it from its arrival time to get the relay's delay per token.
// HTTP/1.1 keep-alive gets chunked encoding (as OpenAI does); HTTP/1.0 or "Connection: close"
// gets a raw body ended by close.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WHEEL 65536
#define MAXREQ (4 << 20)

typedef struct conn {
    int fd, chunked, keepalive, stream, tokens, delay, tool_turn, parallel, sent, closing;
    long due, t0; // token k is due at t0 + k * delay: no drift accumulates
    char *in; size_t inlen, incap;
    char *out; size_t outlen, outoff, outcap;
    char model[64];
    struct conn *next, *prev; // timer wheel slot list
    int in_wheel;
} conn;

static int ep, def_tokens = 10, def_delay = 0;
static conn *wheel[WHEEL];
static long active_timers, last_tick, seq;

static long now_ms(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long now_us(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static void wheel_del(conn *c) {
    if (!c->in_wheel) return;
    if (c->prev) c->prev->next = c->next; else wheel[c->due % WHEEL] = c->next;
    if (c->next) c->next->prev = c->prev;
    c->in_wheel = 0; active_timers--;
}

static void wheel_add(conn *c, long due) {
    c->due = due; c->prev = NULL; c->next = wheel[due % WHEEL];
    if (c->next) c->next->prev = c;
    wheel[due % WHEEL] = c; c->in_wheel = 1; active_timers++;
}

static void close_conn(conn *c) {
    wheel_del(c); close(c->fd); free(c->in); free(c->out); free(c);
}

static void append(conn *c, const char *s, size_t n) {
    if (c->outlen + n > c->outcap) {
        c->outcap = (c->outlen + n) * 2;
        c->out = realloc(c->out, c->outcap);
        if (!c->out) { perror("realloc"); exit(1); }
    }
    memcpy(c->out + c->outlen, s, n); c->outlen += n;
}

// Sends what is buffered; returns -1 when the connection is gone.
static int flush_out(conn *c) {
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN) {
                struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                return 0;
            }
            return -1;
        }
        c->outoff += (size_t)w;
    }
    c->outoff = c->outlen = 0;
    return 0;
}

static void body(conn *c, const char *s, size_t n) {
    if (c->chunked) {
        char head[24]; int h = snprintf(head, sizeof head, "%zx\r\n", n);
        append(c, head, (size_t)h); append(c, s, n); append(c, "\r\n", 2);
    } else append(c, s, n);
}

static void sse(conn *c, const char *json) {
    char buf[8400]; int n = snprintf(buf, sizeof buf, "data: %s\n\n", json);
    body(c, buf, (size_t)n);
}

static void finish_response(conn *c) {
    if (c->chunked) append(c, "0\r\n\r\n", 5);
    c->closing = !c->keepalive;
}

static void usage_json(conn *c, char *buf, size_t cap, const char *finish) {
    int completion = c->tool_turn ? 12 : c->tokens;
    snprintf(buf, cap, "{\"id\":\"chatcmpl-%ld\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"%s\","
             "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}],"
             "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}",
             seq, c->model, finish, 50, completion, 50 + completion);
}

// The tool calls of one turn, as a JSON array: `parallel` calculator calls.
static void tool_calls(conn *c, char *buf, size_t cap) {
    size_t off = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < c->parallel && off < cap - 160; i++)
        off += (size_t)snprintf(buf + off, cap - off, "%s{\"index\":%d,\"id\":\"call_%ld_%d\",\"type\":\"function\","
                                "\"function\":{\"name\":\"calculator\",\"arguments\":\"{\\\"expression\\\":\\\"(2+3)*%d\\\"}\"}}",
                                i ? "," : "", i, seq, i, i + 1);
    snprintf(buf + off, cap - off, "]");
}

// Streams the next frame of a streamed response; schedules the one after.
static void stream_step(conn *c) {
    char json[8192], calls[6144];
    if (c->tool_turn) {
        tool_calls(c, calls, sizeof calls);
        snprintf(json, sizeof json, "{\"id\":\"chatcmpl-%ld\",\"object\":\"chat.completion.chunk\",\"created\":0,"
                 "\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
                 "\"tool_calls\":%s},\"finish_reason\":null}]}", seq, c->model, calls);
        sse(c, json);
        usage_json(c, json, sizeof json, "tool_calls"); sse(c, json);
        body(c, "data: [DONE]\n\n", 14); finish_response(c); return;
    }
    if (c->sent < c->tokens) {
        snprintf(json, sizeof json, "{\"id\":\"chatcmpl-%ld\",\"object\":\"chat.completion.chunk\",\"created\":0,"
                 "\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{%s\"content\":\"~T%ld~ \"},\"finish_reason\":null}]}",
                 seq, c->model, c->sent == 0 ? "\"role\":\"assistant\"," : "", now_us());
        sse(c, json); c->sent++;
        if (c->sent < c->tokens && c->delay > 0) { wheel_add(c, c->t0 + (long)c->sent * c->delay); return; }
        if (c->sent < c->tokens) { stream_step(c); return; }
    }
    usage_json(c, json, sizeof json, "stop"); sse(c, json);
    body(c, "data: [DONE]\n\n", 14); finish_response(c);
}

static void whole_response(conn *c) {
    char json[8192], content[6400], calls[6144], head[256];
    if (c->tool_turn) {
        tool_calls(c, calls, sizeof calls);
        snprintf(content, sizeof content, "\"content\":null,\"tool_calls\":%s", calls);
    } else {
        size_t off = (size_t)snprintf(content, sizeof content, "\"content\":\"");
        for (int i = 0; i < c->tokens && off < sizeof content - 16; i++)
            off += (size_t)snprintf(content + off, sizeof content - off, "tok%d ", i);
        snprintf(content + off, sizeof content - off, "\"");
    }
    int completion = c->tool_turn ? 12 : c->tokens;
    int n = snprintf(json, sizeof json, "{\"id\":\"chatcmpl-%ld\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"%s\","
                     "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",%s},\"finish_reason\":\"%s\"}],"
                     "\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":%d,\"total_tokens\":%d}}",
                     seq, c->model, content, c->tool_turn ? "tool_calls" : "stop", completion, 50 + completion);
    int h = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n",
                     n, c->keepalive ? "" : "Connection: close\r\n");
    append(c, head, (size_t)h); append(c, json, (size_t)n);
    c->closing = !c->keepalive;
}

static int count(const char *hay, const char *end, const char *needle) {
    int n = 0; size_t l = strlen(needle);
    for (const char *p = hay; (p = memmem(p, (size_t)(end - p), needle, l)); p += l) n++;
    return n;
}

static int int_after(const char *s, const char *end, const char *key, int fallback) {
    const char *p = memmem(s, (size_t)(end - s), key, strlen(key));
    return p ? atoi(p + strlen(key)) : fallback;
}

// A whole request is in c->in: decide the script and start answering.
static void start(conn *c, size_t header_len, size_t body_len) {
    const char *b = c->in + header_len, *end = b + body_len;
    seq++;
    c->keepalive = memmem(c->in, header_len, "HTTP/1.1", 8) && !memmem(c->in, header_len, "onnection: close", 16);
    const char *s = memmem(b, body_len, "\"stream\"", 8);
    c->stream = s && (s + 14 <= end) && memmem(s, 14, "true", 4);
    c->tokens = def_tokens; c->delay = def_delay; c->sent = 0;
    int tools = 0;
    const char *dir = NULL;
    for (const char *p = b; (p = memmem(p, (size_t)(end - p), "FAKE[", 5)); p += 5) dir = p;
    if (dir) {
        const char *close = memchr(dir, ']', (size_t)(end - dir));
        const char *dend = close ? close : end;
        c->tokens = int_after(dir, dend, "t=", c->tokens);
        c->delay = int_after(dir, dend, "d=", c->delay);
        tools = int_after(dir, dend, "tools=", 0);
        c->parallel = int_after(dir, dend, "par=", 1);
    }
    if (c->parallel < 1 || c->parallel > 32) c->parallel = 1;
    c->tool_turn = count(dir ? dir : b, end, "tool_call_id") < tools * c->parallel;
    const char *m = memmem(b, body_len, "\"model\"", 7);
    snprintf(c->model, sizeof c->model, "fake");
    if (m) {
        const char *q = memchr(m + 7, '"', (size_t)(end - m - 7));
        const char *qe = q ? memchr(q + 1, '"', (size_t)(end - q - 1)) : NULL;
        if (qe && qe - q - 1 < (long)sizeof c->model) { memcpy(c->model, q + 1, (size_t)(qe - q - 1)); c->model[qe - q - 1] = 0; }
    }
    size_t consumed = header_len + body_len;
    memmove(c->in, c->in + consumed, c->inlen - consumed); c->inlen -= consumed;
    if (!c->stream) { whole_response(c); return; }
    c->chunked = c->keepalive;
    const char *head = c->chunked
        ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
        : "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    append(c, head, strlen(head));
    c->t0 = now_ms();
    stream_step(c);
}

static void bad_request(conn *c) {
    const char *r = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    append(c, r, strlen(r)); c->closing = 1;
}

// Returns -1 to close.
static int on_readable(conn *c) {
    for (;;) {
        if (c->incap - c->inlen < 16384) {
            if (c->incap >= MAXREQ) return -1;
            c->incap = c->incap ? c->incap * 2 : 32768;
            c->in = realloc(c->in, c->incap);
            if (!c->in) { perror("realloc"); exit(1); }
        }
        ssize_t r = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
        if (r == 0) return -1;
        if (r < 0) { if (errno == EAGAIN) break; return -1; }
        c->inlen += (size_t)r;
    }
    if (c->in_wheel || c->sent || c->outlen) return 0; // busy with a response; pipelining unsupported
    char *hend = memmem(c->in, c->inlen, "\r\n\r\n", 4);
    if (!hend) return 0;
    size_t header_len = (size_t)(hend - c->in) + 4;
    char *cl = memmem(c->in, header_len, "ontent-Length:", 14);
    if (!cl) cl = memmem(c->in, header_len, "ontent-length:", 14);
    if (!cl || memmem(c->in, header_len, "POST ", 5) != c->in) { bad_request(c); return flush_out(c); }
    size_t body_len = (size_t)atol(cl + 14);
    if (c->inlen < header_len + body_len) return 0;
    start(c, header_len, body_len);
    return flush_out(c);
}

static void after_write(conn *c) {
    if (c->outlen) return;
    if (c->closing) { close_conn(c); return; }
    if (!c->in_wheel) c->sent = 0; // response complete: ready for the next request on this connection
}

int main(int argc, char **argv) {
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "p:t:d:")) != -1) {
        if (opt == 'p') port = atoi(optarg);
        else if (opt == 't') def_tokens = atoi(optarg);
        else if (opt == 'd') def_delay = atoi(optarg);
    }
    if (port <= 0) { fprintf(stderr, "usage: fakellm -p PORT [-t tokens] [-d delay_ms]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 8192)) { perror("fakellm: bind/listen"); return 1; }
    ep = epoll_create1(0);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &lev);
    fprintf(stderr, "fakellm listening on 127.0.0.1:%d\n", port);
    struct epoll_event evs[512];
    last_tick = now_ms();
    for (;;) {
        int n = epoll_wait(ep, evs, 512, active_timers ? 1 : -1);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (evs[i].events & EPOLLOUT) {
                if (flush_out(c) < 0) { close_conn(c); continue; }
                if (!c->outlen) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                    after_write(c);
                    continue;
                }
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (on_readable(c) < 0) { close_conn(c); continue; }
                after_write(c);
            }
        }
        long now = now_ms();
        for (; last_tick <= now; last_tick++) {
            conn *c = wheel[last_tick % WHEEL];
            while (c) {
                conn *next = c->next;
                if (c->due <= now) {
                    wheel_del(c);
                    stream_step(c);
                    if (flush_out(c) < 0) close_conn(c); else after_write(c);
                }
                c = next;
            }
        }
        last_tick = now; // re-scan this slot next round: items due later in the same slot wait
    }
}
