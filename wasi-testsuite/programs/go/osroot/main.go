// Go's os.Root (Go 1.24+): create, write, truncate, rename, link, remove
// and mkdir through a root, and its refusal of paths that escape it. Go
// opens the root directory with rights that lack PATH_FILESTAT_SET_SIZE
// and resolves symlinks itself (O_NOFOLLOW per component, then readlink),
// so it needs the host to leave rights alone and to keep ELOOP/ENOTDIR for
// a symlink opened without following.
package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

var failed bool

func must(what string, err error) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		failed = true
	}
}

func main() {
	dir := os.Args[1]
	root, err := os.OpenRoot(dir)
	if err != nil {
		fmt.Println("FAIL OpenRoot:", err)
		os.Exit(1)
	}
	defer root.Close()

	must("WriteFile new", root.WriteFile("f", []byte("hello"), 0o644))
	must("WriteFile truncating", root.WriteFile("f", []byte("hi"), 0o644))
	data, err := root.ReadFile("f")
	must("ReadFile", err)
	fmt.Printf("f: %q\n", data)

	w, err := root.OpenFile("f", os.O_WRONLY|os.O_TRUNC, 0)
	must("OpenFile O_TRUNC", err)
	if w != nil {
		_, err = w.Write([]byte("x"))
		must("write", err)
		must("close", w.Close())
	}
	data, _ = root.ReadFile("f")
	fmt.Printf("after O_TRUNC: %q\n", data)

	g, err := root.Create("g")
	must("Create", err)
	if g != nil {
		_, err = io.WriteString(g, "gg")
		must("write g", err)
		must("Truncate", g.Truncate(1))
		g.Close()
	}
	must("Mkdir", root.Mkdir("d", 0o755))
	must("MkdirAll", root.MkdirAll("d/e/f", 0o755))
	must("Rename", root.Rename("g", "d/e/g"))
	st, err := root.Stat("d/e/g")
	must("Stat renamed", err)
	if st != nil {
		fmt.Println("d/e/g size:", st.Size())
	}
	must("Link", root.Link("f", "d/f2"))
	must("Symlink", root.Symlink("f", "lnk"))
	target, err := root.Readlink("lnk")
	must("Readlink", err)
	data, _ = root.ReadFile("lnk")
	fmt.Printf("lnk -> %s: %q\n", target, data)
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	must("Chtimes", root.Chtimes("f", mtime, mtime))
	st, err = root.Stat("f")
	must("Stat", err)
	if st != nil {
		fmt.Println("mtime:", st.ModTime().UTC().Format(time.RFC3339))
	}

	sub, err := root.OpenRoot("d/e")
	must("OpenRoot nested", err)
	if sub != nil {
		data, _ = sub.ReadFile("g")
		fmt.Printf("nested root reads g: %q\n", data)
		_, err = sub.Open("../../f")
		fmt.Println("nested root ../../f:", err)
		sub.Close()
	}

	// Escapes, through ".." and through symlinks planted inside.
	must("plant a climbing link", os.Symlink("../..", dir+"/up"))
	for _, name := range []string{"../x", "up/etc/passwd", "d/../../x"} {
		_, err := root.Open(name)
		fmt.Printf("open %s: %v\n", name, err)
	}
	fmt.Println("symlink to an absolute path:", root.Symlink("/etc/passwd", "abs"))

	must("Remove", root.Remove("f"))
	must("RemoveAll", root.RemoveAll("d"))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println("left:", e.Name())
	}
	if failed {
		os.Exit(1)
	}
}
