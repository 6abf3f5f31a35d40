package upstream

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
)

// grpcHealthPath is the gRPC health checking protocol's Check method.
const grpcHealthPath = "/grpc.health.v1.Health/Check"

// checkGRPC asks a target's grpc.health.v1.Health/Check about the
// configured service: healthy is an OK call answering SERVING. The call
// goes through the checker's transport, so it uses the service's own
// protocol (h2 or h2c) and TLS settings, as Envoy's gRPC health checker
// does.
func (c *checker) checkGRPC(ctx context.Context, t *Target) bool {
	msg, err := proto.Marshal(&healthpb.HealthCheckRequest{Service: c.s.GRPCService})
	if err != nil {
		return false
	}
	body := make([]byte, 5+len(msg))
	binary.BigEndian.PutUint32(body[1:5], uint32(len(msg)))
	copy(body[5:], msg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Scheme+"://"+t.Host+grpcHealthPath, bytes.NewReader(body))
	if err != nil {
		return false
	}
	if t.HostHeader != "" {
		req.Host = t.HostHeader
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("Te", "trailers")
	req.Header.Set("User-Agent", "gatehouse-health-check")
	resp, err := c.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	// A trailers-only answer carries grpc-status in the headers.
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		status = resp.Header.Get("Grpc-Status")
	}
	if status != "0" || len(b) < 5 || b[0] != 0 {
		return false
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if uint64(len(b)-5) != uint64(n) {
		return false
	}
	var out healthpb.HealthCheckResponse
	if err := proto.Unmarshal(b[5:], &out); err != nil {
		return false
	}
	return out.GetStatus() == healthpb.HealthCheckResponse_SERVING
}
