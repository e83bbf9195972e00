// Goroutines, channels, fmt, timers and os.ReadDir on a preopen.
package main

import (
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	results := make(chan int, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			time.Sleep(time.Duration(n%4) * time.Millisecond)
			results <- n * n
		}(i)
	}
	wg.Wait()
	close(results)
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Printf("sum of squares 0..15 = %d\n", sum)

	entries, err := os.ReadDir(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ReadDir:", err)
		os.Exit(1)
	}
	var names []string
	for _, e := range entries {
		kind := "file"
		if e.IsDir() {
			kind = "dir"
		}
		names = append(names, e.Name()+":"+kind)
	}
	sort.Strings(names)
	fmt.Println(names)
	data, err := os.ReadFile(os.Args[1] + "/a.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, "ReadFile:", err)
		os.Exit(1)
	}
	fmt.Printf("a.txt: %q\n", data)
}
