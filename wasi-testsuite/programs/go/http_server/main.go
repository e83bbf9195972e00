// An HTTP server on the preopened listener (fd 3, from --listen). It
// answers /hello/NAME, and exits after /quit. Go's net package drives the
// socket non-blocking, waiting in poll_oneoff between requests.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	l, err := net.FileListener(os.NewFile(3, "listener"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listener:", err)
		os.Exit(1)
	}
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/hello/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s\n", strings.TrimPrefix(r.URL.Path, "/hello/"))
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		close(done)
	})
	go http.Serve(l, mux)
	<-done
	fmt.Println("server stopped")
}
