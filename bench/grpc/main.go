// Command grpc measures gRPC unary calls per second through gatehouse
// against the same grpc-go service called directly. Everything runs in
// this process on loopback: the service (grpc.testing.TestService), the
// gateway (its real handler and config path, served over cleartext
// HTTP/2) and the clients. Each leg runs ROUNDS times, interleaved; the
// median is reported.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

type service struct {
	testpb.UnimplementedTestServiceServer
}

func (service) UnaryCall(_ context.Context, in *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	return &testpb.SimpleResponse{Payload: in.GetPayload()}, nil
}

func main() {
	duration := flag.Duration("d", 5*time.Second, "length of one measured run")
	rounds := flag.Int("rounds", 3, "interleaved rounds per leg")
	conns := flag.Int("c", 4, "client connections")
	streams := flag.Int("m", 16, "concurrent calls per connection")
	size := flag.Int("size", 100, "payload bytes per request and response")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	svc := listen()
	s := grpc.NewServer()
	testpb.RegisterTestServiceServer(s, service{})
	go s.Serve(svc)
	defer s.Stop()

	gw := startGateway(svc.Addr().String())
	defer gw.Close()

	legs := []struct{ name, addr string }{{"direct", svc.Addr().String()}, {"gatehouse", gw.Addr().String()}}
	results := map[string][]float64{}
	payload := &testpb.Payload{Body: make([]byte, *size)}
	for _, l := range legs { // warm-up: connections, pools, JIT-free but caches
		run(l.addr, *conns, *streams, time.Second, payload)
	}
	for r := 0; r < *rounds; r++ {
		for _, l := range legs {
			results[l.name] = append(results[l.name], run(l.addr, *conns, *streams, *duration, payload))
		}
	}
	med := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	direct, through := med(results["direct"]), med(results["gatehouse"])
	fmt.Printf("gRPC unary, %d B payload, %d conns x %d calls in flight, %d x %s, GOMAXPROCS=%d\n",
		*size, *conns, *streams, *rounds, *duration, runtime.GOMAXPROCS(0))
	fmt.Printf("%-10s %12s\n", "target", "calls/s")
	fmt.Printf("%-10s %12.0f\n", "direct", direct)
	fmt.Printf("%-10s %12.0f  (%.2fx direct)\n", "gatehouse", through, through/direct)
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	return ln
}

// startGateway serves a one-route config over h2c on a loopback port.
func startGateway(target string) net.Listener {
	yaml := fmt.Sprintf(`
listeners: [{name: public, addr: "127.0.0.1:0"}]
access_log: {output: "off"}
services:
  - {name: grpc, protocol: h2c, targets: [{url: "http://%s"}]}
routes:
  - {match: {path_prefix: /grpc.testing.TestService/}, service: grpc}
`, target)
	cfg, err := config.Parse([]byte(yaml), "bench.yaml")
	if err != nil {
		log.Fatal(err)
	}
	g, err := gateway.New(cfg, gateway.Options{
		File: "bench.yaml", Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		AccessLog: telemetry.NewAccessLog(io.Discard, nil),
	})
	if err != nil {
		log.Fatal(err)
	}
	ln := listen()
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: g.Handler("public"), Protocols: &p, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return ln
}

// run makes unary calls for d and returns calls per second.
func run(addr string, conns, streams int, d time.Duration, payload *testpb.Payload) float64 {
	var done atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			log.Fatal(err)
		}
		defer cc.Close()
		c := testpb.NewTestServiceClient(cc)
		for range streams {
			wg.Go(func() {
				req := &testpb.SimpleRequest{Payload: payload}
				for ctx.Err() == nil {
					if _, err := c.UnaryCall(ctx, req); err != nil {
						// grpc-go may see the deadline pass a moment
						// before ctx reports it.
						if c := status.Code(err); c != codes.DeadlineExceeded && c != codes.Canceled {
							log.Fatalf("%s: %v", addr, err)
						}
						return
					}
					done.Add(1)
				}
			})
		}
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}
