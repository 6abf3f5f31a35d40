package e2e

import (
	"net/http"
	"testing"
)

// TestRateLimitHeaderSwitches: the IETF and legacy headers are on passed
// (2xx) and refused (429) responses alike, and each set can be switched.
func TestRateLimitHeaderSwitches(t *testing.T) {
	up := echoServer(t, "echo")
	for _, c := range []struct {
		name, policy           string
		policyHdr, first, last string // RateLimit-Policy, RateLimit on the 1st and 3rd response
		legacy                 [3]string
	}{
		{
			name:      "defaults",
			policy:    "        limits: [{requests: 2, per: 1m}]\n",
			policyHdr: `"default";q=2;w=60`, first: `"default";r=1;t=30`, last: `"default";r=0;t=30`,
		},
		{
			name:   "legacy only",
			policy: "        limits: [{requests: 2, per: 1m}]\n        headers: {ietf: false, legacy: true}\n",
			legacy: [3]string{"2", "1", "30"},
		},
		{
			name:      "several limits name the tightest",
			policy:    "        name: api\n        limits: [{requests: 2, per: 1m}, {requests: 100, per: 1h}]\n",
			policyHdr: `"api-0";q=2;w=60, "api-1";q=100;w=3600`, first: `"api-0";r=1;t=30`, last: `"api-0";r=0;t=30`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := startGateway(t, limitedConfig(c.policy), map[string]string{"UP": up.URL})
			var resps []*http.Response
			var last string
			for range 3 {
				resp, body := g.do("GET", "/x", nil)
				resps = append(resps, resp)
				last = body
			}
			if resps[0].StatusCode != 200 || resps[1].StatusCode != 200 || resps[2].StatusCode != 429 {
				t.Fatalf("statuses %d %d %d; want 200 200 429", resps[0].StatusCode, resps[1].StatusCode, resps[2].StatusCode)
			}
			if e := parseError(t, last); e.Status != 429 {
				t.Errorf("429 body status = %d; want 429", e.Status)
			}
			if got := resps[2].Header.Get("Retry-After"); got == "" || got == "0" {
				t.Errorf("Retry-After = %q; want whole seconds >= 1", got)
			}
			for i, r := range resps {
				if got := r.Header.Get("RateLimit-Policy"); got != c.policyHdr {
					t.Errorf("response %d: RateLimit-Policy = %q; want %q", i, got, c.policyHdr)
				}
				if got := r.Header.Get("X-RateLimit-Limit"); (got != "") != (c.legacy[0] != "") {
					t.Errorf("response %d: X-RateLimit-Limit = %q; want it only with legacy: true", i, got)
				}
			}
			if c.first != "" {
				if got := resps[0].Header.Get("RateLimit"); got != c.first {
					t.Errorf("first RateLimit = %q; want %q", got, c.first)
				}
				if got := resps[2].Header.Get("RateLimit"); got[:len(got)-2] != c.last[:len(c.last)-2] {
					t.Errorf("429 RateLimit = %q; want like %q", got, c.last)
				}
			} else if got := resps[0].Header.Get("RateLimit"); got != "" {
				t.Errorf("RateLimit = %q with ietf: false; want none", got)
			}
			if c.legacy[0] != "" {
				h := resps[0].Header
				got := [3]string{h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset")}
				if got != c.legacy {
					t.Errorf("legacy headers limit, remaining, reset = %q; want %q", got, c.legacy)
				}
			}
		})
	}
}
