package gotest

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var mustFail = flag.Bool("must-fail", false, "fail on purpose, to show failures reach go test")

func TestCountWordsFromTestdata(t *testing.T) {
	counts, err := CountWords(filepath.Join("testdata", "text.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Top(counts, 3), []string{"the", "cat", "mat"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Top = %v, want %v", got, want)
	}
}

func TestTempDirAndCleanup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("a b a"), 0o644); err != nil {
		t.Fatal(err)
	}
	counts, err := CountWords(path)
	if err != nil || counts["a"] != 2 {
		t.Fatalf("counts = %v, err = %v", counts, err)
	}
}

func TestParallelTimers(t *testing.T) {
	for _, d := range []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond} {
		d := d
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			time.Sleep(d)
			if time.Since(start) < d {
				t.Fatal("woke early")
			}
		})
	}
}

func TestMustFail(t *testing.T) {
	if *mustFail {
		t.Fatal("failing on purpose")
	}
}

func BenchmarkTop(b *testing.B) {
	counts := map[string]int{"a": 3, "b": 2, "c": 1}
	for i := 0; i < b.N; i++ {
		Top(counts, 2)
	}
}
