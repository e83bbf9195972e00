// Loads past the end of linear memory three named frames deep.
package main

import (
	"fmt"
	"os"
	"unsafe"
)

//go:noinline
func level3(x uintptr) byte {
	return *(*byte)(unsafe.Pointer(x))
}

//go:noinline
func level2(x uintptr) byte { return level3(x+1) + 1 }

//go:noinline
func level1(x uintptr) byte { return level2(x+1) + 1 }

func main() {
	fmt.Println(level1(uintptr(0xffff0000) + uintptr(len(os.Args))))
}
