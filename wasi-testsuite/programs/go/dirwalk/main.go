// Walks os.DirFS(root) with fs.WalkDir and prints every entry: its path,
// type, size and a SHA-256 prefix of a file's contents, the target of a
// symlink; then tries to change the tree and prints what that answered.
// Driven by crates/wasi-run/tests/mounts.rs, which compares the output
// over a .tar mount with the output over the same tree on the host.
package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path"
	"syscall"
)

func main() {
	root := os.Args[1]
	fsys := os.DirFS(root)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Printf("%s: error %v\n", p, err)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			fmt.Printf("%s: info error %v\n", p, err)
			return nil
		}
		switch {
		case d.IsDir():
			fmt.Printf("%s/ dir\n", p)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path.Join(root, p))
			fmt.Printf("%s -> %q %v\n", p, target, err)
		default:
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				fmt.Printf("%s: read error %v\n", p, err)
				return nil
			}
			nlink := uint64(0)
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				nlink = st.Nlink
			}
			fmt.Printf("%s file %d nlink=%d %x\n", p, info.Size(), nlink, sha256.Sum256(data[:]))
		}
		return nil
	})
	if err != nil {
		fmt.Println("walk:", err)
	}
	if len(os.Args) > 2 && os.Args[2] == "write" {
		err := os.WriteFile(path.Join(root, "new.txt"), []byte("new"), 0o644)
		fmt.Println("create:", err)
		data, err := os.ReadFile(path.Join(root, "new.txt"))
		fmt.Printf("read back: %q %v\n", data, err)
	}
}
