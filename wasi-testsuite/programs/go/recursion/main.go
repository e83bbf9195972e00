// Recurses 200000 calls deep (each a wasm call in Go's wasip1 port), which
// needs call-stack and value-stack limits far above wasmi's defaults.
package main

import "fmt"

//go:noinline
func depth(n int) int {
	if n == 0 {
		return 0
	}
	return depth(n-1) + 1
}

func main() {
	fmt.Println("depth", depth(200000))
}
