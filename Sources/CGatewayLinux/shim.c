#define _GNU_SOURCE
#include "CGatewayLinux.h"
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int cgw_errno(void) { return errno; }

int cgw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cgw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int cgw_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        events[i] = evs[i].events;
        datas[i] = evs[i].data.u64;
    }
    return n;
}

int cgw_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int cgw_accept4(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int cgw_set_nodelay(int fd) {
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

long cgw_send(int fd, const void *buf, unsigned long len) { return send(fd, buf, len, MSG_NOSIGNAL); }

/// Binds and listens on host:port (IPv4 or IPv6 literal); returns the fd or -1 with errno set.
int cgw_listen_tcp(const char *host, int port, int backlog, int *out_port) {
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    int family;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        family = AF_INET; a4->sin_family = AF_INET; a4->sin_port = htons((uint16_t)port); len = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        family = AF_INET6; a6->sin6_family = AF_INET6; a6->sin6_port = htons((uint16_t)port); len = sizeof *a6;
    } else {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
        int e = errno; close(fd); errno = e;
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) == 0) {
        *out_port = family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port)
                                      : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    return fd;
}

int cgw_raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    }
    return (int)(rl.rlim_cur > 0x7fffffff ? 0x7fffffff : rl.rlim_cur);
}

#include <sched.h>
int cgw_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return (int)sysconf(_SC_NPROCESSORS_ONLN);
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

#include <pthread.h>
#include <time.h>
#include <errno.h>
/// `timeout_ms` from now on CLOCK_MONOTONIC: a deadline that setting the wall clock cannot move.
static struct timespec cgw_monotonic_deadline(long timeout_ms) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) { ts.tv_sec += 1; ts.tv_nsec -= 1000000000L; }
    return ts;
}

/// Joins `thread` unless it is still running after `timeout_ms`: then 0 is not returned (ETIMEDOUT).
int cgw_timed_join(pthread_t thread, long timeout_ms) {
    struct timespec ts = cgw_monotonic_deadline(timeout_ms);
    return pthread_clockjoin_np(thread, NULL, CLOCK_MONOTONIC, &ts);
}

/// Waits for `sem` at most `timeout_ms` (EINTR retried): 0 when it was posted, else -1 (ETIMEDOUT).
int cgw_sem_timed_wait(sem_t *sem, long timeout_ms) {
    struct timespec ts = cgw_monotonic_deadline(timeout_ms);
    for (;;) {
        if (sem_clockwait(sem, CLOCK_MONOTONIC, &ts) == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

/// Stops a listening socket from accepting at once (Linux: pending and new connections are refused), without
/// closing the descriptor that other threads may still have registered.
int cgw_shutdown_listener(int fd) { return shutdown(fd, SHUT_RDWR); }

#include <signal.h>
#include <fcntl.h>
static volatile int cgw_signal_write_fd = -1;

static void cgw_on_shutdown_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (cgw_signal_write_fd >= 0) (void)write(cgw_signal_write_fd, &b, 1);
    errno = saved;
}

int cgw_route_shutdown_signals(int *read_fd) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    cgw_signal_write_fd = fds[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = cgw_on_shutdown_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    *read_fd = fds[0];
    return 0;
}

/// Names the calling thread (at most 15 bytes are kept).
void cgw_set_thread_name(const char *name) { (void)pthread_setname_np(pthread_self(), name); }
