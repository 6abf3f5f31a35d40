package compress

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// BenchmarkEncode10KB is the policy's cost on one 10 KB JSON answer per
// coding: decide, encode, drain. Encoders come from the pools, so a
// response allocates little beyond its output buffer.
func BenchmarkEncode10KB(b *testing.B) {
	body := `{"items":"` + strings.Repeat("gatehouse api ", 730) + `"}`
	for _, coding := range []string{"gzip", "br", "zstd"} {
		b.Run(coding, func(b *testing.B) {
			spec := &Spec{Algorithms: []string{coding}}
			pol, err := spec.Build(pipeline.BuildContext{})
			if err != nil {
				b.Fatal(err)
			}
			p := pol.(*policy)
			req, _ := http.NewRequest("GET", "http://x/", nil)
			req.Header.Set("Accept-Encoding", coding)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp := &http.Response{StatusCode: 200, Request: req, ContentLength: int64(len(body)),
					Header: http.Header{"Content-Type": {"application/json"}},
					Body:   io.NopCloser(strings.NewReader(body))}
				if err := p.ModifyResponse(resp, nil); err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
			}
		})
	}
}
