package podrunner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// envHelper makes the test binary play a long-running container (see helperMain) when a pod sets it.
const envHelper = "PODRUNNER_TEST_HELPER"

// helperMain is the stand-in for a long-running Orca command (until `orca router` exists, and for what the router
// cannot be asked to do): it listens on ORCA_DEV_BIND_ADDRESS like the router, a TCP echo on ECHO_PORT and HTTP on
// 8080 (/healthz 200 only after POST /ready and until POST /unready; /env the environment; POST /exit?code=N exits
// with N). SIGTERM exits 0 unless IGNORE_TERM is set.
func helperMain() int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	host := os.Getenv("ORCA_DEV_BIND_ADDRESS")
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "helper: ORCA_DEV_BIND_ADDRESS %q is not loopback\n", host)
		return 2
	}
	echo, err := net.Listen("tcp", net.JoinHostPort(host, os.Getenv("ECHO_PORT")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	go serveEcho(echo)
	exit := make(chan int, 1)
	var healthy atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("POST /ready", func(http.ResponseWriter, *http.Request) { healthy.Store(true) })
	mux.HandleFunc("POST /unready", func(http.ResponseWriter, *http.Request) { healthy.Store(false) })
	mux.HandleFunc("/env", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(os.Environ()) })
	mux.HandleFunc("POST /exit", func(_ http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		exit <- code
	})
	web, err := net.Listen("tcp", net.JoinHostPort(host, "8080"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	go func() { _ = (&http.Server{Handler: mux, ReadHeaderTimeout: time.Second}).Serve(web) }()
	fmt.Printf("helper: serving on %s (pid %d)\n", host, os.Getpid())
	for {
		select {
		case code := <-exit:
			time.Sleep(50 * time.Millisecond) // let the response go out
			return code
		case <-term:
			if os.Getenv("IGNORE_TERM") == "" {
				fmt.Println("helper: SIGTERM, exiting")
				return 0
			}
			fmt.Println("helper: SIGTERM ignored")
		}
	}
}

func serveEcho(l net.Listener) {
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}
