#ifndef AGENT_FCGI_CLINUX_H
#define AGENT_FCGI_CLINUX_H
// Linux calls Swift's Glibc module leaves out (signalfd, accept4, POLLRDHUP,
// pthread_setname_np), and the
// fatal-signal wrapper.
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

// POLLRDHUP: the peer closed its writing side (a web server that dropped the connection).
extern const short agent_poll_read_hangup;

// accept4(…, SOCK_CLOEXEC): a connection must not leak into the command tools we spawn.
int agent_accept_cloexec(int listen_fd, struct sockaddr *address, socklen_t *length);

// Names the calling thread for /proc, top -H and crash reports (at most 15 bytes are kept).
int agent_name_this_thread(const char *name);

// Wraps the handler of each fatal signal (ABRT, BUS, FPE, ILL, SEGV, TRAP) when there is one
// (the Swift runtime's crash handler, unless SWIFT_BACKTRACE=enable=no), so that the process dies
// of the signal right after the backtrace, or `report_seconds` after the fault if the report is
// not done by then. Returns how many were wrapped. Call once from main, before any thread starts.
int agent_install_fatal_signal_exit(unsigned report_seconds);

#endif
