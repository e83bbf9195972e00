// Reads files a guest may only read: from a `::ro` mount, or from host
// files its user may not write. Go opens read-only files asking for every
// right but the write ones (FD_FILESTAT_SET_SIZE among those it keeps), so
// the host must open them by FD_READ/FD_WRITE alone. Then it tries to
// write, which must fail with the mount's or the host's errno.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	dir := os.Args[1]
	for _, name := range []string{"a.txt", "sub/b.txt"} {
		data, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			fmt.Println("FAIL", err)
			os.Exit(1)
		}
		fmt.Printf("%s: %q\n", name, data)
	}
	// Open, seek, read, stat: all a read-only fd allows.
	f, err := os.Open(dir + "/a.txt")
	if err != nil {
		fmt.Println("FAIL", err)
		os.Exit(1)
	}
	if _, err := f.Seek(1, io.SeekStart); err != nil {
		fmt.Println("FAIL seek", err)
		os.Exit(1)
	}
	rest, _ := io.ReadAll(f)
	st, _ := f.Stat()
	fmt.Printf("from 1: %q, size %d\n", rest, st.Size())
	if _, err := f.Write([]byte("x")); err == nil {
		fmt.Println("FAIL wrote to a read-only fd")
		os.Exit(1)
	}
	f.Close()
	entries, _ := os.ReadDir(dir)
	fmt.Println("entries:", len(entries))
	// Writing is refused, by the mount (EPERM) or the host (EACCES).
	fmt.Println("write existing:", os.WriteFile(dir+"/a.txt", []byte("x"), 0o644))
	fmt.Println("create:", os.WriteFile(dir+"/new.txt", []byte("x"), 0o644))
	fmt.Println("mkdir:", os.Mkdir(dir+"/d", 0o755))
	fmt.Println("remove:", os.Remove(dir+"/a.txt"))
	data, _ := os.ReadFile(dir + "/a.txt")
	fmt.Printf("unchanged: %q\n", data)
}
