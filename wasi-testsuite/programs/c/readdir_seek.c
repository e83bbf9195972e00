/* wasi-libc's telldir/seekdir/rewinddir over 500 entries, and a raw
   fd_readdir walk with a 128-byte buffer resumed from every cookie. Both
   need small, stable cookies: wasi-libc keeps them in a 32-bit long. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define N 500
#define MAX (N + 2)

static char names[MAX][64];
static long locs[MAX];

static int fail(const char *what) {
    printf("FAIL %s (%s)\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    if (chdir(argv[1]) != 0) fail("chdir");
    for (int i = 0; i < N; i++) {
        char name[64];
        snprintf(name, sizeof name, "entry-%03d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        if (fd < 0) fail("create");
        close(fd);
    }

    DIR *d = opendir(".");
    if (!d) fail("opendir");
    int count = 0;
    for (;;) {
        long loc = telldir(d);
        struct dirent *e = readdir(d);
        if (!e) break;
        if (count == MAX) fail("too many entries");
        locs[count] = loc;
        snprintf(names[count], sizeof names[count], "%s", e->d_name);
        count++;
    }
    printf("listed %d entries\n", count);

    /* seekdir to every 7th position, backwards and forwards. */
    int checked = 0;
    for (int i = count - 1; i >= 0; i -= 7) {
        seekdir(d, locs[i]);
        struct dirent *e = readdir(d);
        if (!e || strcmp(e->d_name, names[i]) != 0) {
            printf("FAIL seekdir to %ld gave %s, want %s\n", locs[i], e ? e->d_name : "(end)", names[i]);
            return 1;
        }
        checked++;
    }
    for (int i = 3; i < count; i += 50) {
        seekdir(d, locs[i]);
        for (int j = i; j < i + 3 && j < count; j++) {
            struct dirent *e = readdir(d);
            if (!e || strcmp(e->d_name, names[j]) != 0) {
                printf("FAIL reading on after seekdir(%ld): entry %d\n", locs[i], j);
                return 1;
            }
        }
        checked++;
    }
    printf("seekdir checks: %d\n", checked);
    /* Past the last entry is the end. */
    seekdir(d, locs[count - 1]);
    readdir(d);
    printf("after the last: %s\n", readdir(d) ? "an entry" : "end");

    /* rewinddir sees a file made since. */
    int fd = open("made-later", O_CREAT | O_WRONLY, 0644);
    close(fd);
    rewinddir(d);
    int again = 0, later = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        again++;
        if (strcmp(e->d_name, "made-later") == 0) later = 1;
    }
    printf("after rewinddir: %d entries, new one %s\n", again, later ? "seen" : "missing");
    closedir(d);

    /* The raw call with a 128-byte buffer: every entry comes once, each
       d_next resumes right after it, and the cookies fit in 32 bits. */
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    if (dfd < 0) fail("open .");
    unsigned char buf[128];
    __wasi_dircookie_t cookie = 0, max_cookie = 0;
    int raw = 0, calls = 0;
    for (;;) {
        __wasi_size_t used = 0;
        if (__wasi_fd_readdir(dfd, buf, sizeof buf, cookie, &used) != 0) fail("fd_readdir");
        calls++;
        size_t at = 0;
        int whole = 0;
        while (at + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t ent;
            memcpy(&ent, buf + at, sizeof ent);
            if (at + sizeof ent + ent.d_namlen > used) break;
            raw++;
            whole++;
            cookie = ent.d_next;
            if (cookie > max_cookie) max_cookie = cookie;
            at += sizeof ent + ent.d_namlen;
        }
        if (used < sizeof buf) break;
        if (whole == 0) fail("an entry larger than 128 bytes");
    }
    printf("raw walk: %d entries, %s, largest cookie %s 32 bits\n", raw,
           calls > raw / 4 ? "a few per call" : "too many per call",
           max_cookie <= 0x7fffffff ? "fits in" : "exceeds");
    __wasi_size_t used = 1;
    __wasi_errno_t err = __wasi_fd_readdir(dfd, buf, sizeof buf, max_cookie + 1, &used);
    printf("cookie past the end: errno %u, %u bytes\n", (unsigned)err, (unsigned)used);
    close(dfd);
    return 0;
}
