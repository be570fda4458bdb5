/*
 * quire's output multiplexer, bind-mounted into each docker run's container and run in
 * front of every command. docker copies a command's stdout and stderr in two goroutines, so
 * a stderr line can arrive before stdout lines printed earlier. This one process reads both
 * pipes with poll() and writes what it reads, in the order it reads it, to its own stdout as
 * frames like docker's (1 = stdout, 2 = stderr, three zero bytes, the length big-endian).
 * It exits as the command did (128 + signal when killed); output of background processes
 * still holding the pipes after the command ended is read while it is already there.
 * Static, no libc beyond the syscalls: it must run in any image.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(const unsigned char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(1, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static unsigned char buf[65536 + 8];

/* Reads once from fd and writes one frame; returns bytes read, 0 at EOF, -1 when nothing is there. */
static ssize_t pump(int fd, unsigned char stream) {
  ssize_t n = read(fd, buf + 8, sizeof buf - 8);
  if (n < 0) return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
  if (n == 0) return 0;
  buf[0] = stream;
  buf[1] = buf[2] = buf[3] = 0;
  buf[4] = (unsigned char)(n >> 24);
  buf[5] = (unsigned char)(n >> 16);
  buf[6] = (unsigned char)(n >> 8);
  buf[7] = (unsigned char)n;
  if (write_all(buf, (size_t)n + 8) < 0) _exit(141);
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  int out[2], err[2];
  if (pipe(out) < 0 || pipe(err) < 0) return 126;
  pid_t child = fork();
  if (child < 0) return 126;
  if (child == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]); close(out[1]); close(err[0]); close(err[1]);
    execvp(argv[1], argv + 1);
    int code = errno == ENOENT ? 127 : 126;
    dprintf(2, "%s: %s\n", argv[1], strerror(errno));
    _exit(code);
  }
  close(out[1]);
  close(err[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2, status = 0, exited = 0;
  while (open_fds > 0) {
    /* After the command ended, keep reading only while there is something to read. */
    int ready = poll(fds, 2, exited ? 0 : 50);
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0 && exited) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (pump(fds[i].fd, (unsigned char)(i + 1)) == 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
    if (!exited && waitpid(child, &status, WNOHANG) == child) exited = 1;
  }
  if (!exited) waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
