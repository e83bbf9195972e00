/* The rights a directory reports, as wasi-libc reads them, and the access
   mode path_open gives a file. argv[1] is a writable preopen, argv[2] a
   read-only one holding given.txt.

   - faccessat(W_OK) through a directory opened O_RDONLY is EACCES (its
     inheriting rights lack FD_WRITE, as under wasmtime), through the
     writable preopen it succeeds, through the read-only preopen it is
     EACCES;
   - a file can still be created and written through a directory opened
     O_RDONLY (wasi-libc asks for FD_DATASYNC and the other writing
     rights, which the directory passes on);
   - a file opened with FD_WRITE|FD_READDIR (no FD_READ) is write-only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static char path[256];

static const char *at(const char *dir, const char *name) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void check(const char *what, int r) {
    printf("%s: %s\n", what, r == 0 ? "ok" : strerror(errno));
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    const char *rw = argv[1], *ro = argv[2];

    int f = open(at(rw, "f"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (f < 0 || write(f, "hello", 5) != 5) return 3;
    close(f);
    check("access(rw/f, W_OK)", access(at(rw, "f"), W_OK));
    check("access(rw/f, R_OK)", access(at(rw, "f"), R_OK));

    int d = open(rw, O_RDONLY | O_DIRECTORY);
    if (d < 0) return 4;
    check("faccessat(rdonly dir, f, F_OK)", faccessat(d, "f", F_OK, 0));
    check("faccessat(rdonly dir, f, R_OK)", faccessat(d, "f", R_OK, 0));
    check("faccessat(rdonly dir, f, W_OK)", faccessat(d, "f", W_OK, 0));

    int g = openat(d, "g", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check("openat(rdonly dir, g, O_WRONLY|O_CREAT)", g < 0 ? -1 : 0);
    check("write through it", write(g, "x", 1) == 1 ? 0 : -1);
    close(g);

    check("access(ro/given.txt, R_OK)", access(at(ro, "given.txt"), R_OK));
    check("access(ro/given.txt, W_OK)", access(at(ro, "given.txt"), W_OK));

    /* path_open itself: FD_WRITE|FD_READDIR asks for writing only. */
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(d, 0, "f", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READDIR, 0, 0, &fd);
    if (e != 0) return 5;
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st) != 0) return 6;
    printf("FD_WRITE|FD_READDIR: reports FD_READ %s, FD_WRITE %s\n",
           (st.fs_rights_base & __WASI_RIGHTS_FD_READ) ? "yes" : "no",
           (st.fs_rights_base & __WASI_RIGHTS_FD_WRITE) ? "yes" : "no");
    char buf[8];
    check("read from it", read(fd, buf, sizeof buf) >= 0 ? 0 : -1);
    check("write to it", write(fd, "!", 1) == 1 ? 0 : -1);
    return 0;
}
