package upstream

import "testing"

func TestParseTarget(t *testing.T) {
	tests := []struct {
		raw      string
		host     string
		basePath string
		wantErr  bool
	}{
		{"http://127.0.0.1:3000", "127.0.0.1:3000", "", false},
		{"https://svc.internal/v1/", "svc.internal", "/v1", false},
		{"ftp://x", "", "", true},
		{"http://", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseTarget(tt.raw, 0)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v; want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.Host != tt.host || got.BasePath != tt.basePath || got.Weight != 1 {
				t.Errorf("got host %q base %q weight %d; want %q %q 1", got.Host, got.BasePath, got.Weight, tt.host, tt.basePath)
			}
		})
	}
}

func TestPoolSmoothWeighted(t *testing.T) {
	a, _ := ParseTarget("http://a:1", 5)
	b, _ := ParseTarget("http://b:1", 1)
	c, _ := ParseTarget("http://c:1", 1)
	p := NewPool([]*Target{a, b, c})
	counts := map[string]int{}
	var seq []string
	for range 70 {
		t := p.Pick()
		counts[t.Host]++
		seq = append(seq, t.Host)
	}
	if counts["a:1"] != 50 || counts["b:1"] != 10 || counts["c:1"] != 10 {
		t.Fatalf("counts = %v; want a:50 b:10 c:10", counts)
	}
	// Smooth: nginx's sequence for 5,1,1 is a a b a c a a.
	want := []string{"a:1", "a:1", "b:1", "a:1", "c:1", "a:1", "a:1"}
	for i, w := range want {
		if seq[i] != w {
			t.Fatalf("sequence %v; want prefix %v", seq[:7], want)
		}
	}
}
