// 20 goroutines sleep 10-50 ms each while another reads stdin to EOF.
// The sleepers must all wake in about the longest sleep (50 ms), not the
// sum (about 600 ms), and must not wait for stdin: the runtime's
// scheduler has to poll stdin and its timers together.
package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

func main() {
	start := time.Now()
	got := make(chan int64)
	go func() {
		n, err := io.Copy(io.Discard, os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "stdin:", err)
			os.Exit(1)
		}
		got <- n
	}()
	var wg sync.WaitGroup
	total := time.Duration(0)
	for i := 0; i < 20; i++ {
		d := time.Duration(10+i*40/19) * time.Millisecond
		total += d
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(d)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if elapsed >= total {
		fmt.Printf("sleepers took %v, the sum of their sleeps (%v)\n", elapsed, total)
		os.Exit(1)
	}
	fmt.Println("sleepers done")
	fmt.Printf("stdin bytes %d\n", <-got)
}
