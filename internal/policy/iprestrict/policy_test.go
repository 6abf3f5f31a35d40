package iprestrict

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func TestAllowDeny(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "deny.txt")
	os.WriteFile(file, []byte("# blocklist\n10.9.9.9 # one host\n\n2001:db8:bad::/48\n"), 0o644)
	sp := &Spec{Allow: []string{"10.0.0.0/8", "2001:db8::/32"}, Deny: []string{"10.1.0.0/16"}, DenyFile: file}
	pol, err := sp.Build(pipeline.BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	p := pol.(*Policy)
	for ip, want := range map[string]bool{
		"10.0.0.1": true, "10.1.2.3": false, "10.9.9.9": false, "11.0.0.1": false,
		"2001:db8::1": true, "2001:db8:bad::1": false, "::1": false, "": false, "garbage": false,
	} {
		if got := p.Allowed(ip); got != want {
			t.Errorf("Allowed(%q) = %v; want %v", ip, got, want)
		}
	}
	again, _ := sp.Build(pipeline.BuildContext{})
	if again != pol {
		t.Error("a spec shared by routes was compiled twice")
	}
	os.WriteFile(file, []byte("10.0.0.0/99\n"), 0o644)
	if _, err := (&Spec{DenyFile: file}).Build(pipeline.BuildContext{}); err == nil {
		t.Error("a bad line in deny_file was accepted")
	}
}
