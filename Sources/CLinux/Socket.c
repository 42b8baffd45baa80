// GNU socket calls and constants the Swift Glibc module leaves out (see include/CLinux.h).
#define _GNU_SOURCE
#include "CLinux.h"

#include <poll.h>
#include <sys/socket.h>

const short agent_poll_read_hangup = POLLRDHUP;

int agent_accept_cloexec(int listen_fd, struct sockaddr *address, socklen_t *length) {
    return accept4(listen_fd, address, length, SOCK_CLOEXEC);
}
