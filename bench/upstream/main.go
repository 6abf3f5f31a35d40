// Command upstream is the benchmark's backend: GET / answers a fixed JSON
// body of about 100 bytes over keep-alive connections, doing as little work
// as possible so that the proxy in front of it is what gets measured.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
	"time"
)

// body is fixed so every proxy moves exactly the same bytes.
var body = []byte(`{"service":"bench-upstream","status":"ok","message":"hello through the proxy","padding":"xxxxxx"}` + "\n")

func main() {
	addr := flag.String("addr", "127.0.0.1:18000", "listen address (loopback only)")
	size := flag.Int("json-bytes", 0, "answer a JSON body of about this many bytes instead (compression scenario)")
	cacheControl := flag.String("cache-control", "", "Cache-Control sent with every answer (cache scenario)")
	flag.Parse()
	if *size > 0 {
		body = jsonOfSize(*size)
	}

	contentLength := strconv.Itoa(len(body))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		if *cacheControl != "" {
			h.Set("Cache-Control", *cacheControl)
		}
		// An explicit length keeps the response un-chunked for all proxies.
		h.Set("Content-Length", contentLength)
		_, _ = w.Write(body)
	})

	srv := &http.Server{
		Addr:              *addr,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// Long idle timeout: proxies keep pooled connections open between
		// the interleaved wrk runs, and a reconnect storm would skew them.
		IdleTimeout: 5 * time.Minute,
	}
	log.Printf("bench upstream listening on %s (%d-byte body)", *addr, len(body))
	log.Fatal(srv.ListenAndServe())
}

// jsonOfSize is a JSON document of n bytes or a little more, shaped like
// an API listing (repeated objects), so it compresses as real answers do.
func jsonOfSize(n int) []byte {
	b := []byte(`{"items":[`)
	for i := 0; len(b) < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, int64(1000+i), 10)
		b = append(b, `,"name":"order `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `","status":"shipped","total":42.5}`...)
	}
	return append(b, "]}\n"...)
}
