// Prints what a Go program gets from the host's clocks and entropy: the
// time of day, timers racing in goroutines, math/rand's runtime-seeded
// stream, and map order. Under --deterministic it is the same every run.
package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

func main() {
	fmt.Println("now", time.Now().UTC().Format(time.RFC3339Nano))
	start := time.Now()
	done := make(chan int)
	for i := 1; i <= 3; i++ {
		go func(i int) {
			time.Sleep(time.Duration(4-i) * 100 * time.Millisecond)
			done <- i
		}(i)
	}
	fmt.Println("woke", <-done, <-done, <-done)
	fmt.Println("slept", time.Since(start).Round(time.Millisecond))
	fmt.Println("rand", rand.Uint64(), rand.IntN(1000))
	m := map[string]int{}
	for i := 0; i < 10; i++ {
		m[fmt.Sprint("k", i)] = i
	}
	order := []string{}
	for k := range m {
		order = append(order, k)
	}
	fmt.Println("map order", order)
}
