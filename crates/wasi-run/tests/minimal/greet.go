// A guest of the minimal C host: its arguments, a line read from stdin, a
// clock, a goroutine and an exit status.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	done := make(chan bool)
	go func() { time.Sleep(time.Millisecond); done <- true }()
	fmt.Printf("go: args %q, read %q, time %v, goroutine %v\n", os.Args[1:], strings.TrimSpace(line), time.Now().Unix() > 0, <-done)
	os.Exit(len(os.Args) - 1)
}
