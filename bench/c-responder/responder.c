// The limit: the least a FastCGI responder on libfcgi can do for GET /health. N threads, each
// owning one FCGX_Request, answering the same tiny JSON agent-fcgi's /health sends.
// Usage: responder SOCKET_PATH THREADS
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int listen_fd;

static void *worker(void *unused) {
    (void)unused;
    FCGX_Request req;
    FCGX_InitRequest(&req, listen_fd, 0);
    // libfcgi's own printf knows no %zu: the whole response is built once, up front.
    static const char body[] = "{\"status\":\"healthy\",\"version\":\"0.1.0\",\"active_sessions\":0}";
    char response[256];
    int length = snprintf(response, sizeof response,
                          "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                          sizeof body - 1, body);
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(response, length, req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s SOCKET_PATH THREADS\n", argv[0]); return 2; }
    int threads = atoi(argv[2]);
    if (FCGX_Init() != 0) return 1;
    signal(SIGTERM, SIG_DFL); // libfcgi turns TERM into "shutdown pending"; the bench wants it to stop now
    listen_fd = FCGX_OpenSocket(argv[1], 1024); // exits on failure; the path is a bench temp dir
    chmod(argv[1], 0666);
    pthread_t tids[256];
    if (threads < 1 || threads > 256) threads = 4;
    for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
    return 0;
}
