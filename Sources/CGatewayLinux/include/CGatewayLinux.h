// Thin C shim: what Swift's Glibc module does not export on Linux (epoll, eventfd, accept4, TCP options).
#ifndef C_GATEWAY_LINUX_H
#define C_GATEWAY_LINUX_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <semaphore.h>

static const uint32_t cgw_EPOLLIN = EPOLLIN;
static const uint32_t cgw_EPOLLOUT = EPOLLOUT;
static const uint32_t cgw_EPOLLERR = EPOLLERR;
static const uint32_t cgw_EPOLLHUP = EPOLLHUP;
static const uint32_t cgw_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t cgw_EPOLLET = EPOLLET;
static const uint32_t cgw_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;
static const int cgw_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
static const int cgw_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
static const int cgw_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
static const int cgw_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int cgw_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int cgw_MSG_NOSIGNAL = MSG_NOSIGNAL;

int cgw_epoll_create(void);
int cgw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits; fills `events`/`datas` (parallel arrays) so Swift never touches the packed struct.
int cgw_epoll_wait(int epfd, uint32_t *events, uint64_t *datas, int max, int timeout_ms);
int cgw_eventfd(void);
int cgw_accept4(int fd);
int cgw_listen_tcp(const char *host, int port, int backlog, int *out_port);
int cgw_set_nodelay(int fd);
long cgw_send(int fd, const void *buf, unsigned long len);
int cgw_raise_nofile(void);
int cgw_errno(void);
int cgw_available_cpus(void);
#include <pthread.h>
int cgw_timed_join(pthread_t thread, long timeout_ms);
int cgw_sem_timed_wait(sem_t *sem, long timeout_ms);
int cgw_shutdown_listener(int fd);
/// Installs handlers for SIGTERM and SIGINT that write the signal number (one byte) to a pipe whose read end is
/// returned in `read_fd`, unblocks both in the calling thread, and ignores SIGPIPE. Any thread may take the
/// signal; the handler is async-signal-safe.
int cgw_route_shutdown_signals(int *read_fd);
void cgw_set_thread_name(const char *name);

#endif
