// pthread_setname_np, a GNU call the Swift Glibc module leaves out (see include/CLinux.h).
#define _GNU_SOURCE
#include "CLinux.h"

#include <pthread.h>

int agent_name_this_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
