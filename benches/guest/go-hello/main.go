// Hello world in Go, for the start-up comparison.
package main

import "fmt"

func main() {
	fmt.Println("Hello, world!")
}
