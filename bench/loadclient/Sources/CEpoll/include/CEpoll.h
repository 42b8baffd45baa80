// Glibc's Swift module leaves out <sys/epoll.h> and the GNU memmem; this target exposes both.
#include <stddef.h>
#include <sys/epoll.h>

void *lc_memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);
