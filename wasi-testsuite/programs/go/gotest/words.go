// Package gotest is a small package whose tests `go test` runs under
// wasi-run through crates/wasi-run/go/go_wasip1_wasm_exec.
package gotest

import (
	"os"
	"sort"
	"strings"
)

// CountWords counts the words of the file at path.
func CountWords(path string) (map[string]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, w := range strings.Fields(string(data)) {
		counts[strings.ToLower(w)]++
	}
	return counts, nil
}

// Top returns the n most frequent words, most frequent first, ties in
// alphabetical order.
func Top(counts map[string]int, n int) []string {
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > n {
		words = words[:n]
	}
	return words
}
