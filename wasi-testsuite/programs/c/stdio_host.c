/* What a guest may do to the stdio the host gave it: isatty on a device
   that is not a terminal, the access mode of each stream, and no metadata
   change the host's description does not allow (an append-only stdout is
   never truncated, a read-only stdin never has its times set). Prints one
   line per probe; the test decides what is right for the stdio it gave. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *mode(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return strerror(errno);
    switch (fl & O_ACCMODE) {
        case O_RDONLY: return "O_RDONLY";
        case O_WRONLY: return "O_WRONLY";
        case O_RDWR: return "O_RDWR";
        default: return "other";
    }
}

static const char *result(int r) {
    return r == 0 ? "ok" : strerror(errno);
}

int main(void) {
    for (int fd = 0; fd <= 2; fd++) {
        int tty = isatty(fd);
        fprintf(stderr, "fd %d: isatty=%d (%s) mode=%s\n", fd, tty, tty ? "-" : strerror(errno), mode(fd));
    }
    fprintf(stderr, "ftruncate(1): %s\n", result(ftruncate(1, 0)));
    fprintf(stderr, "futimens(0): %s\n", result(futimens(0, NULL)));
    fprintf(stderr, "futimens(1): %s\n", result(futimens(1, NULL)));
    struct stat st;
    fprintf(stderr, "fstat(0): %s size=%lld\n", result(fstat(0, &st)), (long long)st.st_size);
    printf("written\n");
    fflush(stdout);
    return 0;
}
