// Command h2bare is a bare Go net/http server speaking HTTP/2 (h2c with
// prior knowledge, or TLS with ALPN), the reference bench/h2spec.sh and
// bench/edge.sh hold gatehouse against.
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	cert := flag.String("cert", "", "PEM certificate file (TLS when set)")
	key := flag.String("key", "", "PEM key file")
	flag.Parse()
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(*cert == "")
	s := &http.Server{Addr: *addr, Protocols: &p, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})}
	if *cert != "" {
		log.Fatal(s.ListenAndServeTLS(*cert, *key))
	}
	log.Fatal(s.ListenAndServe())
}
