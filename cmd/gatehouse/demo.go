package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/examples"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/gateway"
)

const demoHelp = `Usage: gatehouse demo [-c FILE] [-tls]

Starts three example services (auth, orders, payments) on free loopback
ports and the gateway in front of them on 127.0.0.1:8080 (set
GATEHOUSE_ADDR to change it), using examples/demo.yaml (built in; -c to
use another file). Prints curl lines to try. Stop it with Ctrl-C.

With -tls it also serves HTTPS on 127.0.0.1:8443 (GATEHOUSE_HTTPS_ADDR)
with a certificate from a local CA made at start, and prints the CA's
path for curl --cacert.`

func demoCmd(args []string, stdout, stderr io.Writer) int {
	f := newFlags("demo", demoHelp, stdout, stderr)
	file := f.String("c", "", "config file (default: the built-in examples/demo.yaml)")
	level := f.String("log-level", "warn", "log level of the gateway's own log")
	withTLS := f.Bool("tls", false, "also serve HTTPS with a locally generated CA")
	tlsDir := f.String("tls-dir", filepath.Join(os.TempDir(), "gatehouse-demo-tls"), "where -tls writes the CA and the certificate")
	if code, done := f.parse(args); done {
		return code
	}
	logger, err := newLogger(stderr, *level)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse demo: %v\n", err)
		return 2
	}
	svcs, err := demo.Start(context.Background())
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse demo: starting example services: %v\n", err)
		return 1
	}
	defer svcs.Close()
	for k, v := range svcs.Env() {
		os.Setenv(k, v)
	}
	name, data := "examples/demo.yaml", examples.DemoConfig
	if *file != "" {
		name = *file
		if data, err = os.ReadFile(*file); err != nil {
			fmt.Fprintf(stderr, "gatehouse demo: %v\n", err)
			return 1
		}
	}
	cfg, err := config.Parse(data, name)
	if err != nil {
		printConfigError(stderr, name, err)
		return 1
	}
	caFile := ""
	if *withTLS {
		addr := os.Getenv("GATEHOUSE_HTTPS_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8443"
		}
		if caFile, err = demoTLS(cfg, *tlsDir, addr); err != nil {
			fmt.Fprintf(stderr, "gatehouse demo: tls: %v\n", err)
			return 1
		}
	}
	return serve(cfg, name, data, false, logger, stderr, func(g *gateway.Gateway) {
		printDemo(stdout, g.Addr(cfg.Listeners[0].Name).String(), cfg.Admin.Addr, svcs)
		if caFile != "" {
			printDemoTLS(stdout, g.Addr("https").String(), caFile)
		}
	})
}

func printDemo(w io.Writer, addr, adminAddr string, s *demo.Services) {
	base := "http://" + addr
	adminLine := ""
	if adminAddr != config.AdminAddrOff {
		adminLine = fmt.Sprintf("\n  admin      http://%s   (status, routes, services, explain, metrics)", adminAddr)
	}
	fmt.Fprintf(w, `gatehouse demo is running.

  gateway    %s
  auth       %s   (was /auth-service/login,     now POST /api/login)
  orders     %s   (was /order-service/orders,   now GET  /api/orders)
  payments   %s   (was /payment-service/charge, now POST /api/charge)%s

Try:
  curl -s -X POST %[1]s/api/login -d '{"username":"alice","password":"secret"}'
  TOKEN=$(curl -s -X POST %[1]s/api/token -d '{"username":"alice","password":"secret"}')
  curl -s %[1]s/api/orders -H "Authorization: Bearer $TOKEN"
  curl -si %[1]s/api/orders                  # 401 without a token
  curl -s -X POST %[1]s/api/charge -H 'X-API-Key: demo-shop-key' -d '{"amount":1299,"currency":"EUR"}'
  curl -si %[1]s/api/nowhere            # 404, JSON error
  curl -si -X DELETE %[1]s/api/charge   # 405 with Allow: POST
  curl -s %[1]s/health

Access log lines follow (one JSON line per request). Ctrl-C stops.
`, base, s.Auth, s.Orders, s.Payments, adminLine)
}
